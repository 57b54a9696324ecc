"""dlbook.testing: every check passes right answers and fails wrong ones with a useful CheckFailed."""
import numpy as np
import pytest
import torch

from dlbook.testing import (CheckFailed, call_checked, check_close, check_dtype, check_equal, check_raises,
                            check_shape, check_true, check_tuple, check_unchanged, matching_mistake, summarize)

# A distinctive expected value: feedback for hidden tests must never show it.
SECRET = 314.159


def _fails(fn, *args, **kw) -> CheckFailed:
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kw)
    return info.value


def test_checkfailed_is_an_assertion_error_with_full_message():
    err = CheckFailed("the sum", "wrong value", got="1", expected="2", hint="did you add the bias?")
    assert isinstance(err, AssertionError)
    assert str(err) == "the sum: wrong value\n  expected: 2\n  returned: 1\n  hint: did you add the bias?"
    assert err.message(reveal_expected=False) == "the sum: wrong value\n  returned: 1\n  hint: did you add the bias?"
    assert CheckFailed("x", "bad").message(True) == "x: bad"


# --------------------------------------------------------------------------- check_close

def test_check_close_passes():
    check_close(np.array([1.0, 2.0]), [1.0, 2.0 + 1e-9], "v")
    check_close(torch.tensor([1.0, 2.0], requires_grad=True), np.array([1.0, 2.0]), "tensor")
    check_close(0.1 + 0.2, 0.3, "a number")
    check_close([1.0, 2.0], [1.1, 2.0], "loose", rtol=0.1)
    check_close(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), "NaN where expected")


def test_check_close_wrong_value_hides_expected():
    err = _fails(check_close, np.array([1.0, 2.0]), np.array([1.0, SECRET]), "the output", hint="did you square?")
    assert "values differ" in err.problem and err.what == "the output" and err.hint == "did you square?"
    hidden = err.message(reveal_expected=False)
    assert "314.159" not in hidden and "314.16" not in hidden
    assert "returned" in hidden and "did you square?" in hidden
    assert "314.159" in err.message(reveal_expected=True)


def test_check_close_wrong_shape_nan_and_type():
    err = _fails(check_close, np.ones(3), np.full(2, SECRET), "v")
    assert err.problem == "wrong shape" and "314.159" not in err.message(False)
    err = _fails(check_close, np.array([np.nan, 1.0]), np.array([SECRET, 1.0]), "v")
    assert "NaN or inf" in err.problem and "overflow" in err.hint and "314.159" not in err.message(False)
    assert "inf" in _fails(check_close, np.array([np.inf]), np.array([1.0]), "v").problem
    assert "None" in _fails(check_close, None, 1.0, "v").problem
    assert "not numeric" in _fails(check_close, np.array(["a"]), np.array([1.0]), "v").problem
    assert "not numeric" in _fails(check_close, [object()], [1.0], "v").problem


# --------------------------------------------------------------------------- check_equal

def test_check_equal_passes():
    check_equal(np.array([1, 2, 3]), [1, 2, 3], "labels")
    check_equal(torch.tensor([[1, 0]]), np.array([[1, 0]]), "tensor labels")
    check_equal(5, 5, "an int")
    check_equal("xor", "xor", "a string")
    check_equal(True, True, "a bool")
    check_equal(None, None, "None")


def test_check_equal_fails():
    err = _fails(check_equal, np.array([1, 2, 3]), np.array([1, 2, 314159]), "labels")
    assert err.problem == "1 of 3 entries differ" and "314159" not in err.message(False)
    assert _fails(check_equal, np.array([1, 2]), np.array([1, 2, 3]), "labels").problem == "wrong shape"
    assert _fails(check_equal, 4, 5, "count").problem == "wrong value"
    assert "5" not in _fails(check_equal, 4, 5, "count").message(False).replace("4", "")
    # True == 1 in Python, but a bool is not a count and a count is not a flag: both directions fail.
    assert _fails(check_equal, True, 1, "count").problem == "wrong value"
    assert _fails(check_equal, 1, True, "flag").problem == "wrong value"
    check_equal(np.True_, True, "numpy bool")
    assert _fails(check_equal, "or", "xor", "name").problem == "wrong value"
    assert "forget `return`" in _fails(check_equal, None, np.array([1]), "labels").hint


# --------------------------------------------------------------------------- check_shape / check_dtype

def test_check_shape():
    check_shape(np.zeros((2, 3)), (2, 3), "W")
    check_shape(torch.zeros(4), [4], "b")
    err = _fails(check_shape, np.zeros((3, 2)), (2, 3), "W", hint="transposed?")
    assert err.problem == "wrong shape" and err.got == "shape (3, 2)" and err.hint == "transposed?"
    assert "(2, 3)" not in err.message(False) and "(2, 3)" in err.message(True)
    assert "None" in _fails(check_shape, None, (1,), "W").problem


@pytest.mark.parametrize("value, kind", [(np.zeros(2), "f"), (np.zeros(2, np.float32), "f"), (np.arange(2), "i"),
                                         (np.arange(2, dtype=np.uint8), "iu"), (np.array([True]), "b"),
                                         (torch.zeros(2, dtype=torch.int64), "i"), (3, "fiu")])
def test_check_dtype_passes(value, kind):
    check_dtype(value, kind, "x")


