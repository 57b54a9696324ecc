"""What the secure mode carries across the boundary since issue 17 (items 3-5): standard-library values by value,
generators lazily, printed output of a call, the student's exception hierarchy, names bound in compound statements;
and what it still cannot carry (callbacks, random generators) is refused at load time, never graded wrongly."""
from __future__ import annotations

import nbformat
import pytest

from autograde.analysis import UnsupportedAssignment, check, pick_mode
from autograde.assignment import Assignment
from autograde.engine import grade_notebook
from autograde.sandbox import Limits

LIMITS = Limits(timeout=30)
ANSWER = '''
import collections, fractions, decimal, datetime
import numpy as np

class BadShape(ValueError):
    pass

def values():
    ### BEGIN SOLUTION
    return [{1, 2}, frozenset("ab"), collections.Counter("abca"), collections.defaultdict(list, {1: [2]}),
            collections.deque([1, 2], maxlen=5), fractions.Fraction(1, 3), decimal.Decimal("1.10"), b"\\x00hi",
            datetime.date(2024, 2, 29), datetime.datetime(2024, 1, 1, 12, 30), complex(1, -2),
            np.array(["ab", "c"])]
    ### END SOLUTION

def naturals():
    n = 0
    while True:
        yield n
        n += 1

def hello(name):
    print(f"hello {name}")
    return len(name)

def check_shape(x):
    if len(x) != 2:
        raise BadShape("need two")
    return True

for k in range(3):
    total = k
with open("notes.txt", "w") as fh:
    written = fh.write("x")
'''
TESTS = {
    "test_values": '''
import collections, fractions, decimal, datetime
import numpy as np
v = values()
assert v[0] == {1, 2} and v[1] == frozenset("ab")
assert v[2] == collections.Counter(a=2, b=1, c=1) and v[2].most_common(1) == [("a", 2)]
assert v[3][1] == [2] and v[3]["new"] == []
assert list(v[4]) == [1, 2] and v[4].maxlen == 5
assert v[5] == fractions.Fraction(1, 3) and v[6] == decimal.Decimal("1.10") and v[7] == b"\\x00hi"
assert v[8] == datetime.date(2024, 2, 29) and v[9].minute == 30 and v[10] == 1 - 2j
assert v[11].tolist() == ["ab", "c"]
''',
    "test_generator": '''
gen = naturals()
assert next(gen) == 0 and next(gen) == 1
import itertools
assert list(itertools.islice(naturals(), 5)) == [0, 1, 2, 3, 4]
''',
    "test_printed": '''
import contextlib, io
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    n = hello("ann")
assert buf.getvalue() == "hello ann\\n" and n == 3
''',
    "test_exception": '''
try:
    check_shape([1])
except ValueError as err:
    assert "need two" in str(err)
else:
    raise AssertionError("no ValueError")
''',
    "test_compound_names": '''
assert total == 2 and written == 1
''',
}


def _notebook(tmp_path, answer=ANSWER, tests=TESTS):
    nb = nbformat.v4.new_notebook()
    meta = lambda **kw: {"nbgrader": {"schema_version": 3, "locked": False, **kw}}  # noqa: E731
    nb.cells = [nbformat.v4.new_code_cell(answer, metadata=meta(solution=True, grade=False, grade_id="answer"))]
    nb.cells += [nbformat.v4.new_code_cell(code, metadata=meta(grade=True, solution=False, points=1, grade_id=gid,
                                                               locked=True)) for gid, code in tests.items()]
    path = tmp_path / "w.ipynb"
    nbformat.write(nb, path)
    return path


def _graded(tmp_path, answer, tests):
    """The secure mode's result for one student, after the load-time analysis has accepted the tests."""
    path = _notebook(tmp_path, answer, tests)
    assignment = Assignment.from_notebook("w", path)
    check(assignment, "secure")
    return grade_notebook(assignment, path, "ann", LIMITS)


def test_the_secure_mode_carries_values_generators_output_and_exceptions(tmp_path):
    path = _notebook(tmp_path)
    assignment = Assignment.from_notebook("w", path)
    check(assignment, "secure")
    result = grade_notebook(assignment, path, "ann", LIMITS)
    failed = {p.grade_id: p.message for p in result.parts if not p.passed}
    assert failed == {} and result.score == len(TESTS), failed


