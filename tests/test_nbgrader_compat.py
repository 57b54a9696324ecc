"""Grading nbgrader courses as nbgrader would (issue 17): nbgrader's example course and app-test fixtures.

The fixtures are nbgrader's own notebooks (tests/fixtures/nbgrader, BSD-3, see LICENSE there); tests/nbgrader_cases.py
lays them out as course folders the way nbgrader's app tests do.
"""
from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import pytest

from autograde.analysis import UnsupportedAssignment, analyse, check, pick_mode
from autograde.assignment import Assignment
from autograde.engine import grade_notebook
from autograde.sandbox import Limits

from .nbgrader_cases import FILES, FIXTURES

LIMITS = Limits(timeout=30)
PS1 = FIXTURES / "ps1"


# ---------------------------------------------------------------- item 8: AUTOTEST, instantiated by nbgrader or refused

@pytest.mark.parametrize("source, blank, done", [
    ("autotest-simple.ipynb", "autotest-simple-unchanged.ipynb", "autotest-simple-changed.ipynb"),
    ("autotest-hashed.ipynb", "autotest-hashed-unchanged.ipynb", "autotest-hashed-changed.ipynb")])
@pytest.mark.parametrize("mode", ["secure", "nbgrader"])
def test_autotest_directives_are_instantiated_by_nbgrader_and_graded_as_it_grades_them(source, blank, done, mode):
    """nbgrader's test_grade_autotest / test_grade_hashed_autotest: the blank notebook 0, the answered one 1. The
    releases were made by an older nbgrader with other salts: an honest student is not called a tamperer."""
    assignment = Assignment.from_notebook("p1", FILES / source, source=True)
    assert assignment.autotest_problem is None and analyse(assignment) == []
    assert all(p.generated for p in assignment.parts) and "AUTOTEST" not in assignment.parts[0].visible_source
    assignment.mode = mode
    for path, score in ((FILES / blank, 0), (FILES / done, 1)):
        result = grade_notebook(assignment, path, "foo", LIMITS)
        assert result.score == score and result.status == "graded", result


@pytest.mark.parametrize("mode", ["secure", "nbgrader"])
def test_autotest_directives_that_cannot_be_instantiated_are_refused_and_never_pass(tmp_path, mode):
    """Without autotests.yml (or unexpanded) the directives are comments: the assignment is refused, saying why."""
    shutil.copy(FILES / "autotest-simple.ipynb", tmp_path / "p1.ipynb")
    for assignment, why in ((Assignment.from_notebook("p1", tmp_path / "p1.ipynb", source=True), "autotests.yml"),
                            (Assignment.from_notebook("p1", FILES / "autotest-simple.ipynb"), "AUTOTEST")):
        assignment.mode = mode
        findings = analyse(assignment)
        assert findings and not findings[0].modes and why in findings[0].reason
        with pytest.raises(UnsupportedAssignment, match=r"test_simple.*AUTOTEST"):
            check(assignment, mode)
        result = grade_notebook(assignment, FILES / "autotest-simple-changed.ipynb", "foo", LIMITS)
        assert result.score == 0 and result.status == "crashed" and "AUTOTEST" in result.notes[0]


@pytest.mark.parametrize("cell", ["### AUTOTEST a", "# AUTOTEST a", "#HASHED AUTOTEST a; b",
                                  "x = 1\n  ## AUTOTEST f(x)"])
def test_every_spelling_nbgrader_accepts_is_a_directive(cell):
    """nbgrader takes any comment line holding AUTOTEST as a directive: left as it is, each is refused."""
    from autograde.analysis import test_needs
    assert [modes for _, modes in test_needs(cell, {"a"})] == [()]


