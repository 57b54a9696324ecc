"""`python -m autograde validate`: tests from the source only, results as they come, and it loads on Windows."""
from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import pytest

from autograde import REPO, engine
from autograde.assignment import Assignment
from autograde import validate as validate_module
from autograde.validate import find_assignment, validate

PARTS = len(Assignment.load("ch02-perceptron", REPO).parts)      # the self-check of a full ch02 solution
SOLUTION = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
SOLUTION_SLOW = "def slow(n):\n    ### BEGIN SOLUTION\n    return n\n    ### END SOLUTION\n"
TEST_DOUBLE = ("assert double(1) == 2, 'double(1) should be 2'\n### BEGIN HIDDEN TESTS\n"
               "assert double(-3) == -6, 'hidden: negative'\n### END HIDDEN TESTS\n")
TEST_SLOW = "assert slow(3) == 3\n"


def _cell(source, **nbgrader):
    meta = {"nbgrader": {"schema_version": 3, "locked": False, **nbgrader}} if nbgrader else {}
    return nbformat.v4.new_code_cell(source, metadata=meta)


def _notebook(double=SOLUTION, slow=SOLUTION_SLOW, tests=True, selfcheck=True):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# toy"), _cell("import math"),
                _cell(double, solution=True, grade=False, grade_id="double")]
    if tests:
        nb.cells.append(_cell(TEST_DOUBLE, grade=True, solution=False, locked=True, points=2, grade_id="test_double"))
    nb.cells.append(_cell(slow, solution=True, grade=False, grade_id="slow"))
    nb.cells.append(_cell(TEST_SLOW, grade=True, solution=False, locked=True, points=1, grade_id="test_slow"))
    if selfcheck:          # a self-check cell the student left in: a no-op while checking
        nb.cells.append(_cell("import dlbook; dlbook.validate()"))
    return nb


@pytest.fixture
def repo(tmp_path):
    """A course with one assignment `toy`; its release folder is where a student edits in place."""
    for folder in ("solutions", "exercises"):
        (tmp_path / folder / "toy").mkdir(parents=True)
        nbformat.write(_notebook(selfcheck=False), str(tmp_path / folder / "toy" / "toy.ipynb"))
    return tmp_path


def _student(repo, path="exercises/toy/toy.ipynb", **kw):
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(_notebook(**kw), str(target))
    return target


def test_deleting_a_test_in_the_release_does_not_make_it_pass(repo, capsys):
    # The release IS the student's file: its test cell is gone and the answer is wrong.
    student = _student(repo, double="def double(x):\n    return x\n", tests=False)
    assert validate(student, timeout=10, repo=repo) == 1
    out = capsys.readouterr().out
    assert "[FAIL] test_double" in out and "double(1) should be 2" in out
    notes = out.split("Read these notes")[1]
    assert "test cell `test_double`" in notes and "Restore them" in out


def test_hidden_tests_do_not_run(repo, capsys):
    student = _student(repo, double="def double(x):\n    return 2 * x if x > 0 else 0\n")
    assert validate(student, timeout=10, repo=repo) == 0
    out = capsys.readouterr().out
    assert "[PASS] test_double" in out and "hidden: negative" not in out


def test_assignment_found_by_name_folder_or_ids(repo, tmp_path):
    assert find_assignment(repo / "elsewhere" / "toy.ipynb", repo) == "toy"
    assert find_assignment(_student(repo, "toy/Untitled.ipynb"), repo) == "toy"
    assert find_assignment(_student(repo, "downloads/toy (1).ipynb"), repo) == "toy"


def test_unknown_notebook_is_exit_2_with_words(repo, capsys):
    other = repo / "mine.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[_cell("x = 1")]), str(other))
    assert validate(other, repo=repo) == 2
    assert "is not one of the course's assignments (toy)" in capsys.readouterr().out