@pytest.mark.parametrize("call", ["assert apply(lambda x: x + 1, 2) == 3", "assert apply(abs, -2) == 2",
                                  "assert apply(np.abs, -2) == 2",
                                  "def twice(x):\n    return 2 * x\nassert apply(twice, 4) == 8",
                                  "rng = np.random.default_rng(0)\nassert -9 < apply(rng.normal, 0) < 9",
                                  "assert apply(lambda f: f(3), square) == 9"])
def test_callables_cross_as_callbacks(tmp_path, call):
    """Item 5: a lambda, a builtin, numpy's or the test's own function passed to student code is called back into
    the test."""
    answer = "def apply(f, x):\n    return f(x)\n\ndef square(x):\n    return x * x\n"
    result = _graded(tmp_path, answer, {"test_cb": "import numpy as np\n" + call})
    assert result.score == 1, result.parts


@pytest.mark.parametrize("make, draw", [("np.random.default_rng(0)", "rng.normal()"),
                                        ("np.random.Generator(np.random.MT19937(1))", "rng.integers(100)"),
                                        ("np.random.RandomState(2)", "rng.rand()"),
                                        ("random.Random(3)", "rng.random()"),
                                        ("torch.Generator().manual_seed(4)", "torch.rand(1, generator=rng).item()")])
def test_a_random_generator_passed_to_student_code_is_drawn_from_and_advanced(tmp_path, make, draw):
    """Item 5: the student's draws come from the test's generator, and the test's generator moves on past them,
    as when both run in one process (the generator crosses by its state, which comes back after the call)."""
    answer = f"import numpy as np, random, torch\n\ndef sample(rng):\n    ### BEGIN SOLUTION\n    " \
             f"return [{draw}, {draw}]\n    ### END SOLUTION\n"
    test = (f"import numpy as np, random, torch\nrng = {make}\nref = {make}\ndrawn = sample(rng)\n"
            f"assert drawn == [{draw.replace('rng', 'ref')}, {draw.replace('rng', 'ref')}]\n"
            f"assert {draw} == {draw.replace('rng', 'ref')}")
    path = _notebook(tmp_path, answer, {"test_rng": test})
    assignment = Assignment.from_notebook("w", path)
    assert pick_mode(assignment) == "secure"
    result = grade_notebook(assignment, path, "ann", LIMITS)
    assert result.score == 1, result.parts


def test_a_callback_that_raises_raises_in_the_students_code(tmp_path):
    answer = "def safe(f, x):\n    try:\n        return f(x)\n    except ValueError:\n        return 'caught'\n"
    test = "def bad(x):\n    raise ValueError('no')\nassert safe(bad, 1) == 'caught'\nassert safe(abs, -1) == 1"
    result = _graded(tmp_path, answer, {"test_raise": test})
    assert result.score == 1, result.parts


def test_isinstance_against_a_student_class_is_asked_of_the_sandbox(tmp_path):
    answer = "class Stack:\n    def __init__(self):\n        self.items = []\n\nclass Queue(Stack):\n    pass\n"
    test = ("s = Stack()\nassert isinstance(s, Stack) and isinstance(Queue(), (int, Stack))\n"
            "assert not isinstance([], Stack) and not isinstance(s, Queue)\n"
            "assert issubclass(Queue, Stack) and not issubclass(Stack, Queue)")
    result = _graded(tmp_path, answer, {"test_cls": test})
    assert result.score == 1, result.parts


def test_a_top_level_seed_in_a_test_reaches_the_students_generator(tmp_path):
    answer = "import numpy as np\n\ndef draw():\n    return float(np.random.rand())\n"
    test = ("import numpy as np\nnp.random.seed(7)\nfirst = draw()\nnp.random.seed(7)\n"
            "assert draw() == first\nassert first == np.random.RandomState(7).rand()")
    result = _graded(tmp_path, answer, {"test_seed": test})
    assert result.score == 1, result.parts


# ------------------------------------------------ student objects the secure mode cannot compare: loud, never silent
POINT = '''from dataclasses import dataclass

@dataclass
class Point:
    x: int
    y: int

def make_point(x, y):
    ### BEGIN SOLUTION
    return Point(x, y)
    ### END SOLUTION

class Stack:
    def __init__(self):
        self.items = []

    def __len__(self):
        return len(self.items)

def as_pair(p):
    ### BEGIN SOLUTION
    from collections import namedtuple
    return namedtuple("Pair", "x y")(p.x, p.y)
    ### END SOLUTION
'''
CHEAT = '''class Point:
    def __init__(self, *args):
        pass

    def __eq__(self, other):
        return True

def make_point(x, y):
    return Point()
'''


