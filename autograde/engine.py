"""Grading one submission: run the student's cells in the sandbox, the tests here, one part at a time.

`grade_notebook` swaps sys.stdout while tests run (they may print): run concurrent gradings in separate
processes, as `batch.grade_batch` does, not in threads of one process.
"""
from __future__ import annotations

import ast
import contextlib
import io
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from . import client, forward, namespace
from .assignment import Assignment, Part, defined_names, strip_magics
from .client import MISSING, ForbiddenValue, ReplyTooLarge, Session, StudentError
from .sandbox import Limits, SandboxError
from .submission import InvalidNotebook, merge, read_student_notebook
from .results import PartResult, SubmissionResult
from .text import clean

# Worst first: the status of a submission is the worst thing that happened while grading it.
STATUSES = ("invalid-notebook", "tampered", "crashed", "memory", "timeout", "modified", "graded")


def submission_budget(assignment: Assignment, limits: Limits) -> float:
    """Wall-clock seconds for a whole submission: replays after a crash multiply per-part limits otherwise."""
    if limits.submission_timeout:
        return limits.submission_timeout
    return limits.timeout * (len(assignment.parts) + 2)


def grade_notebook(assignment: Assignment, path: Path, student: str, limits: Limits = Limits(),
                   on_part: Callable[[PartResult], None] | None = None) -> SubmissionResult:
    """Grade one notebook. Never raises: a failure of the grader itself becomes status `crashed` with a note.

    ``on_part`` is called with each part's result as soon as it is known (a self-check prints it).
    """
    start = time.monotonic()
    try:
        refusal = _refusal(assignment)
        if refusal:
            result = grader_failure(assignment, student, refusal)
        else:
            result = _grade(assignment, path, student, limits, start, on_part)
    except Exception as err:  # noqa: BLE001 - one submission must never stop a batch
        result = grader_failure(assignment, student, err)
    result.seconds = round(time.monotonic() - start, 3)
    return _cleaned(result)


def _refusal(assignment: Assignment) -> str | None:
    """Why the assignment cannot be graded in its mode (an AUTOTEST cell, a test the mode cannot honour), or None.

    A refused assignment earns nothing: a test that cannot run is never graded as passed."""
    from .analysis import UnsupportedAssignment, check
    try:
        check(assignment, assignment.mode)
    except UnsupportedAssignment as err:
        return f"the assignment cannot be graded as it is: {err}"
    return None


def invalid_result(assignment: Assignment, student: str, reason: str) -> SubmissionResult:
    """A submission that cannot be graded at all (not a notebook, a link...): every part 0, with the reason."""
    parts = [PartResult(p.grade_id, 0.0, p.points, "error", f"not graded: {reason}") for p in assignment.parts]
    return SubmissionResult(student, assignment.name, "invalid-notebook", 0.0, assignment.max_score, parts,
                            [f"Your notebook could not be graded: {reason}."])


def grader_failure(assignment: Assignment, student: str, err: BaseException | str) -> SubmissionResult:
    """The grader, not the student, failed: status `crashed`, and a note that says so, for the instructor."""
    what = err if isinstance(err, str) else f"{type(err).__name__}: {err}"
    note = (f"The grader failed while grading this submission ({clean(what, 500)}). This is not a judgement of "
            "your work: your instructor has been told and will regrade it.")
    parts = [PartResult(p.grade_id, 0.0, p.points, "crashed", "not graded: the grader failed")
             for p in assignment.parts]
    return SubmissionResult(student, assignment.name, "crashed", 0.0, assignment.max_score, parts, [note])


def _grade(assignment: Assignment, path: Path, student: str, limits: Limits, start: float,
           on_part=None) -> SubmissionResult:
    try:
        cells = read_student_notebook(path)
    except InvalidNotebook as err:
        return invalid_result(assignment, student, str(err))
    plan = merge(assignment, cells)
    if assignment.mode == "nbgrader":
        from .nbmode import NbgraderGrader
        grader = NbgraderGrader(assignment, limits, on_part)
    else:
        grader = _Grader(assignment, limits, on_part)
        grader.names = namespace.answer_names(assignment, plan)
        grader.shared = namespace.changed_provided_names(assignment, plan)
        grader.imports = namespace.answer_imports(assignment, plan, grader.names)
    grader.session.budget_end = start + submission_budget(assignment, limits)
    try:
        with _process_state(), _grading_env(assignment) as workdir:
            grader.session.files = workdir
            _run_plan(grader, plan)
    finally:
        grader.session.close()
    grader.results += manual_results(assignment, cells)
    notes = plan.notes + grader.notes + [f"{t}." for t in dict.fromkeys(plan.tampering + plan.modified)]
    score = sum(r.points for r in grader.results)
    incidents = grader.incidents | ({"tampered"} if plan.tampering else set()) | (
        {"modified"} if plan.modified else set())
    status = _status(grader.results, incidents)
    return SubmissionResult(student, assignment.name, status, score, assignment.max_score, grader.results, notes)