def test_the_command_line_grades_autotests_and_refuses_them_with_exit_code_3_without_templates(tmp_path):
    repo = tmp_path / "repo"
    (repo / "solutions" / "p1").mkdir(parents=True)
    shutil.copy(FILES / "autotest-simple.ipynb", repo / "solutions" / "p1" / "p1.ipynb")
    subs = tmp_path / "subs" / "foo" / "p1"
    subs.mkdir(parents=True)
    shutil.copy(FILES / "autotest-simple-changed.ipynb", subs / "p1.ipynb")
    def run(mode):
        return subprocess.run([sys.executable, "-m", "autograde", "grade", "p1", str(tmp_path / "subs"), "--quiet",
                               "--repo", str(repo), "--mode", mode, "--out", str(tmp_path / "out")],
                              capture_output=True, text=True, timeout=300)

    proc = run("auto")
    assert proc.returncode == 3, proc.stderr
    assert "test_simple" in proc.stderr and "autotests.yml" in proc.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()
    shutil.copy(FILES / "autotests.yml", repo / "solutions" / "p1")
    proc = run("secure")
    assert proc.returncode == 0, proc.stderr
    import csv
    (row,) = csv.DictReader((tmp_path / "out" / "grades.csv").read_text().splitlines())
    assert (row["student"], row["status"], float(row["score"]), float(row["max_score"])) == ("foo", "graded", 1, 1)


# ---------------------------------------------------------------- load-time analysis

def test_the_analysis_names_the_cell_and_the_reason_and_picks_the_mode():
    problem1 = Assignment.from_notebook("ps1", PS1 / "source" / "ps1" / "problem1.ipynb")
    (finding,) = analyse(problem1)
    assert finding.grade_id == "sum_of_squares_uses_squares" and "`del`" in finding.reason
    assert finding.modes == ("secure", "nbgrader")           # the secure mode forwards `del` to the sandbox
    assert pick_mode(problem1) == "secure"
    check(problem1, "secure")
    check(problem1, "nbgrader")


@pytest.mark.parametrize("mode", ["secure", "nbgrader"])
def test_del_of_a_student_name_reaches_the_students_code(tmp_path, mode):
    """nbgrader's own example test: `del squares`, then `sum_of_squares` must fail; a correct solution earns the
    half point, one that re-implements squares does not (every correct solution lost it before, issue 17)."""
    assignment = Assignment.from_notebook("ps1", PS1 / "source" / "ps1" / "problem1.ipynb")
    assignment.mode = mode
    nb = nbformat.read(PS1 / "source" / "ps1" / "problem1.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "sum_of_squares":
            cell.source = 'def sum_of_squares(n):\n    return sum(i * i for i in range(1, n + 1))'
    reimplemented = tmp_path / "problem1.ipynb"
    nbformat.write(nb, reimplemented)
    scores = [{p.grade_id: p.points for p in grade_notebook(assignment, path, "s", LIMITS).parts}
              for path in (PS1 / "source" / "ps1" / "problem1.ipynb", reimplemented)]
    assert scores[0]["sum_of_squares_uses_squares"] == 0.5 and scores[0]["correct_sum_of_squares"] == 0.5
    assert scores[1]["sum_of_squares_uses_squares"] == 0 and scores[1]["correct_sum_of_squares"] == 0.5


@pytest.mark.parametrize("test, reason", [
    ("SEED = 3\nnp.random.seed(SEED)\nassert draw() == draw2()", "seeds the global random generator"),
    ("def test(capsys):\n    hello()\n    assert capsys.readouterr().out == 'hi'\ntest(capsys)", "capsys"),
    ("import matplotlib.pyplot as plt\nplot()\nassert len(plt.gca().lines) == 1", "current matplotlib figure"),
    ("assert 'answer' in globals()", "namespace itself"),
])
def test_the_secure_mode_refuses_tests_it_cannot_honour(tmp_path, test, reason):
    nb = nbformat.v4.new_notebook()
    meta = lambda **kw: {"nbgrader": {"schema_version": 3, "locked": False, **kw}}  # noqa: E731
    nb.cells = [nbformat.v4.new_code_cell("data = [1, 2]"),
                nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n"
                                          "data.append(3)", metadata=meta(solution=True, grade=False, grade_id="a")),
                nbformat.v4.new_code_cell(test, metadata=meta(grade=True, solution=False, points=1, grade_id="t"))]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assignment = Assignment.from_notebook("x", path)
    with pytest.raises(UnsupportedAssignment, match=f"test cell `t`: .*{reason}"):
        check(assignment, "secure")
    assert pick_mode(assignment) == "nbgrader"