def test_a_stuck_part_names_its_cell_and_parts_print_as_they_finish(repo, capsys):
    student = _student(repo, slow="def slow(n):\n    while True:\n        pass\n")
    assert validate(student, timeout=2, repo=repo) == 1
    out = capsys.readouterr().out
    assert "at most 2 s" in out.split("[PASS]")[0]                   # the limit is said up front
    assert "[PASS] test_double" in out and "[FAIL] test_slow" in out
    assert "The code this test calls is in your cell `slow`" in out


def test_parts_are_printed_before_grading_ends(repo, capsys, monkeypatch):
    real = engine.grade_notebook

    def grade(*args, on_part=None, **kwargs):
        result = real(*args, **kwargs)
        for part in result.parts:
            on_part(part)
            print("-- engine still running --")
        return result
    monkeypatch.setattr(engine, "grade_notebook", grade)
    validate(_student(repo), timeout=10, repo=repo)
    out = capsys.readouterr().out
    assert out.index("[PASS] test_double") < out.index("-- engine still running --") < out.index("[PASS] test_slow")
    assert out.count("[PASS] test_double") == 1


def test_without_fcntl_and_resource_it_imports_and_runs_without_the_sandbox(repo):
    """Windows, simulated: the notebook runs in a Jupyter kernel, with a note saying so."""
    student = _student(repo, double="def double(x):\n    return x\n")
    code = ("import sys; sys.modules['fcntl'] = None; sys.modules['resource'] = None\n"
            "import autograde.validate as v, autograde.sandbox\n"
            f"sys.exit(v.validate({str(student)!r}, timeout=20, repo={str(repo)!r}))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert run.returncode == 1, run.stdout + run.stderr
    assert validate_module.NO_SANDBOX in run.stdout
    assert "[FAIL] test_double" in run.stdout and "double(1) should be 2" in run.stdout
    assert "[PASS] test_slow" in run.stdout and "1 of 2 parts" in run.stdout


def test_the_real_solution_passes_with_its_self_check_cell_left_in(tmp_path, capsys):
    """A `dlbook.validate()` cell left in the notebook does nothing while grading (no grader inside a grader)."""
    nb = nbformat.read(str(REPO / "solutions/ch02-perceptron/ch02-perceptron.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import dlbook; dlbook.validate()"))
    path = tmp_path / "ch02-perceptron.ipynb"
    nbformat.write(nb, str(path))
    assert validate(path, timeout=30) == 0
    assert "Read these notes" not in capsys.readouterr().out


# -- from inside the notebook: dlbook.validate() and %run -m autograde validate

def test_selfcheck_finds_the_notebook(tmp_path, monkeypatch):
    from dlbook.selfcheck import find_notebook
    monkeypatch.chdir(tmp_path)
    for var in ("JPY_SESSION_NAME", "__session"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(FileNotFoundError, match="dlbook.validate"):
        find_notebook()
    (tmp_path / "hw.ipynb").write_text("{}")
    assert find_notebook() == tmp_path / "hw.ipynb"                    # the only notebook here
    (tmp_path / "other.ipynb").write_text("{}")
    monkeypatch.setenv("JPY_SESSION_NAME", "course/exercises/other.ipynb")   # relative to the server's root
    assert find_notebook() == tmp_path / "other.ipynb"
    assert find_notebook("x.ipynb").name == "x.ipynb"


def test_dlbook_validate_runs_the_validator_with_this_python(tmp_path, monkeypatch, capfd):
    import dlbook
    path = tmp_path / "ch02-perceptron.ipynb"
    shutil.copy(REPO / "solutions/ch02-perceptron/ch02-perceptron.ipynb", path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert dlbook.validate(timeout=30) == 0
    assert f"{PARTS} of {PARTS} parts pass" in capfd.readouterr().out


def test_run_magic_runs_the_validator(tmp_path):
    path = tmp_path / "ch02-perceptron.ipynb"
    shutil.copy(REPO / "solutions/ch02-perceptron/ch02-perceptron.ipynb", path)
    code = ("from IPython.core.interactiveshell import InteractiveShell\n"
            f"r = InteractiveShell.instance().run_cell('%run -m autograde validate {path}')\n"
            "assert r.success, r")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0 and f"{PARTS} of {PARTS} parts pass" in run.stdout, run.stdout + run.stderr