def _cleaned(result: SubmissionResult) -> SubmissionResult:
    """Bound and sanitise every string that came from the student before it reaches a file or a terminal."""
    result.student = clean(result.student, 200)
    result.notes = [clean(n, 2000) for n in result.notes[:50]]
    for part in result.parts:
        part.message = clean(part.message)
    return result


def _run_plan(grader: "_Grader", plan) -> None:
    for step in plan.steps:
        if grader.session.over_budget():
            grader.out_of_time(step)
        elif step.kind == "test":
            grader.results.append(grader.run_part(step.part))
        else:
            grader.run_cell(step)


def manual_results(assignment: Assignment, cells) -> list[PartResult]:
    """Manually graded answers and task cells, as nbgrader's autograde leaves them: an answer unchanged from the
    release scores 0 ("no response"); any other, and every task, waits for a person (0 points until then)."""
    from .results import MANUAL, NO_RESPONSE
    answers = {}
    for cell in cells:
        if cell.grade_id and cell.grade_id not in answers:
            answers[cell.grade_id] = cell.source
    results = []
    for m in assignment.manual:
        answer = answers.get(m.grade_id)
        unanswered = not m.task and (answer is None or (m.release is not None and _same_answer(answer, m.release)))
        if unanswered:
            results.append(PartResult(m.grade_id, 0.0, m.points, NO_RESPONSE, "No response."))
        else:
            results.append(PartResult(m.grade_id, 0.0, m.points, MANUAL,
                                      "needs manual grading: your instructor will score this "
                                      + ("task" if m.task else "answer")))
    return results


def _same_answer(a: str, b: str) -> bool:
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


@contextlib.contextmanager
def _grading_env(assignment: Assignment):
    """While a notebook is graded: NBGRADER_EXECUTION=autograde, as nbgrader sets it (the sandbox gets it too),
    and the working folder is a private copy of the files shipped with the assignment (tests read them relative
    to the notebook; provided cells write there, never into the grader's own folder). Yields that copy."""
    import os
    import sys
    import tempfile
    saved_env, saved_cwd = os.environ.get("NBGRADER_EXECUTION"), os.getcwd()
    with tempfile.TemporaryDirectory(prefix="autograde-files-") as tmp:
        work = Path(tmp)
        if assignment.files_dir is not None:
            copy_shipped_files(assignment.files_dir, work)
        os.environ.setdefault("NBGRADER_EXECUTION", "autograde")
        os.chdir(work)
        sys.path.insert(0, str(work))            # a helper module shipped beside the notebook imports in tests
        modules = set(sys.modules)
        try:
            yield work
        finally:
            for name in set(sys.modules) - modules:  # helper modules imported from the copy go with it
                if str(getattr(sys.modules[name], "__file__", "") or "").startswith(str(work)):
                    del sys.modules[name]
            sys.path.remove(str(work))
            os.chdir(saved_cwd)
            if saved_env is None:
                os.environ.pop("NBGRADER_EXECUTION", None)
            else:
                os.environ["NBGRADER_EXECUTION"] = saved_env


MAX_SHIPPED_BYTES = 128 * 2**20


def copy_shipped_files(folder: Path, dest: Path) -> None:
    """The assignment folder's files other than its notebooks (data files, helper modules), links not followed,
    hidden files and caches skipped, at most MAX_SHIPPED_BYTES in all."""
    import os
    import shutil
    total = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__"
                         and not os.path.islink(os.path.join(root, d)))
        rel = Path(root).relative_to(folder)
        for name in sorted(files):
            src = Path(root) / name
            if name.startswith(".") or name.endswith(".ipynb") or src.is_symlink() or not src.is_file():
                continue
            total += src.stat().st_size
            if total > MAX_SHIPPED_BYTES:
                raise ValueError(f"the files shipped with the assignment in {folder} exceed "
                                 f"{MAX_SHIPPED_BYTES // 2**20} MB")
            (dest / rel).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / rel / name)


@contextlib.contextmanager
def _process_state():
    """Provided cells may set process-wide numpy state (np.seterr): keep it from leaking into the next grading."""
    import numpy as np
    with np.errstate():
        yield


