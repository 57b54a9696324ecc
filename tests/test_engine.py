"""The grading engine on a small synthetic assignment: what crosses the boundary and how failures read."""
from __future__ import annotations

import nbformat
import pytest

from autograde.assignment import Assignment
from autograde.engine import grade_notebook
from autograde.sandbox import Limits

SETUP = "import numpy as np\nfrom dlbook.testing import check_close, check_raises, check_unchanged"
SOLUTION = '''
def scale(x, k):
    """Return k * x; k must be positive."""
    ### BEGIN SOLUTION
    if k <= 0:
        raise ValueError("k must be positive")
    return np.asarray(x, dtype=float) * k
    ### END SOLUTION

class Counter:
    """Counts calls; `total(xs)` sums a list."""
    ### BEGIN SOLUTION
    def __init__(self):
        self.calls = 0

    def total(self, xs):
        self.calls += 1
        return float(sum(xs))
    ### END SOLUTION
'''
TEST_SCALE = '''
check_close(scale([1, 2], 3), [3, 6], "scale([1, 2], 3)")
### BEGIN HIDDEN TESTS
check_raises(lambda: scale([1.0], -1), ValueError, "scale with k = -1", hint="raise ValueError for k <= 0")
x = np.arange(3.0)
before = x.copy()
scale(x, 2)
check_unchanged(before, x, "x")
### END HIDDEN TESTS
'''
TEST_COUNTER = '''
c = Counter()
assert c.total([1, 2, 3]) == 6.0
assert c.calls == 1
### BEGIN HIDDEN TESTS
assert c.total([]) == 0.0 and c.calls == 2, "total of an empty list"
### END HIDDEN TESTS
'''


def _cell(source, **nbgrader):
    meta = {"nbgrader": {"schema_version": 3, "locked": False, **nbgrader}} if nbgrader else {}
    return nbformat.v4.new_code_cell(source, metadata=meta)


def make(tmp_path, solution=SOLUTION, name="toy.ipynb"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _cell(SETUP),
        _cell(solution, solution=True, grade=False, grade_id="answers"),
        _cell(TEST_SCALE, grade=True, solution=False, locked=True, points=2, grade_id="test_scale"),
        _cell(TEST_COUNTER, grade=True, solution=False, locked=True, points=1, grade_id="test_counter"),
    ]
    path = tmp_path / name
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def toy(tmp_path):
    path = make(tmp_path)
    return Assignment.from_notebook("toy", path), path


def grade(assignment, tmp_path, solution):
    return grade_notebook(assignment, make(tmp_path, solution, "student.ipynb"), "s", Limits(timeout=10))


def test_student_names_come_from_solution_cells(toy):
    assignment, _ = toy
    assert assignment.student_names == ["scale", "Counter"]
    assert [p.points for p in assignment.parts] == [2, 1]


def test_objects_stay_in_the_sandbox_but_work(toy, tmp_path):
    assignment, path = toy
    result = grade_notebook(assignment, path, "s", Limits(timeout=10))
    assert result.score == 3 and result.status == "graded", result.parts


def test_expected_exceptions_cross_as_their_builtin_type(toy, tmp_path):
    assignment, _ = toy
    result = grade(assignment, tmp_path, SOLUTION.replace('raise ValueError("k must be positive")', "pass"))
    scale = result.parts[0]
    assert not scale.passed and "hint: raise ValueError for k <= 0" in scale.message


def test_in_place_changes_are_seen_by_the_tests(toy, tmp_path):
    assignment, _ = toy
    mutating = SOLUTION.replace("return np.asarray(x, dtype=float) * k", "x = np.asarray(x, dtype=float)\n    x *= k\n    return x")
    result = grade(assignment, tmp_path, mutating)
    assert not result.parts[0].passed and "modified" in result.parts[0].message


def test_hidden_failures_hide_the_expected_value(toy, tmp_path):
    assignment, _ = toy
    wrong = SOLUTION.replace("return np.asarray(x, dtype=float) * k", "return np.asarray(x, dtype=float) * k + 1")
    result = grade(assignment, tmp_path, wrong)
    # The visible check fails first and may show its expected value: it is public.
    assert "expected" in result.parts[0].message
    quiet = SOLUTION.replace("return float(sum(xs))", "return float(sum(xs)) if xs else 1.0")
    hidden = grade(assignment, tmp_path, quiet).parts[1]
    assert hidden.hidden and hidden.message.startswith("hidden test:") and "c.total" not in hidden.message


def test_student_exceptions_are_reported_with_their_traceback(toy, tmp_path):
    assignment, _ = toy
    broken = SOLUTION.replace("self.calls += 1", "self.calls += undefined_name")
    counter = grade(assignment, tmp_path, broken).parts[1]
    assert counter.outcome == "error" and "NameError" in counter.message and "undefined_name" in counter.message