@pytest.mark.parametrize("test", [
    "import io, contextlib\nbuf = io.StringIO()\nwith contextlib.redirect_stderr(buf):\n    hello()\n"
    "assert buf.getvalue() == 'oops\\n'",
    "import io, sys\nold, sys.stderr = sys.stderr, io.StringIO()\ntry:\n    hello()\n    text = sys.stderr.getvalue()\n"
    "finally:\n    sys.stderr = old\nassert text == 'oops\\n'",
    "assert data == [1, 2, 3]",
])
def test_the_secure_mode_carries_stderr_and_provided_variables_changed_in_place(tmp_path, test):
    """Item 3: what the student's function writes to stderr reaches the test's sys.stderr; a provided variable
    the answer changes in place is read from the student's process before each test."""
    nb = nbformat.v4.new_notebook()
    meta = lambda **kw: {"nbgrader": {"schema_version": 3, "locked": False, **kw}}  # noqa: E731
    answer = ("import sys\ndef hello():\n    ### BEGIN SOLUTION\n    print('oops', file=sys.stderr)\n"
              "    ### END SOLUTION\ndata.append(3)")
    nb.cells = [nbformat.v4.new_code_cell("data = [1, 2]"),
                nbformat.v4.new_code_cell(answer, metadata=meta(solution=True, grade=False, grade_id="a")),
                nbformat.v4.new_code_cell(test, metadata=meta(grade=True, solution=False, points=1, grade_id="t"))]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assignment = Assignment.from_notebook("x", path)
    check(assignment, "secure")
    assert grade_notebook(assignment, path, "s", LIMITS).score == 1
    nb.cells[1].source = answer.replace("data.append(3)", "")          # forgot the change: the test sees it
    nbformat.write(nb, path)
    assert grade_notebook(assignment, path, "s", LIMITS).score == (0 if "data" in test else 1)


def test_a_seed_inside_the_tests_own_helper_is_not_the_students():
    """Our book's tests seed torch inside their reference functions: that needs no namespace of the student's."""
    from autograde.analysis import test_needs
    assert test_needs("def ref(seed):\n    torch.manual_seed(seed)\n    return 1\nassert f() == ref(0)", {"f"}) == []


def test_our_book_grades_in_the_secure_mode():
    from .assignments import REPO
    for folder in sorted((REPO / "solutions").iterdir()):
        if (folder / f"{folder.name}.ipynb").exists():
            assignment = Assignment.load(folder.name, REPO)
            assert pick_mode(assignment) == "secure", [f.describe() for f in analyse(assignment)]


# ---------------------------------------------------------------- nbgrader's course, graded as nbgrader grades it

class _Courses(dict):
    """Course folders built on first use (nbgrader's generate_assignment makes each release)."""

    def __init__(self, root):
        super().__init__()
        self.root = root

    def __missing__(self, name):
        from .nbgrader_cases import CASES, build
        case = next(c for c in CASES if c.name == name)
        self[name] = (case, build(case, self.root / name))
        return self[name]

    def all(self):
        from .nbgrader_cases import CASES
        return [self[c.name] for c in CASES]


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    return _Courses(tmp_path_factory.mktemp("courses"))


def test_our_rows_match_nbgraders_in_the_mode_the_analysis_picks(courses):
    """Every row nbgrader's tests or docs decide matches (AUTOTEST rows included: nbgrader instantiates them)."""
    from .nbgrader_cases import CASES, EXPECTED, compare, ours_rows
    ours = {}
    for case, root in courses.all():
        ours.update(ours_rows(case, root, "auto"))
    match, mismatch, differ = compare(EXPECTED, ours, CASES)
    assert mismatch == [], {k: (EXPECTED[k], ours.get(k, "missing")) for k in mismatch}
    assert differ == [] and len(match) == len(EXPECTED)