def _status(results: list[PartResult], incidents: set[str]) -> str:
    kinds = {r.outcome for r in results} | incidents
    return next((s for s in STATUSES if s in kinds), "graded")


class _Grader:
    def __init__(self, assignment: Assignment, limits: Limits, on_part=None):
        self.on_part = on_part
        self.failed_cells: dict[str, str] = {}       # name -> label of the student cell that should define it
        self.assignment = assignment
        self.limits = limits
        self.session = Session(limits)
        self.namespace: dict = {"__name__": "__main__"}
        self.results: list[PartResult] = []
        self.notes: list[str] = []
        self.incidents: set[str] = set()
        self.budget = submission_budget(assignment, limits)
        self.unreadable: dict[str, Unusable] = {}     # names whose reading hung or crashed the sandbox
        self.names: list[str] = list(assignment.student_names)   # graded names fetched before each test
        self.shared: list[str] = []     # provided names the answers change in place: also fetched before each test
        self.imports: list[tuple[str, frozenset]] = []   # the answers' imports a test may rely on

    def add_result(self, result: PartResult) -> None:
        self.results.append(result)
        if self.on_part is not None:
            self.on_part(result)

    # -- provided and student cells
    def execute(self, step) -> tuple[bool, dict | None]:
        """Run a provided or student cell in the sandbox: (whether it ran, the error it raised). A sandbox incident
        (timeout, memory, crash) is noted and the cell skipped; shell lines the worker skipped are noted."""
        try:
            error = self.session.run_cell(step.code)
        except SandboxError as err:
            self.session.forget_last()
            self.incidents.add(err.kind)
            self.notes.append(f"{step.label.capitalize()} {_incident_words(err, self.limits)}; it was skipped")
            return False, None
        for line in self.session.skipped if step.kind == "student" else []:
            self.notes.append(f"Skipped `{line}` in {step.label}: shell commands and package installs do not "
                              "run while grading (no shell, no network); everything else in the cell ran")
        self.session.skipped = []
        return True, error

    def run_cell(self, step) -> None:
        ran, error = self.execute(step)
        if not ran:
            self._remember_failure(step)
        if error and step.kind == "student":
            self.notes.append(f"{step.label.capitalize()} raised {error.get('type')}: "
                              f"{_short(error.get('message', ''))}")
            self._remember_failure(step)
            if error.get("memory"):
                self.incidents.add("memory")
        if step.kind == "provided":
            if error:
                self._provided_failed(step, f"{error.get('type')}: {_short(error.get('message', ''))}")
            self._bind_student_names(quiet=True)
            try:
                with _quiet(), _time_limit(self.limits.timeout):
                    exec(compile(strip_magics(step.code), "<provided cell>", "exec"), self.namespace)
            except Exception as err:  # noqa: BLE001 - reported below, grading goes on
                self._provided_failed(step, f"{type(err).__name__}: {_short(str(err))}", trusted=True)

    def _remember_failure(self, step) -> None:
        for name in defined_names(step.code):
            self.failed_cells.setdefault(name, step.label)

    def _provided_failed(self, step, what: str, trusted: bool = False) -> None:
        """A provided cell that uses no student name cannot fail because of the student: the grader's fault."""
        if _names_used(step.code) & set(self.names):
            if not trusted:
                self.notes.append(f"A provided cell that uses your code raised {what}")
            return
        self.incidents.add("crashed")
        where = "beside the tests" if trusted else "inside the grader's sandbox"
        note = (f"A provided cell failed {where} ({what}). This is a fault of the grader or its environment, "
                "not of your code: your instructor has been told and will regrade")
        if note not in self.notes:
            self.notes.append(note)

    def out_of_time(self, step) -> None:
        """The submission's budget is spent: the remaining parts are not run (and say why)."""
        if "timeout" not in self.incidents or not any("time budget" in n for n in self.notes):
            self.notes.append(f"Grading stopped after the submission's total time budget of {self.budget:g} s: "
                              "the remaining cells and parts were not run")
        self.incidents.add("timeout")
        if step.kind == "test":
            self.results.append(PartResult(step.part.grade_id, 0.0, step.part.points, "timeout",
                                           f"not run: the whole submission used up its time budget of "
                                           f"{self.budget:g} s (slow or stuck cells earlier in the notebook)"))

    # -- graded parts
    def run_part(self, part: Part) -> PartResult:
        self.session.limitations = set()
        result = self._run_part(part)
        if not result.passed and self.session.limitations:
            result = self._limited(part, result, sorted(self.session.limitations))
        self.session.limitations = set()
        return result

    def _limited(self, part: Part, result: PartResult, what: list[str]) -> PartResult:
        """A failed part whose test did what the secure mode cannot honour (compared a student object with ==,
        say): not a judgement of the student's work. The part says so, and status `crashed` with a note tells
        the instructor to grade the assignment with --mode nbgrader. The points stay 0: never graded as passed."""
        why = "; it ".join(what)
        self.incidents.add("crashed")
        self.notes.append(f"The grader could not run the test of `{part.grade_id}` as written in the secure mode: "
                          f"it {why}. This is not a judgement of your work: your instructor has been told and will "
                          "regrade it (grade this assignment with --mode nbgrader)")
        message = (f"not graded: the grader could not run this test as written in the secure mode: it {why}. "
                   "Your instructor has been told; the assignment must be graded with --mode nbgrader. "
                   f"(What the test reported: {_short(result.message, 500)})")
        outcome = result.outcome if result.outcome in ("timeout", "memory") else "crashed"
        return PartResult(part.grade_id, 0.0, part.points, outcome, message, result.hidden)

    def _run_part(self, part: Part) -> PartResult:
        try:
            self._bind_student_names()
            self.session.deadline = self.session.cell_deadline()
            whole = "\n".join(code for _, code in part.segments)
            self._import_for(whole)
            forwarding = forward.needs_forwarding(whole, self.names)
            deleted = forward.deleted_names(whole, self.names) if forwarding else set()
            if forwarding:
                self.namespace[forward.FORWARDER] = forward.Forwarder(self.session)
            for hidden, code in part.segments:
                try:
                    compiled = forward.instrument(code, deleted) if forwarding else code
                    with _quiet(), _testing(self.session):
                        exec(compile(compiled, f"<test {part.grade_id}>", "exec"), self.namespace)
                except Exception as err:  # noqa: BLE001 - every failure is reported to the student
                    return self._failure(part, err, hidden, code)
        except (SandboxError, StudentError, ForbiddenValue, ReplyTooLarge) as err:
            return self._failure(part, err, False)
        finally:
            self.session.deadline = None
        return PartResult(part.grade_id, part.points, part.points, "passed", "all tests passed")

    def _import_for(self, code: str) -> None:
        """Import on the grader's side what the answers imported and this test uses but nothing here has bound."""
        used = _names_used(code)
        for statement, names in self.imports:
            if names & used and any(n not in self.namespace for n in names):
                try:
                    with _quiet(), _time_limit(self.limits.timeout):
                        exec(compile(statement, "<an import of your notebook>", "exec"), self.namespace)
                except (Exception, SystemExit):  # noqa: BLE001 - not importable here: the test meets the name
                    pass                             # missing, as before (a module that exits stops nothing)

    def _bind_student_names(self, quiet: bool = False) -> None:
        """Fetch every graded name from the sandbox, each with its own deadline.

        A name whose reading hangs or kills the process (a doctored ``__class__``, say) is bound to a stand-in
        that fails the tests using it, and is not read again: one bad name must not cost the other parts.
        """
        for name in self.names + self.shared:
            if name in self.unreadable:
                self.namespace[name] = self.unreadable[name]
                continue
            try:
                self.session.ensure()          # a replay that fails is the part's failure, not the name's
                value = self._fetch(name)
            except SandboxError:
                if quiet:
                    return
                raise
            if name in self.shared and (value is MISSING or isinstance(value, Unusable)):
                continue        # a provided variable is taken back as data only, never as the student's object
            if value is MISSING:
                self.namespace.pop(name, None)
            else:
                self.namespace[name] = value

    def _fetch(self, name: str):
        self.session.deadline = self.session.cell_deadline()
        try:
            return self.session.get(name, data_only=name in self.shared)
        except StudentError:
            return MISSING
        except (ForbiddenValue, ReplyTooLarge) as err:
            return Unusable(name, err)
        except SandboxError as err:
            if self.session.over_budget():
                raise
            self.incidents.add(err.kind)
            self.notes.append(f"Reading `{name}` from your notebook {_incident_words(err, self.limits)}; "
                              "the tests that use it failed")
            self.unreadable[name] = Unusable(name, err)
            return self.unreadable[name]
        finally:
            self.session.deadline = None

    def _failure(self, part: Part, err: BaseException, hidden: bool, code: str = "") -> PartResult:
        outcome, message = "failed", ""
        if isinstance(err, SandboxError):
            outcome = err.kind
            self.incidents.add(err.kind)
            running = f" (it was running {self.session.running})" if self.session.running else ""
            message = f"Your code {_incident_words(err, self.limits)} while this part was tested{running}."
        elif isinstance(err, StudentError):
            outcome = "memory" if err.memory else "error"
            message = f"{err.what} raised {err.type}: {_short(err.detail)}"
            if err.type == "NotImplementedError":
                message = "not answered yet: your function still raises NotImplementedError"
            elif err.traceback:
                message += "\n" + err.traceback
        elif isinstance(err, ForbiddenValue):
            message = (f"{err}. Only plain numbers, strings, lists, tuples, dicts, numpy arrays of numbers and "
                       "dense torch tensors are accepted.")
        elif isinstance(err, ReplyTooLarge):
            message = f"{err}."
        elif isinstance(err, NameError):
            name = getattr(err, "name", None) or str(err)
            if name in self.failed_cells:
                message = (f"`{name}` is not defined because {self.failed_cells[name]} failed earlier (see the "
                           "notes): this part failed only because of that cell; fix it first")
            else:
                message = (f"`{name}` is not defined in your notebook: did you rename or delete it, or does its "
                           "cell fail to run?")
        elif isinstance(err, AssertionError):
            message = _assertion_message(err, hidden, code)
        else:
            message = (f"the {'hidden ' if hidden else ''}test could not use what your code returned: "
                       f"{type(err).__name__}: {_short(str(err))}")
            if not hidden:
                message += "\n" + _test_line(err, code)
        if outcome == "memory":
            self.incidents.add("memory")
            self.session.kill()          # the next part starts with its full memory budget
        return PartResult(part.grade_id, 0.0, part.points, outcome, message.strip(), hidden)


