"""A tiny nbgrader assignment for grader tests: one provided cell, one answer, one test cell worth 2 points."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

NAME = "toy"
SETUP = "import time\nimport numpy as np"
SOLUTION = '''
def double(x):
    """Return 2 * x."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION
'''
TEST = '''
assert double(2) == 4, "double(2)"
### BEGIN HIDDEN TESTS
assert double(-3) == -6, "double(-3)"
### END HIDDEN TESTS
'''


def _cell(source, **nbgrader):
    meta = {"nbgrader": {"schema_version": 3, "locked": False, **nbgrader}} if nbgrader else {}
    return nbformat.v4.new_code_cell(source, metadata=meta)


def notebook(answer: str = SOLUTION, extra: list[str] = ()) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell(SETUP), *(_cell(code) for code in extra),
                _cell(answer, solution=True, grade=False, grade_id="double"),
                _cell(TEST, grade=True, solution=False, locked=True, points=2, grade_id="test_double")]
    return nbformat.writes(nb)


def make_repo(root: Path) -> Path:
    """A repository holding only the toy assignment, for the command line (`--repo`)."""
    path = root / "repo" / "solutions" / NAME / f"{NAME}.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(notebook())
    return root / "repo"


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path)


def submit(root: Path, student: str, text: str) -> Path:
    path = root / student / NAME / f"{NAME}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def grades(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def cli(repo, *args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "autograde", *map(str, args), "--repo", str(repo)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