def test_nbgrader_mode_scores_partial_credit_and_stderr_as_nbgrader(tmp_path):
    nb = nbformat.v4.new_notebook()
    meta = lambda **kw: {"nbgrader": {"schema_version": 3, "locked": True, **kw}}  # noqa: E731
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata=meta(solution=True, grade=False, grade_id="a",
                                                                 locked=False)),
                nbformat.v4.new_code_cell("0.25 * x", metadata=meta(grade=True, solution=False, points=1,
                                                                   grade_id="partial")),
                nbformat.v4.new_code_cell("import sys\nprint('careful', file=sys.stderr)",
                                          metadata=meta(grade=True, solution=False, points=1, grade_id="stderr")),
                nbformat.v4.new_code_cell("'a text'", metadata=meta(grade=True, solution=False, points=1,
                                                                   grade_id="text")),
                nbformat.v4.new_code_cell("import os\nassert os.environ['NBGRADER_EXECUTION'] == 'autograde'",
                                          metadata=meta(grade=True, solution=False, points=1, grade_id="env"))]
    path = tmp_path / "p.ipynb"
    nbformat.write(nb, path)
    assignment = Assignment.from_notebook("p", path)
    assignment.mode = "nbgrader"
    result = grade_notebook(assignment, path, "ann", LIMITS)
    assert {p.grade_id: p.points for p in result.parts} == {"partial": 0.25, "stderr": 0, "text": 1, "env": 1}


def test_manual_cells_count_in_the_max_score_and_wait_for_a_person(courses):
    case, root = courses["ps1"]
    problem1, problem2 = Assignment.from_course(root, "ps1")
    assert (problem1.max_score, problem2.max_score) == (10, 3)     # 3 autograded + 3 manual + a task of 4
    problem1.mode = "nbgrader"
    result = grade_notebook(problem1, root / "submitted" / "hacker" / "ps1" / "problem1.ipynb", "hacker", LIMITS)
    outcomes = {p.grade_id: p.outcome for p in result.parts}
    assert outcomes["sum_of_squares_equation"] == "needs manual grading"
    assert outcomes["cell-938593c4a215c6cc"] == "needs manual grading"
    assert result.max_score == 10 and result.score == 3


@pytest.mark.parametrize("mode", ["secure", "nbgrader"])
def test_files_shipped_with_the_assignment_are_read_relative_to_the_notebook(courses, mode, tmp_path,
                                                                             monkeypatch):
    case, root = courses["relative"]
    (assignment,) = Assignment.from_course(root, "relative")
    assignment.mode = mode
    monkeypatch.chdir(tmp_path)                         # wherever the grader was started
    result = grade_notebook(assignment, root / "submitted" / "foo" / "relative" / "p1.ipynb", "foo", LIMITS)
    assert result.score == 10, result.parts
    assert list(tmp_path.iterdir()) == []               # nothing written into the grader's folder


@pytest.mark.parametrize("mode", ["secure", "nbgrader"])
def test_nbgrader_execution_is_set_in_both_modes(courses, mode):
    case, root = courses["envvar"]
    (assignment,) = Assignment.from_course(root, "envvar")
    assignment.mode = mode
    result = grade_notebook(assignment, root / "submitted" / "foo" / "envvar" / "p1.ipynb", "foo", LIMITS)
    assert result.score == 0 and result.max_score == 1


