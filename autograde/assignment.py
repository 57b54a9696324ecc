"""An assignment as the grader sees it, read from its nbgrader source notebook (the single source of truth)."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import REPO

HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"


def sources_dir(repo: Path = REPO) -> Path:
    """Where the assignments' sources are: ``solutions/`` in the course repository. The student kit has no
    ``solutions/``; its ``checks/`` holds pristine copies of the releases (visible tests only) for `validate`."""
    repo = Path(repo)
    if not (repo / "solutions").is_dir() and (repo / "checks").is_dir():
        return repo / "checks"
    return repo / "solutions"


@dataclass
class Cell:
    kind: str                 # 'markdown', 'provided', 'solution' or 'test'
    source: str
    grade_id: str | None = None
    points: float = 0.0


@dataclass
class Part:
    """A graded test cell: code segments run in order, each visible or hidden."""
    grade_id: str
    points: float
    segments: list[tuple[bool, str]]      # (hidden, code)
    directives: str | None = None         # the ### AUTOTEST cell it was instantiated from (autotest.py)

    @property
    def generated(self) -> bool:
        """Instantiated from ### AUTOTEST directives (a release's salts may differ from ours)."""
        return self.directives is not None

    @property
    def visible_source(self) -> str:
        """The cell as the release shows it (nbgrader drops the hidden block and its markers)."""
        return "\n".join(code for hidden, code in self.segments if not hidden)


@dataclass
class ManualCell:
    """A cell nbgrader leaves to a person: a graded answer (grade and solution) or a task cell.

    ``release`` is the cell as the student received it (nbgrader's ClearSolutions): an answer still equal to it is
    "no response" and scores 0, as nbgrader's autograde scores it; any other answer needs manual grading."""
    grade_id: str
    points: float
    cell_type: str            # 'code' or 'markdown'
    task: bool = False
    release: str | None = None


@dataclass
class Assignment:
    name: str
    path: Path
    cells: list[Cell]
    parts: list[Part] = field(default_factory=list)
    student_names: list[str] = field(default_factory=list)
    mode: str = "secure"          # 'secure' (tests outside the sandbox) or 'nbgrader' (tests beside the student's code)
    manual: list[ManualCell] = field(default_factory=list)
    files_dir: Path | None = None    # files shipped with the assignment (data, helper modules), copied to the cwd
    autotest_problem: str | None = None   # why its ### AUTOTEST directives could not be instantiated (autotest.py)

    @property
    def notebook(self) -> str:
        """The notebook's name in the assignment (nbgrader: problem1 of ps1; our book: the assignment's name)."""
        return self.path.stem

    @property
    def max_score(self) -> float:
        """Every point of the notebook, the manually graded ones included (as nbgrader's max score)."""
        return sum(p.points for p in self.parts) + sum(m.points for m in self.manual)

    def part(self, grade_id: str) -> Part:
        return next(p for p in self.parts if p.grade_id == grade_id)

    @classmethod
    def load(cls, name: str, repo: Path = REPO) -> "Assignment":
        path = sources_dir(repo) / name / f"{name}.ipynb"
        if not path.exists():
            known = sorted(p.name for p in sources_dir(repo).glob("*") if p.is_dir())
            raise FileNotFoundError(f"no assignment {name!r}: {path} does not exist (known: {', '.join(known)})")
        return cls.from_notebook(name, path, source=True)

    @classmethod
    def from_notebook(cls, name: str, path: Path, source: bool = False,
                      course: Path | None = None) -> "Assignment":
        """The assignment a notebook defines. A ``source`` (an instructor's, never a student's) is first checked as
        nbgrader checks it: old metadata upgraded as `nbgrader update` does, invalid or too new metadata refused
        (InvalidAssignment), and its `### AUTOTEST` directives instantiated (nbgrader runs it in a kernel)."""
        nb = nbformat.read(str(path), as_version=4)
        problem, written = None, [c.source for c in nb.cells]
        if source:
            from .autotest import expand
            _checked_metadata(nb, Path(path))
            nb, problem = expand(nb, Path(path).parent, course)
        cells, parts, names, manual = [], [], [], []
        released = _released(nb)
        for index, cell in enumerate(nb.cells):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            kind = classify(cell.cell_type, meta)
            if (meta.get("grade") and meta.get("solution")) or meta.get("task"):
                manual.append(ManualCell(meta.get("grade_id"), float(meta.get("points", 0) or 0), cell.cell_type,
                                         bool(meta.get("task")), released.get(meta.get("grade_id"))))
            grade_id = meta.get("grade_id")
            points = float(meta.get("points", 0) or 0) if kind == "test" else 0.0
            cells.append(Cell(kind, cell.source, grade_id, points))
            if kind == "test":
                generated = written[index] != cell.source      # instantiation changes sources, never cells
                parts.append(Part(grade_id, points, split_hidden(cell.source),
                                  directives=written[index] if generated else None))
            elif kind == "solution":
                names += [n for n in defined_names(cell.source) if n not in names]
        provided = set()
        for c in cells:
            if c.kind == "provided":
                provided.update(defined_names(c.source))
        return cls(name, path, cells, parts, [n for n in names if n not in provided], manual=manual,
                   autotest_problem=problem)

    @classmethod
    def from_course(cls, course: Path, name: str) -> list["Assignment"]:
        """An nbgrader course's assignment: one Assignment per notebook of source/<name>/ (problem1, problem2...),
        each shipping the folder's other files (data, helper modules) to the student's working folder."""
        folder = Path(course) / "source" / name
        notebooks = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
        if not notebooks:
            raise FileNotFoundError(f"no assignment {name!r} in the course {course}: {folder} holds no notebook")
        found = []
        for path in notebooks:
            assignment = cls.from_notebook(name, path, source=True, course=Path(course))
            assignment.files_dir = folder
            found.append(assignment)
        return found