class Unusable:
    """Stands for a student name that could not be fetched as a value: any use raises why."""

    def __init__(self, name: str, err: Exception):
        self._name, self._err = name, err

    def _fail(self, *args, **kwargs):
        err = self._err
        if isinstance(err, SandboxError):
            raise SandboxError(err.kind, err.detail)
        raise type(err)(str(err))

    __call__ = __getitem__ = __iter__ = __len__ = __array__ = __float__ = __index__ = _fail

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._fail()

    def __repr__(self):
        return f"<`{self._name}` from your notebook, which could not be read>"


def _assertion_message(err: AssertionError, hidden: bool, code: str) -> str:
    reveal = not hidden
    if hasattr(err, "message") and hasattr(err, "what"):        # dlbook.testing.CheckFailed
        text = err.message(reveal_expected=reveal)
    else:
        text = str(err) or ("a hidden check failed" if hidden else "an assertion failed")
        if not hidden:
            text += "\n" + _test_line(err, code)
    return ("hidden test: " if hidden else "") + text


def _test_line(err: BaseException, code: str) -> str:
    """The line of a visible test that failed (visible tests are public, so quoting them is fine)."""
    lines = code.splitlines()
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if frame.filename.startswith("<test ") and 0 < (frame.lineno or 0) <= len(lines):
            return f"  in the test line: {lines[frame.lineno - 1].strip()}"
    return ""