def test_check_dtype_fails():
    err = _fails(check_dtype, np.zeros(2), "i", "labels", hint="use argmax, not round")
    assert err.problem == "wrong dtype" and err.got == "float64" and err.expected == "integer"
    assert "integer" not in err.message(False)
    assert _fails(check_dtype, np.arange(3), "f", "x").expected == "float"
    assert _fails(check_dtype, np.arange(3, dtype=np.uint8), "i", "x").problem == "wrong dtype"


# --------------------------------------------------------------------------- check_unchanged

def test_check_unchanged():
    x = np.array([1.0, np.nan, 3.0])
    before = x.copy()
    check_unchanged(before, x, "x")  # NaN equals NaN here
    x[0] += 1  # what a student's in-place `+=` does
    err = _fails(check_unchanged, before, x, "x")
    assert err.what == "x was modified by your function" and "copy" in err.hint
    t = torch.ones(2)
    saved = t.clone()
    t.mul_(2)
    assert "hint me" in _fails(check_unchanged, saved, t, hint="hint me").hint
    assert _fails(check_unchanged, np.ones(2), np.ones(3)).what == "the input was modified by your function"


# --------------------------------------------------------------------------- check_true / check_raises

def test_check_true():
    check_true(True, "holds")
    check_true(np.all(np.array([1, 2]) > 0), "numpy bool")
    err = _fails(check_true, False, "probabilities sum to 1", got=np.array([0.2, 0.3]), hint="softmax over rows?")
    assert err.problem == "the check did not hold" and "0.2" in err.got and err.hint == "softmax over rows?"
    assert _fails(check_true, 0, "zero").got is None


def test_check_raises():
    check_raises(lambda: int("x"), ValueError, "int of a word")
    check_raises(lambda: [][1], (KeyError, IndexError), "empty list")
    err = _fails(check_raises, lambda: None, ValueError, "bad shape rejected", hint="check the shape first")
    assert err.problem == "no ValueError was raised" and err.hint == "check the shape first"
    err = _fails(check_raises, lambda: {}["k"], (ValueError, TypeError), "bad input")
    assert err.problem == "raised KeyError instead of ValueError or TypeError" and "'k'" in err.got


# --------------------------------------------------------------------------- summarize

def test_summarize():
    assert summarize(None) == "None" and summarize(1.5) == "1.5" and summarize("a") == "'a'"
    assert summarize(np.array([1, 2])) == "[1, 2] (shape (2,), dtype int64)"
    assert summarize(np.array(2.5)) == "2.5"
    big = summarize(np.arange(100))
    assert big.startswith("array of shape (100,), dtype int64: [0, 1,") and big.endswith(", ...]")
    assert "shape (2,)" in summarize(torch.tensor([1.0, 2.0], requires_grad=True))
    assert summarize(object()) == "<object>"


# --------------------------------------------------------------------------- mistakes, tuples, calls

def test_check_close_names_the_mistake_whose_value_was_returned():
    mistakes = [(lambda: 1 / 0, "never computed"), ([6.0], "the sum, not the mean"), ([2.0], "wrong sign")]
    err = _fails(check_close, [6.0], [2.0 / 3.0 * 3], "loss", hint="the mean of the errors", mistakes=mistakes)
    assert err.hint == "the sum, not the mean"
    err = _fails(check_close, [5.0], [2.0], "loss", hint="the mean of the errors", mistakes=mistakes)
    assert err.hint == "the mean of the errors"
    check_close([2.0], [2.0], "loss", mistakes=mistakes)           # right answers never consult the mistakes
    assert matching_mistake("text", mistakes) is None and matching_mistake([np.nan], [([np.nan], "x")]) is None


def test_check_tuple_returns_the_items():
    loss, grad = check_tuple((1.0, [2.0]), 2, "mse")
    assert loss == 1.0 and grad == [2.0]
    assert "not 2 values" in _fails(check_tuple, 1.0, 2, "mse").problem
    assert _fails(check_tuple, (1, 2, 3), 2, "mse").problem == "returned 3 items, not 2 values"


def test_call_checked_explains_numeric_and_shape_failures():
    assert call_checked("double", lambda x: 2 * x, 3) == 6
    with np.errstate(all="raise"):
        err = _fails(call_checked, "softmax of 1000", np.exp, np.array([1000.0]), hint="subtract the max first")
    assert "FloatingPointError" in err.problem and err.hint == "subtract the max first"
    err = _fails(call_checked, "a (3, 2) batch", np.dot, np.ones((3, 2)), np.ones((3, 2)), shape_hint="W @ x")
    assert err.hint == "W @ x" and "ValueError" in err.problem
    with pytest.raises(ValueError):
        call_checked("no shape hint", int, "x")


def test_call_explained_turns_a_crash_into_a_hint():
    from dlbook.testing import call_explained
    assert call_explained("double", lambda x: 2 * x, 3, hint="h") == 6
    err = _fails(call_explained, "labels", lambda: (_ for _ in ()).throw(RuntimeError("expected Long")),
                 hint="convert the labels to int64")
    assert err.hint == "convert the labels to int64" and "RuntimeError (expected Long)" in err.problem
    with pytest.raises(NotImplementedError):
        call_explained("unanswered", lambda: (_ for _ in ()).throw(NotImplementedError()), hint="h")
    with pytest.raises(KeyError):
        call_explained("other errors pass", lambda: {}["k"], hint="h")