class InvalidAssignment(ValueError):
    """A source notebook nbgrader itself would refuse (its metadata invalid or newer than this nbgrader's)."""


def _checked_metadata(nb, path: Path) -> None:
    """Upgrade old nbgrader metadata in place (schema 0-2, as `nbgrader update`) and validate it as nbgrader does."""
    import logging
    from jsonschema import ValidationError as SchemaError
    from nbgrader.nbgraderformat import MetadataValidator, SchemaTooNewError, ValidationError
    validator = MetadataValidator()
    validator.log.setLevel(logging.ERROR)        # its upgrade warns about every key it drops
    try:
        validator.upgrade_notebook_metadata(nb)
        validator.validate_nb(nb)
    except SchemaTooNewError as err:
        raise InvalidAssignment(f"{path.name}: its nbgrader metadata is newer than this grader's nbgrader "
                                f"understands ({err}); grade it with the nbgrader version that wrote it") from None
    except (ValidationError, SchemaError, KeyError, TypeError) as err:
        what = getattr(err, "message", None) or str(err)
        raise InvalidAssignment(f"{path.name}: nbgrader's validator rejects its metadata ({what[:300]}); fix the "
                                "cell in the source (nbgrader's Create Assignment toolbar) and grade again") from None


def _released(nb) -> dict[str, str]:
    """grade_id -> the source of each answer cell as nbgrader releases it (solutions cleared)."""
    import copy
    try:
        from nbgrader.preprocessors import ClearSolutions
        release, _ = ClearSolutions().preprocess(copy.deepcopy(nb), {"language": "python"})
    except Exception:  # noqa: BLE001 - without nbgrader's view every answer counts as a response
        return {}
    return {c.metadata.nbgrader["grade_id"]: c.source for c in release.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")}


def classify(cell_type: str, meta: dict) -> str:
    if cell_type != "code":
        return "markdown"
    if meta.get("grade") and not meta.get("solution"):
        return "test"
    if meta.get("solution"):
        return "solution"
    return "provided"


def split_hidden(source: str) -> list[tuple[bool, str]]:
    """Visible and hidden segments of a test cell, in order; the marker lines themselves are dropped."""
    segments, hidden, lines = [], False, []
    for line in source.splitlines():
        marker = line.strip()
        if marker in (HIDDEN_BEGIN, HIDDEN_END):
            segments.append((hidden, "\n".join(lines)))
            hidden, lines = marker == HIDDEN_BEGIN, []
            continue
        lines.append(line)
    segments.append((hidden, "\n".join(lines)))
    return [(h, code) for h, code in segments if code.strip()]


def defined_names(source: str) -> list[str]:
    """Names bound at the top level of a cell: functions, classes and assigned variables, also inside top-level
    `if`, `for`, `while`, `with` and `try` blocks (loop and `with ... as` targets included). Imports are not
    graded names: a module is the grader's own."""
    try:
        tree = ast.parse(strip_magics(source))
    except SyntaxError:
        return []
    names: list[str] = []
    _collect(tree.body, names)
    return list(dict.fromkeys(names))


def _bound_by(target) -> list[str]:
    """Names an assignment target binds: `x`, `a, (b, *c)`; not `np.allclose = ...` or `x[0] = ...`, which
    change an object in place and bind nothing."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _bound_by(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _bound_by(elt)]
    return []


def _collect(body, names: list[str]) -> None:
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names += _bound_by(target)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            names += _bound_by(node.target)
            _collect(node.body + node.orelse, names)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    names += _bound_by(item.optional_vars)
            _collect(node.body, names)
        elif isinstance(node, (ast.If, ast.While)):
            _collect(node.body + node.orelse, names)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            _collect(node.body + node.orelse + node.finalbody, names)
            for handler in node.handlers:
                _collect(handler.body, names)


_MAGIC = re.compile(r"^(\s*)(?=[%!])|^(\s*)(?=\?\??[\w.]+\s*$|[\w.]+\?\??\s*$)")   # `%time f()`, `!ls`, `np.mean?`
_CAPTURE = re.compile(r"^(\s*[\w.]+\s*=\s*)(?=[%!])")                 # `files = !ls`, `t = %timeit -o f()`
# Cell magics whose body is Python run in this namespace: keep the body. Any other (%%bash, %%html) is not Python.
PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun")


def strip_magics(source: str) -> str:
    """IPython magics and shell escapes are meaningless to the trusted side: drop them, keep the Python."""
    lines = source.splitlines()
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        name = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        body = lines[1:] if name in PYTHON_CELL_MAGICS else []
        return "\n".join(["pass  # " + first] + body)
    return "\n".join(_strip_line(line) for line in lines)


def _strip_line(line: str) -> str:
    match = _MAGIC.match(line)
    if match:
        return match.group(0) + "pass  # " + line[match.end():]
    return _CAPTURE.sub(r"\1None  # ", line)