@pytest.mark.parametrize("mode", ["secure", "nbgrader"])
def test_a_student_class_compared_and_printed_by_the_test_grades_right_in_both_modes(tmp_path, mode):
    """Item 4: `==` of two student objects, repr(), str() and f-strings of one run the student's own methods in the
    sandbox (only a bool or a str comes back), as in a kernel."""
    tests = {"test_eq": "assert make_point(1, 2) == Point(1, 2) and make_point(1, 2) != Point(2, 1)",
             "test_repr": "p = make_point(1, 2)\n"
                          "assert repr(p) == 'Point(x=1, y=2)' and str([p]) == '[Point(x=1, y=2)]'",
             "test_text": "s = str\nassert s(make_point(1, 2)) == f'{make_point(1, 2)}' == 'Point(x=1, y=2)'",
             "test_tuple": "assert as_pair(make_point(1, 2)) == (1, 2) and as_pair(Point(3, 4)).y == 4"}
    path = _notebook(tmp_path, POINT, tests)
    assignment = Assignment.from_notebook("w", path)
    check(assignment, "secure")
    assignment.mode = mode
    result = grade_notebook(assignment, path, "ann", LIMITS)
    assert result.score == len(tests) and result.status == "graded", result.parts


@pytest.mark.parametrize("test, what", [("class P:\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n"
                                         "assert make_point(1, 2) == P(1, 2)", "`==`"),
                                        ("class Box:\n    pass\nassert make_point(Box(), 2).y == 2",
                                         "cannot carry into the sandbox")])
def test_what_the_secure_mode_cannot_honour_fails_loudly_not_silently(tmp_path, test, what):
    """A test the load-time analysis does not see through still never scores a correct answer 0 in silence: the
    part says the grader could not run it as written, and the status (`crashed`) and a note tell the instructor."""
    path = _notebook(tmp_path, POINT, {"test_it": test, "test_fine": "p = make_point(1, 2)\nassert p.x == 1 "
                                       "and p != None and p == p"})
    assignment = Assignment.from_notebook("w", path)
    assert pick_mode(assignment) == "secure"
    result = grade_notebook(assignment, path, "ann", LIMITS)
    parts = {p.grade_id: p for p in result.parts}
    assert parts["test_fine"].passed                       # a passing part is unaffected
    it = parts["test_it"]
    assert it.points == 0 and it.outcome == "crashed" and result.status == "crashed", result
    assert "could not run this test as written in the secure mode" in it.message and what in it.message
    assert "--mode nbgrader" in it.message
    assert any("test of `test_it`" in n and "--mode nbgrader" in n for n in result.notes), result.notes


def test_the_graders_own_descriptions_of_a_student_object_do_not_count(tmp_path):
    """dlbook.testing and the engine describe what a student returned; that is no use of the object by the test."""
    test = "from dlbook.testing import check_close\ncheck_close(make_point(1, 2), 3.0, 'make_point(1, 2)')"
    (part,) = (result := _graded(tmp_path, POINT, {"test_num": test})).parts
    assert part.outcome == "failed" and result.status == "graded" and "secure mode" not in part.message, part


def test_an_always_equal_object_still_cannot_pass_in_the_secure_mode(tmp_path):
    source = _notebook(tmp_path, POINT.replace("return Point(x, y)", "return {'x': x, 'y': y}"),
                       {"test_eq": "assert make_point(1, 2) == {'x': 1, 'y': 2}"})
    assignment = Assignment.from_notebook("w", source)
    assert pick_mode(assignment) == "secure"
    assert grade_notebook(assignment, source, "ann", LIMITS).score == 1
    nb = nbformat.read(source, as_version=4)
    nb.cells[0].source = CHEAT
    cheat = tmp_path / "cheat.ipynb"
    nbformat.write(nb, cheat)
    result = grade_notebook(assignment, cheat, "bob", LIMITS)
    assert result.score == 0 and not result.parts[0].passed, result
    # compared with the test's own data, "not equal" is the defence, not a limitation: no call for a regrade
    assert result.status == "graded" and "secure mode" not in result.parts[0].message, result


@pytest.mark.parametrize("test, passes", [("assert not Stack()", True), ("assert Stack()", False),
                                          ("s = Stack()\nassert (1 if s else 2) == 2", True)])
def test_the_truth_of_a_student_object_is_the_students_own(tmp_path, test, passes):
    """`if obj` / `assert not obj` ask the sandbox: the student's __len__/__bool__ decides, and only a bool crosses."""
    path = _notebook(tmp_path, POINT, {"test_it": test})
    assignment = Assignment.from_notebook("w", path)
    result = grade_notebook(assignment, path, "ann", LIMITS)
    (part,) = result.parts
    assert part.passed is passes and result.status == "graded", result


