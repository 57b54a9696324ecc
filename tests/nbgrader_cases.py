"""nbgrader's example course and app-test fixtures as temporary course folders, graded by stock nbgrader and ours.

The notebooks are nbgrader's own (BSD-3, see tests/fixtures/nbgrader/LICENSE): the user guide's ``ps1``
(``source/`` and ``submitted/`` of bitdiddle and hacker) and files from ``nbgrader/tests/apps/files``, laid out
as nbgrader's app tests lay them out (``test_nbgrader_autograde.py``). A row is one grade cell of one student's
notebook; its value is the auto score (None: left to manual grading; "refused": we refuse the assignment).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "nbgrader"
FILES = FIXTURES / "files"
BIN = Path(sys.executable).parent


@dataclass
class Case:
    """One assignment of a course: its source folder's files and each student's submitted files."""
    name: str
    source: dict[str, Path]                         # file name in source/<assignment>/ -> fixture
    students: dict[str, dict[str, Path | str]]      # student -> {file name: fixture, or "release:<notebook>"}
    why: str = ""                                   # what nbgrader's tests say about it
    differ: dict[str, str] = field(default_factory=dict)   # row pattern -> why we deliberately differ
    course_files: dict[str, Path] = field(default_factory=dict)   # files in the course's root (autotests.yml)
    config: str = ""                                # lines added to nbgrader_config.py


def _ps1() -> Case:
    root = FIXTURES / "ps1"
    source = {p.name: p for p in sorted((root / "source" / "ps1").iterdir())}
    students = {s: {p.name: p for p in sorted((root / "submitted" / s / "ps1").iterdir())
                    if p.suffix == ".ipynb"} for s in ("bitdiddle", "hacker")}
    return Case("ps1", source, students, "the user guide's example course (docs: source/, submitted/, autograded/)")


def _p1(name, source, students, why="", differ=None, extra=(), course_files=(), config="") -> Case:
    return Case(name, {"p1.ipynb": FILES / source, **{e: FILES / e for e in extra}},
                {s: {"p1.ipynb": FILES / f if not f.startswith("release:") else f} for s, f in students.items()},
                why, differ or {}, {f: FILES / f for f in course_files}, config)


CASES = [
    _ps1(),
    _p1("grade", "submitted-unchanged.ipynb",
        {"foo": "submitted-unchanged.ipynb", "bar": "submitted-changed.ipynb",
         "spam": "submitted-cheat-attempt.ipynb", "eggs": "submitted-cheat-attempt-alternative.ipynb",
         "gcc": "submitted-grade-cell-changed.ipynb", "lcc": "submitted-locked-cell-changed.ipynb"},
        "test_grade, test_showtraceback_exploit: foo 1/7, bar 2/7, spam 1/7, eggs 1/7"),
    _p1("hidden", "test-hidden-tests.ipynb", {"foo": "release:p1.ipynb", "sol": "test-hidden-tests.ipynb"},
        "test_hidden_tests_single_notebook: the release scores 1.5 (it fails the hidden tests)"),
    _p1("autotest", "autotest-simple.ipynb",
        {"foo": "autotest-simple-unchanged.ipynb", "bar": "autotest-simple-changed.ipynb"},
        "test_grade_autotest: foo 0, bar 1", extra=["autotests.yml"]),
    _p1("hashed", "autotest-hashed.ipynb",
        {"foo": "autotest-hashed-unchanged.ipynb", "bar": "autotest-hashed-changed.ipynb"},
        "test_grade_hashed_autotest: foo 0, bar 1", extra=["autotests.yml"]),
    _p1("complex", "autotest-multi.ipynb",
        {"foo": "autotest-multi-unchanged.ipynb", "bar": "autotest-multi-changed.ipynb"},
        "test_grade_complex_autotest: foo 0 of 4, bar 3 of 4 (autotests.yml in the course root)",
        course_files=["autotests.yml"]),
    _p1("hiddenauto", "autotest-hidden.ipynb",
        {"foo": "autotest-hidden-unchanged.ipynb", "bar": "autotest-hidden-changed-wrong.ipynb",
         "baz": "autotest-hidden-changed-right.ipynb"},
        "test_hidden_tests_autotest: foo fails the visible tests, bar only the hidden ones, baz passes",
        course_files=["autotests.yml"], config='c.ClearSolutions.code_stub = dict(python="# YOUR CODE HERE")\n'),
    _p1("timeout", "timeout.ipynb", {"foo": "timeout.ipynb"},
        "test_autograde_timeout: a cell of 5 s passes under the default time limit"),
    _p1("envvar", "validating-environment-variable.ipynb", {"foo": "validating-environment-variable.ipynb"},
        "test_validate_environment_variable... NBGRADER_EXECUTION is set while autograding: the cell fails"),
]
RELATIVE = Case("relative", {"p1.ipynb": FILES / "open_relative_file.ipynb", "data.txt": FILES / "data.txt"},
                {"foo": {"p1.ipynb": FILES / "open_relative_file.ipynb"}},
                "open_relative_file: a data file shipped with the assignment is read relative to the notebook")
CASES.append(RELATIVE)


# What stock `nbgrader autograde` (0.9.6) records for each row (auto score; None: needs manual grading), measured
# by stock_rows; it agrees with nbgrader's own tests (test_grade: foo 1 of 7, bar 2 of 7; test_showtraceback_exploit:
# spam and eggs 1 of 7; test_grade_autotest and test_grade_hashed_autotest: foo 0, bar 1; test_grade_complex_autotest:
# foo 0 of 4, bar 3 of 4; test_hidden_tests_autotest: only baz passes the hidden tests; test_autograde_timeout: foo 1)
# and with its docs' example course.
EXPECTED = {
    "ps1/bitdiddle/problem1/correct_squares": 0.0,
    "ps1/bitdiddle/problem1/squares_invalid_input": 1.0,
    "ps1/bitdiddle/problem1/correct_sum_of_squares": 0.0,
    "ps1/bitdiddle/problem1/sum_of_squares_uses_squares": 0.5,
    "ps1/bitdiddle/problem1/sum_of_squares_equation": None,
    "ps1/bitdiddle/problem1/sum_of_squares_application": 0.0,
    "ps1/bitdiddle/problem1/cell-938593c4a215c6cc": None,
    "ps1/bitdiddle/problem2/part-a": None,
    "ps1/bitdiddle/problem2/part-b": None,
    "ps1/hacker/problem1/correct_squares": 1.0,
    "ps1/hacker/problem1/squares_invalid_input": 1.0,
    "ps1/hacker/problem1/correct_sum_of_squares": 0.5,
    "ps1/hacker/problem1/sum_of_squares_uses_squares": 0.5,
    "ps1/hacker/problem1/sum_of_squares_equation": None,
    "ps1/hacker/problem1/sum_of_squares_application": None,
    "ps1/hacker/problem1/cell-938593c4a215c6cc": None,
    "ps1/hacker/problem2/part-a": None,
    "ps1/hacker/problem2/part-b": None,
    "grade/foo/p1/foo": 1.0,
    "grade/foo/p1/bar": 0.0,
    "grade/foo/p1/baz": 0.0,
    "grade/foo/p1/quux": 0.0,
    "grade/bar/p1/foo": 1.0,
    "grade/bar/p1/bar": 1.0,
    "grade/bar/p1/baz": None,
    "grade/bar/p1/quux": None,
    "grade/spam/p1/foo": 1.0,
    "grade/spam/p1/bar": 0.0,
    "grade/spam/p1/baz": None,
    "grade/spam/p1/quux": None,
    "grade/eggs/p1/foo": 1.0,
    "grade/eggs/p1/bar": 0.0,
    "grade/eggs/p1/baz": None,
    "grade/eggs/p1/quux": None,
    "grade/gcc/p1/foo": 1.0,
    "grade/gcc/p1/bar": 0.0,
    "grade/gcc/p1/baz": 0.0,
    "grade/gcc/p1/quux": 0.0,
    "grade/lcc/p1/foo": 1.0,
    "grade/lcc/p1/bar": 0.0,
    "grade/lcc/p1/baz": 0.0,
    "grade/lcc/p1/quux": 0.0,
    "hidden/foo/p1/correct_squares": 0.0,
    "hidden/foo/p1/squares_invalid_input": 0.0,
    "hidden/foo/p1/correct_sum_of_squares": 0.0,
    "hidden/foo/p1/sum_of_squares_uses_squares": 0.0,
    "hidden/sol/p1/correct_squares": 0.0,
    "hidden/sol/p1/squares_invalid_input": 1.0,
    "hidden/sol/p1/correct_sum_of_squares": 0.0,
    "hidden/sol/p1/sum_of_squares_uses_squares": 0.5,
    "autotest/foo/p1/test_simple": 0.0,
    "autotest/bar/p1/test_simple": 1.0,
    "hashed/foo/p1/test_hashed": 0.0,
    "hashed/bar/p1/test_hashed": 1.0,
    "complex/foo/p1/test_multi": 0.0,
    "complex/foo/p1/cell-f2803ba7c42d03ab": 0.0,
    "complex/foo/p1/cell-693350420ec62f1b": 0.0,
    "complex/foo/p1/cell-13479eb0e5fff152": 0.0,
    "complex/bar/p1/test_multi": 1.0,
    "complex/bar/p1/cell-f2803ba7c42d03ab": 1.0,
    "complex/bar/p1/cell-693350420ec62f1b": 0.0,
    "complex/bar/p1/cell-13479eb0e5fff152": 1.0,
    "hiddenauto/foo/p1/test_hidden": 0.0,
    "hiddenauto/bar/p1/test_hidden": 0.0,
    "hiddenauto/baz/p1/test_hidden": 1.0,
    "timeout/foo/p1/correct_squares": 1.0,
    "envvar/foo/p1/cell-bfbdf1784663b6b6": 0.0,
    "relative/foo/p1/open_file": 10.0,
}


def ours_rows(case: Case, root: Path, mode: str = "auto", limits=None) -> dict[str, object]:
    """Our grader on the course: 'case/student/notebook/grade_id' -> points (None: needs manual grading;
    "refused": the assignment is refused at load time, nothing is graded)."""
    from autograde.analysis import UnsupportedAssignment, check, pick_mode
    from autograde.assignment import Assignment
    from autograde.engine import grade_notebook
    from autograde.results import MANUAL
    from autograde.sandbox import Limits
    rows = {}
    for assignment in Assignment.from_course(root, case.name):
        assignment.mode = pick_mode(assignment) if mode == "auto" else mode
        try:
            check(assignment, assignment.mode)
        except UnsupportedAssignment:
            for student in case.students:
                for part in [*assignment.parts, *assignment.manual]:
                    rows[f"{case.name}/{student}/{assignment.notebook}/{part.grade_id}"] = "refused"
            continue
        for student in case.students:
            sub = root / "submitted" / student / case.name / assignment.path.name
            result = grade_notebook(assignment, sub, student, limits or Limits(timeout=30))
            for p in result.parts:
                key = f"{case.name}/{student}/{assignment.notebook}/{p.grade_id}"
                rows[key] = None if p.outcome == MANUAL else p.points
    return rows


def build(case: Case, root: Path) -> Path:
    """A course folder for one case: source/<name>/ and submitted/<student>/<name>/, release made by nbgrader."""
    root = Path(root)
    src = root / "source" / case.name
    src.mkdir(parents=True)
    for name, path in case.source.items():
        shutil.copy(path, src / name)
    for name, path in case.course_files.items():
        shutil.copy(path, root / name)
    (root / "nbgrader_config.py").write_text("c = get_config()\nc.ExecutePreprocessor.timeout = 60\n"
                                             "c.CourseDirectory.ignore = ['.ipynb_checkpoints', '__pycache__']\n"
                                             + case.config)
    proc = nbgrader(root, "generate_assignment", case.name, "--force")
    if proc.returncode != 0:
        raise RuntimeError(f"generate_assignment {case.name} failed:\n{proc.stdout}\n{proc.stderr}")
    for student, files in case.students.items():
        folder = root / "submitted" / student / case.name
        folder.mkdir(parents=True)
        for name, path in files.items():
            path = root / "release" / case.name / str(path)[8:] if str(path).startswith("release:") else path
            shutil.copy(path, folder / name)
        for extra in case.source:                       # as a student's fetched folder holds them
            if not extra.endswith(".ipynb") and not (folder / extra).exists():
                shutil.copy(src / extra, folder / extra)
    return root


def nbgrader(root: Path, *args, timeout: float = 1800) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([str(BIN / "nbgrader"), *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=timeout)


def stock_rows(case: Case, root: Path) -> dict[str, float | None]:
    """`nbgrader autograde` on the course: 'case/student/notebook/grade_id' -> auto score."""
    nbgrader(root, "autograde", case.name, "--force")
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    from nbgrader.api import Gradebook, MissingEntry
    rows = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assignment = gb.find_assignment(case.name)
        for student in case.students:
            for nb in assignment.notebooks:
                for cell in [*nb.grade_cells, *nb.task_cells]:
                    key = f"{case.name}/{student}/{nb.name}/{cell.name}"
                    try:
                        rows[key] = gb.find_grade(cell.name, nb.name, case.name, student).auto_score
                    except MissingEntry:
                        rows[key] = "missing"
    return rows


def compare(stock: dict, ours: dict, cases=CASES) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(matching rows, mismatching rows, deliberate differences with their reason)."""
    match, mismatch, differ = [], [], []
    reasons = {p: r for c in cases for p, r in c.differ.items()}
    for key in sorted(stock):
        reason = next((r for p, r in reasons.items() if key.startswith(p)), None)
        if _same(stock[key], ours.get(key, "missing")):
            match.append(key)
        elif reason is not None:
            differ.append((key, reason))
        else:
            mismatch.append(key)
    return match, mismatch, differ


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) < 1e-9
    return a == b
