"""Load-time analysis of an assignment's test cells: which grading mode can honour each test, or none can.

The secure mode runs tests in the grader's process against proxies of the student's objects, and forwards to the
sandbox what a test does to the student's namespace that it can repeat there (`del`, rebinding, top-level seeds
with constant arguments; see forward.py). Some tests still only mean what they say when they run next to the
student's code, as nbgrader runs them (``--mode nbgrader``): they inspect the current matplotlib figure, use
pytest's capsys/capfd, declare `global` names, read globals(), seed the generator with values only the test knows,
or are cell magics. ``### AUTOTEST`` directives are instantiated into tests by nbgrader's own machinery when the
assignment is loaded (autotest.py); one left as it is (no autotests.yml, say) is refused in every mode (a comment
line would otherwise "pass" for a blank notebook).

A finding names the cell and the reason; the grader refuses an assignment whose findings its mode cannot honour,
instead of grading it wrongly in silence.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

MODES = ("secure", "nbgrader")
# nbgrader's rule: a comment line holding the word AUTOTEST is a directive ("### AUTOTEST a", "# HASHED AUTOTEST a")
AUTOTEST = re.compile(r"^\s*#[^\n]*AUTOTEST", re.MULTILINE)
_SEEDERS = {("np", "random", "seed"), ("numpy", "random", "seed"), ("random", "seed"), ("torch", "manual_seed"),
            ("tf", "random", "set_seed"), ("tensorflow", "random", "set_seed"), ("np", "random", "set_state"),
            ("numpy", "random", "set_state"), ("random", "setstate"), ("torch", "set_rng_state"),
            ("torch", "random", "manual_seed")}
_FIGURE = {"gca", "gcf", "get_fignums", "gci", "get_figlabels"}
# Output a student's function prints during a test's call is forwarded to the test's sys.stdout and sys.stderr, so
# capturing them (redirect_stdout/redirect_stderr, replacing sys.stdout) works in the secure mode; pytest's fixtures
# and IPython's capture_output (which also captures rich displays) do not.
_CAPTURE = {"capture_output", "capsys", "capfd", "CaptureIO"}
_MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "add",
             "discard", "setdefault", "popitem", "fill", "resize", "itemset", "put", "shuffle",
             "appendleft", "extendleft", "rotate", "difference_update", "intersection_update",
             "symmetric_difference_update"}


@dataclass(frozen=True)
class Finding:
    grade_id: str
    reason: str
    modes: tuple[str, ...]     # the modes that can honour this test; () when none can

    def describe(self) -> str:
        return f"test cell `{self.grade_id}`: {self.reason}"


class UnsupportedAssignment(Exception):
    """The assignment's tests cannot be honoured in the requested mode (the message names cells and reasons)."""


def analyse(assignment) -> list[Finding]:
    """Every test cell that the secure mode cannot honour, or that no mode can, with the reason."""
    provided = set()
    for cell in assignment.cells:
        if cell.kind == "provided":
            provided.update(_bound(cell.source))
    mutated = set()
    for cell in assignment.cells:
        if cell.kind == "solution":
            mutated |= _mutated(cell.source) & provided
    student = set(assignment.student_names)
    findings = []
    for cell in assignment.cells:
        if cell.kind == "test" and AUTOTEST.search(cell.source):
            findings.append(Finding(cell.grade_id, _autotest_why(assignment), ()))
        elif cell.kind == "test":
            findings += [Finding(cell.grade_id, reason, modes)
                         for reason, modes in test_needs(cell.source, student, mutated)]
    return findings


_AUTOTEST_WHY = ("it holds `### AUTOTEST` directives, which nbgrader expands into tests from autotests.yml when it "
                 "generates the release; they were not instantiated here, and as written they are comments, so any "
                 "notebook (a blank one too) would pass")


def _autotest_why(assignment) -> str:
    problem = getattr(assignment, "autotest_problem", None)
    return f"it holds `### AUTOTEST` directives that could not be instantiated: {problem}" if problem else _AUTOTEST_WHY