class ProvidedCellTimeout(Exception):
    """A provided cell ran past the per-cell time limit beside the tests."""


@contextlib.contextmanager
def _time_limit(seconds: float):
    """The per-cell time limit for a provided cell run beside the tests (SIGALRM; main thread only, where the
    grading processes run it: elsewhere, as in a test runner's worker thread, no limit can be set this way)."""
    import signal
    import threading
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def stop(signum, frame):
        raise ProvidedCellTimeout(f"a provided cell ran longer than {seconds:g} s beside the tests")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _testing(session: Session):
    """While a test cell's own code runs: its uses of student objects are the test's (Remote records them)."""
    client.TESTING = session
    try:
        yield
    finally:
        client.TESTING = None


@contextlib.contextmanager
def _quiet():
    """Tests and provided cells may print; the grader's own output stays clean."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def _names_used(code: str) -> set[str]:
    """Every name a cell reads (unparsable cells: none)."""
    try:
        tree = ast.parse(strip_magics(code))
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _incident_words(err: SandboxError, limits: Limits) -> str:
    if err.kind == "timeout" and "budget" in err.detail:
        return "was stopped when the submission's total time budget ran out"
    return {"timeout": f"took longer than the time limit ({limits.timeout:g} s) and was stopped",
            "memory": f"used more memory than allowed ({limits.memory_mb} MB) and was stopped",
            }.get(err.kind, f"crashed the Python process ({err.detail})")


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "..."


__all__ = ["grade_notebook", "invalid_result", "grader_failure", "SubmissionResult", "PartResult", "STATUSES"]