def test_printing_the_type_of_a_student_object_is_a_loud_limitation(tmp_path):
    """nbgrader's AUTOTEST templates check `str(type(x))`: for a student's own object the secure mode has only its
    proxy. A printed `<class '__main__...'>` in a test is seen at load time (nbgrader mode); one the analysis does
    not see fails loudly (status crashed), never scoring the answer 0 in silence."""
    seen = _notebook(tmp_path, POINT, {"t": "assert str(type(make_point(1, 2))) == \"<class '__main__.Point'>\""})
    assert pick_mode(Assignment.from_notebook("w", seen)) == "nbgrader"
    test = "p = make_point(1, 2)\nassert str(type(p)).endswith(\".Point'>\")"
    path = _notebook(tmp_path, POINT, {"test_type": test, "test_data": "assert str(type(as_pair(Point(1, 2)).x)) "
                                       "== \"<class 'int'>\""})
    result = grade_notebook(Assignment.from_notebook("w", path), path, "ann", LIMITS)
    parts = {p.grade_id: p for p in result.parts}
    assert parts["test_data"].passed and parts["test_type"].outcome == "crashed", result
    assert "type()" in parts["test_type"].message and result.status == "crashed"
    nbgrader = Assignment.from_notebook("w", path)
    nbgrader.mode = "nbgrader"
    assert grade_notebook(nbgrader, path, "ann", LIMITS).score == 2


def test_a_module_only_the_answer_imports_is_there_for_the_test(tmp_path):
    """Item 3: names bound by `import` in a student's cell. A test may use `np` that only the answer imported, as in
    a kernel; the grader imports numpy itself (the statement alone), so the test's `np` is the real module."""
    answer = "import numpy as np\nfrom math import factorial as fact\n\ndef mean(x):\n    return float(np.mean(x))\n"
    test = "assert np.isclose(mean(np.arange(3)), 1.0) and fact(3) == 6 and np.__name__ == 'numpy'"
    result = _graded(tmp_path, answer, {"test_np": test})
    assert result.score == 1, result.parts
    # only the import statement runs, and never one of a module that does something on import (a cell of the
    # student's own that imports unittest.__main__ exits in the sandbox; the grader does not import it at all)
    unbound = "try:\n    {0}\nexcept NameError:\n    pass\nelse:\n    raise AssertionError('{0} imported')\n"
    path = _notebook(tmp_path, answer, {"test_np": test, "test_um": unbound.format("um") + unbound.format("zen")
                                        + "assert run.__module__ in ('os', 'posix')"})
    nb = nbformat.read(path, as_version=4)
    meta = {"nbgrader": {"schema_version": 3, "locked": False, "solution": True, "grade": False, "grade_id": "more"}}
    nb.cells.insert(1, nbformat.v4.new_code_cell("from os import system as run\nimport this as zen\n"
                                                 "import unittest.__main__ as um", metadata=meta))
    nbformat.write(nb, path)
    result = grade_notebook(Assignment.from_notebook("w", path), path, "ann", LIMITS)
    assert result.score == 2 and any("SystemExit" in n for n in result.notes), result


def test_a_provided_variable_is_taken_back_as_data_only(tmp_path):
    """The student's copy of a provided variable reaches the test only as data: an object put in its place (one
    that claims to equal everything) does not, nor does a provided module the answer patched."""
    nb = nbformat.v4.new_notebook()
    meta = lambda **kw: {"nbgrader": {"schema_version": 3, "locked": False, **kw}}  # noqa: E731
    answer = "### BEGIN SOLUTION\ndata.append(3)\n### END SOLUTION"
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np\ndata = [1, 2]"),
                nbformat.v4.new_code_cell(answer, metadata=meta(solution=True, grade=False, grade_id="a")),
                nbformat.v4.new_code_cell("assert data == [1, 2, 3] and not np.allclose(0, 1)",
                                          metadata=meta(grade=True, solution=False, points=1, grade_id="t"))]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assignment = Assignment.from_notebook("x", path)
    assert grade_notebook(assignment, path, "ann", LIMITS).score == 1
    nb.cells[1].source = ("class Fake(list):\n    def __eq__(self, other):\n        return True\n"
                          "data = Fake()\ndata.append(0)\nnp.allclose = lambda *a, **k: True")
    nbformat.write(nb, path)
    assert grade_notebook(assignment, path, "bob", LIMITS).score == 0