def test_needs(source: str, student_names: set[str], mutated: set[str] = frozenset()) -> list[tuple[str, tuple]]:
    """(reason, modes that honour it) for each thing this test cell does that the secure mode cannot carry."""
    from .assignment import strip_magics
    if AUTOTEST.search(source):
        return [(_AUTOTEST_WHY, ())]
    needs = []
    if "<class '__main__." in source:     # an instantiated AUTOTEST type check, or a hand-written one
        needs.append(("it checks the printed type of an object of a class the notebook defines "
                      "(`<class '__main__...'>`); the secure mode holds such objects as proxies", ("nbgrader",)))
    first = source.lstrip().splitlines()[0].strip() if source.strip() else ""
    if first.startswith("%%"):
        needs.append((f"it is a `{first.split()[0]}` cell magic, which runs only in a kernel", ("nbgrader",)))
    try:
        tree = ast.parse(strip_magics(source))
    except SyntaxError as err:
        return [(f"it is not valid Python ({err.msg}, line {err.lineno})", ())]
    own = _bound_before(tree)
    # A seed inside the test's own helper function seeds the test's reference computation, not the student's.
    in_helpers = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                  for n in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Delete):
            names = [t.id for t in node.targets if isinstance(t, ast.Name) and (t.id in student_names
                                                                                  or t.id not in own.get(node.lineno, ()))]
            if names:     # forwarded to the sandbox by the secure mode (autograde/forward.py)
                needs.append((f"it deletes `{'`, `'.join(names)}` from the student's namespace (`del`) to see "
                              "what the student's code does without it", ("secure", "nbgrader")))
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            needs.append(("it declares `global` names, which act on the student's namespace", ("nbgrader",)))
        elif isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            if dotted in _SEEDERS and id(node) not in in_helpers:
                from .forward import seed_source
                top = any(isinstance(s, ast.Expr) and s.value is node for s in tree.body)
                modes = ("secure", "nbgrader") if top and seed_source(node) else ("nbgrader",)
                needs.append((f"it seeds the global random generator (`{'.'.join(dotted)}(...)`), which the "
                              "student's code must see" + ("" if len(modes) == 2 else " (not a top-level call with "
                                                           "constant arguments the secure mode can repeat)"),
                              modes))
            elif dotted and dotted[-1] in _FIGURE and (len(dotted) == 1 or dotted[0] in ("plt", "pyplot",
                                                                                         "matplotlib")):
                needs.append((f"it inspects the current matplotlib figure (`{'.'.join(dotted)}()`) that the "
                              "student's code drew", ("nbgrader",)))
            elif dotted and dotted[-1] in _CAPTURE:
                needs.append((f"it captures printed output (`{'.'.join(dotted)}`), which the student's code "
                              "prints in another process in the secure mode", ("nbgrader",)))
            elif dotted and dotted[-1] in ("globals", "locals", "vars", "get_ipython") and len(dotted) == 1:
                needs.append((f"it reads the namespace itself (`{dotted[0]}()`)", ("nbgrader",)))
        elif isinstance(node, ast.Name) and node.id in ("capsys", "capfd", "__builtins__"):
            needs.append((f"it uses `{node.id}`, which only exists next to the student's code", ("nbgrader",)))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in mutated:
            needs.append((f"it reads `{node.id}`, a provided variable the answer changes in place (the secure "
                          "mode reads the student's copy before each test)", ("secure", "nbgrader")))
    return list(dict.fromkeys(needs))


def check(assignment, mode: str) -> list[Finding]:
    """The findings, or UnsupportedAssignment when the mode cannot honour one of them."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (one of {', '.join(MODES)})")
    findings = analyse(assignment)
    blocking = [f for f in findings if mode not in f.modes]
    if blocking:
        never = [f for f in blocking if not f.modes]
        lines = "\n".join(f"  - {f.describe()}" for f in blocking[:20])
        advice = ("no grading mode can run these tests as they are: give `### AUTOTEST` directives the course's "
                  "autotests.yml (beside the notebook or in the course folder) and a source that runs, or rewrite "
                  "them as explicit asserts" if never else
                  "grade it with `--mode nbgrader` (tests run next to the student's code in the sandbox, as "
                  "nbgrader runs them; see the README for what that mode gives up)")
        raise UnsupportedAssignment(f"{assignment.name}: {len(blocking)} test cell(s) cannot be graded in the "
                                    f"{mode} mode:\n{lines}\n{advice}")
    return findings


def pick_mode(assignment) -> str:
    """The mode the analysis picks: secure unless a test needs nbgrader's semantics (AUTOTEST is refused later)."""
    findings = analyse(assignment)
    return "nbgrader" if any("secure" not in f.modes and f.modes for f in findings) else "secure"


def _dotted(node) -> tuple[str, ...] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return tuple([node.id, *reversed(parts)])
    return None


def _bound_anywhere(tree) -> set[str]:
    """Names the cell itself binds (assignments, imports, loops, with, except, function arguments)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def _bound_before(tree) -> dict[int, set[str]]:
    """line -> names the cell assigns on earlier lines (a `del` of one of them deletes the test's own name)."""
    stores = sorted((n.lineno, n.id) for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    lines = {n.lineno for n in ast.walk(tree) if isinstance(n, ast.Delete)}
    return {line: {name for at, name in stores if at < line} for line in lines}


def _bound(source: str) -> set[str]:
    from .assignment import strip_magics
    try:
        return _bound_anywhere(ast.parse(strip_magics(source)))
    except SyntaxError:
        return set()


def _mutated(source: str) -> set[str]:
    """Names a cell changes in place: `x.append(...)`, `x[i] = ...`, `x.attr = ...`, `x += ...` on a name."""
    from .assignment import strip_magics
    try:
        tree = ast.parse(strip_magics(source))
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MUTATORS \
                and isinstance(node.func.value, ast.Name):
            names.add(node.func.value.id)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for t in targets:
                if isinstance(t, (ast.Subscript, ast.Attribute)) and isinstance(t.value, ast.Name):
                    names.add(t.value.id)
    return names