def test_a_course_of_several_notebooks_from_the_command_line(courses, tmp_path):
    """ps1 (problem1, problem2) graded from its course folder: each notebook matched by name (a copy is never
    graded instead), manual cells in the gradebook for formgrader, and their scores exported back."""
    import csv
    from nbgrader.api import Gradebook
    case, root = courses["ps1"]
    subs = tmp_path / "submitted"
    shutil.copytree(root / "submitted", subs)
    shutil.copy(subs / "bitdiddle" / "ps1" / "problem1.ipynb", subs / "hacker" / "ps1" / "problem1 copy.ipynb")
    shutil.copy(subs / "bitdiddle" / "ps1" / "problem1.ipynb", subs / "hacker" / "ps1" / "problem1-Copy1.ipynb")
    out = tmp_path / "out"
    run = lambda *args: subprocess.run([sys.executable, "-m", "autograde", *map(str, args)],  # noqa: E731
                                       capture_output=True, text=True, timeout=900)
    proc = run("grade", "ps1", subs, "--course", root, "--mode", "auto", "--out", out, "--quiet", "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    # problem1's `del squares` test is forwarded to the sandbox: the analysis keeps both notebooks secure
    assert "problem1.ipynb: mode secure" in proc.stderr and "problem2.ipynb: mode secure" in proc.stderr
    with open(out / "problem1" / "grades.csv", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert (rows["hacker"]["score"], rows["hacker"]["max_score"]) == ("3", "10")      # not bitdiddle's copy
    assert (rows["bitdiddle"]["score"], rows["bitdiddle"]["needs_manual_grade"]) == ("1.5", "true")
    assert rows["hacker"]["sum_of_squares_equation"] == ""                            # waits for a person
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        assert sorted(n.name for n in gb.find_assignment("ps1").notebooks) == ["problem1", "problem2"]
        grade = gb.find_grade("part-a", "problem2", "ps1", "hacker")
        assert grade.auto_score is None and grade.needs_manual_grade
        grade.manual_score = 1.0                                                      # formgrader's score
        gb.db.commit()
    proc = run("export", out, "ps1", "--with-manual")
    assert proc.returncode == 0, proc.stderr
    exported = {r["student"]: r for r in csv.DictReader((out / "grades-with-manual.csv").open())}
    assert exported["hacker"]["problem2/part-a"] == "1" and exported["hacker"]["score"] == "4"
    assert exported["hacker"]["max_score"] == "13"


def test_an_nbformat_3_submission_is_graded_like_its_nbformat_4_original(tmp_path):
    """Item 9: an nbformat 3 notebook (worksheets) is upgraded by nbformat's own conversion, then graded."""
    source = FILES / "submitted-unchanged.ipynb"
    assignment = Assignment.from_notebook("ps1", source)
    assignment.path = tmp_path / "p1.ipynb"           # the notebook's name in the assignment
    shutil.copy(source, assignment.path)
    nb4 = nbformat.read(FILES / "submitted-changed.ipynb", as_version=4)
    old = tmp_path / "v3.ipynb"
    old.write_text(nbformat.writes(nbformat.convert(nb4, 3), version=3))
    assert nbformat.reads(old.read_text(), as_version=nbformat.NO_CONVERT).nbformat == 3
    scores = [{p.grade_id: p.points for p in grade_notebook(assignment, path, "bar", LIMITS).parts}
              for path in (FILES / "submitted-changed.ipynb", old)]
    assert scores[0] == scores[1] and scores[0]["bar"] == 1


def test_stock_nbgrader_gives_the_expected_rows(courses):
    """The expectations above are what stock `nbgrader autograde` records on the same course folders today."""
    from .nbgrader_cases import EXPECTED, stock_rows
    stock = {}
    for case, root in courses.all():
        stock.update(stock_rows(case, root))
    assert stock == EXPECTED


@pytest.mark.parametrize("several", [False, True])
def test_a_copy_is_never_graded_instead_of_the_notebook(tmp_path, several):
    """nbgrader's test_skip_extra_notebooks: `p1 copy.ipynb` beside `p1.ipynb` of assignment ps1 is skipped; in an
    assignment of several notebooks another notebook never stands in for a missing one."""
    from autograde.intake import find_submissions
    folder = tmp_path / "foo" / "ps1"
    folder.mkdir(parents=True)
    for name in ("p1 copy.ipynb", "p1-Copy1.ipynb", "p1.ipynb", "p2.ipynb"):
        shutil.copy(FILES / "submitted-changed.ipynb", folder / name)
    (sub,) = find_submissions(tmp_path, "ps1", notebook="p1", several=several)
    assert sub.path.name == "p1.ipynb"
    (folder / "p1.ipynb").unlink()
    (folder / "p1 copy.ipynb").unlink()
    (sub,) = find_submissions(tmp_path, "ps1", notebook="p1", several=several)
    assert sub.path.name == "p1-Copy1.ipynb"             # a copy of p1 before an unrelated notebook
    (folder / "p1-Copy1.ipynb").unlink()
    (sub,) = find_submissions(tmp_path, "ps1", notebook="p1", several=several)
    if several:
        assert sub.path is None and "no p1.ipynb" in " ".join(sub.notes)
    else:
        assert sub.path.name == "p2.ipynb"          # a one-notebook assignment: the only notebook there, noted


# ---------------------------------------------------------------- item 7: provided cells beside the tests

def test_a_provided_cell_writes_into_a_private_folder_not_the_graders_or_the_course(tmp_path, monkeypatch):
    """nbgrader's side-effects fixture: its one (provided) cell writes side-effect.txt. It runs in the sandbox and
    beside the tests; neither run leaves the file in the grader's working folder or in the student's folder."""
    course = tmp_path / "course"
    (course / "source" / "ps1").mkdir(parents=True)
    (course / "submitted" / "foo" / "ps1").mkdir(parents=True)
    shutil.copy(FILES / "side-effects.ipynb", course / "source" / "ps1" / "p1.ipynb")
    shutil.copy(FILES / "side-effects.ipynb", course / "submitted" / "foo" / "ps1" / "p1.ipynb")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    (assignment,) = Assignment.from_course(course, "ps1")
    result = grade_notebook(assignment, course / "submitted" / "foo" / "ps1" / "p1.ipynb", "foo", LIMITS)
    assert result.status == "graded" and not result.notes, result
    assert list(tmp_path.rglob("side-effect.txt")) == []


def test_a_provided_cell_that_never_ends_is_stopped_and_not_blamed_on_the_student(tmp_path):
    nb = nbformat.v4.new_notebook()
    meta = lambda **kw: {"nbgrader": {"schema_version": 3, "locked": False, **kw}}  # noqa: E731
    nb.cells = [nbformat.v4.new_code_cell("import time\nwhile True:\n    time.sleep(0.01)"),
                nbformat.v4.new_code_cell("x = 1", metadata=meta(solution=True, grade=False, grade_id="a")),
                nbformat.v4.new_code_cell("assert x == 1", metadata=meta(grade=True, solution=False, points=1,
                                                                         grade_id="t"))]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    result = grade_notebook(Assignment.from_notebook("x", path), path, "s", Limits(timeout=2))
    assert result.parts[0].passed and result.status == "crashed", result
    assert any("provided cell" in n and "not of your code" in n for n in result.notes), result.notes


# ---------------------------------------------------------------- a source nbgrader itself would refuse or upgrade

def test_a_source_is_checked_as_nbgrader_checks_it(tmp_path):
    """Old metadata (schema 0) is upgraded as `nbgrader update` does; metadata newer than our nbgrader, or invalid
    (nbgrader's test-v0-invalid: a locked cell without a grade_id), is refused with the reason (CLI exit 3),
    never graded by a guess."""
    from autograde.assignment import InvalidAssignment
    old = Assignment.from_notebook("p1", FILES / "test-v0.ipynb", source=True)
    assert [(p.grade_id, p.points) for p in old.parts] == [("correct_squares", 1), ("squares_invalid_input", 1),
                                                             ("correct_sum_of_squares", 0.5),
                                                             ("sum_of_squares_uses_squares", 0.5)]
    assert old.max_score == 6 and grade_notebook(old, FILES / "test-v0.ipynb", "s", LIMITS).score == 3
    for name, why in (("too-new.ipynb", "newer than"), ("test-v0-invalid.ipynb", "does not have a grade_id")):
        with pytest.raises(InvalidAssignment, match=why):
            Assignment.from_notebook("p1", FILES / name, source=True)
    course = tmp_path / "course"
    (course / "source" / "ps1").mkdir(parents=True)
    (course / "submitted" / "foo" / "ps1").mkdir(parents=True)
    shutil.copy(FILES / "too-new.ipynb", course / "source" / "ps1" / "p1.ipynb")
    proc = subprocess.run([sys.executable, "-m", "autograde", "grade", "ps1", str(course / "submitted"), "--course",
                           str(course), "--quiet", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3 and "newer than" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
