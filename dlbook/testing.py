"""Checks used by the assignments' visible and hidden tests.

Each check raises :class:`CheckFailed` (an ``AssertionError``) that keeps *what* was checked, what the
student returned, what was expected and a *hint*. Stock nbgrader shows the whole message; our grader shows a
hidden check's ``what``, ``got`` and ``hint`` but never its expected value.
"""
from __future__ import annotations

import numpy as np

__all__ = ["CheckFailed", "check_close", "check_equal", "check_shape", "check_dtype", "check_unchanged",
           "check_true", "check_raises", "check_tuple", "call_checked", "matching_mistake", "summarize"]


class CheckFailed(AssertionError):
    def __init__(self, what: str, problem: str, got=None, expected=None, hint: str | None = None):
        self.what, self.problem, self.hint = what, problem, hint
        self.got, self.expected = got, expected
        super().__init__(self.message(reveal_expected=True))

    def message(self, reveal_expected: bool) -> str:
        lines = [f"{self.what}: {self.problem}"]
        if self.expected is not None and reveal_expected:
            lines.append(f"  expected: {self.expected}")
        if self.got is not None:
            lines.append(f"  returned: {self.got}")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


def _as_array(x):
    """numpy view of arrays, tensors, lists and scalars (tensors are detached and moved to the CPU)."""
    if type(x).__module__.startswith("torch") and hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def summarize(x, limit: int = 8) -> str:
    """A short, readable description of a value: small arrays in full, large ones by shape and a few entries."""
    if x is None or isinstance(x, (bool, int, float, str, complex)):
        return repr(x)
    try:
        a = _as_array(x)
    except Exception:
        return f"<{type(x).__name__}>"
    if a.dtype == object:
        return f"<{type(x).__name__}>"
    if a.size <= limit:
        body = np.array2string(a, precision=5, separator=", ", suppress_small=True)
        return body if a.ndim == 0 else f"{body} (shape {a.shape}, dtype {a.dtype})"
    flat = np.array2string(a.ravel()[:limit], precision=5, separator=", ")[:-1]
    return f"array of shape {a.shape}, dtype {a.dtype}: {flat}, ...]"


def _is_tensor(x) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def _array_or_fail(x, what, hint):
    if x is None:
        raise CheckFailed(what, "nothing was returned (None)", hint=hint or "did you forget `return`?")
    try:
        a = _as_array(x)
    except Exception:
        raise CheckFailed(what, f"returned a {type(x).__name__}, not an array or number", hint=hint) from None
    if a.dtype == object:
        raise CheckFailed(what, f"returned a {type(x).__name__} that is not numeric", summarize(x), hint=hint)
    return a


def check_shape(got, shape, what: str, hint: str | None = None):
    a = _array_or_fail(got, what, hint)
    if tuple(a.shape) != tuple(shape):
        raise CheckFailed(what, "wrong shape", f"shape {tuple(a.shape)}", f"shape {tuple(shape)}", hint)


def check_dtype(got, kind: str, what: str, hint: str | None = None):
    """``kind`` is a numpy kind string: 'f' float, 'i' signed int, 'iu' any int, 'b' bool, 'fiu' numeric."""
    a = _array_or_fail(got, what, hint)
    if a.dtype.kind not in kind:
        names = {"f": "float", "i": "integer", "u": "unsigned integer", "b": "bool"}
        want = " or ".join(names.get(k, k) for k in kind)
        raise CheckFailed(what, "wrong dtype", str(a.dtype), want, hint)


def matching_mistake(got, mistakes, rtol: float = 1e-6, atol: float = 1e-10) -> str | None:
    """The hint of the first known mistake whose value equals what was returned, else None.

    ``mistakes`` holds ``(value, hint)`` pairs: what a known mistake returns on the same input (a value, or a
    function of no arguments computing it, so that a mistake that cannot be evaluated is simply skipped).
    """
    try:
        g = np.asarray(_as_array(got), dtype=float)
    except Exception:  # noqa: BLE001 - not numeric: no mistake matches
        return None
    for value, hint in mistakes:
        try:
            with np.errstate(all="ignore"):
                v = np.asarray(_as_array(value() if callable(value) else value), dtype=float)
            if g.shape == v.shape and np.all(np.isfinite(v)) and np.allclose(g, v, rtol=rtol, atol=atol):
                return hint
        except Exception:  # noqa: BLE001 - a mistake that cannot be computed here matches nothing
            continue
    return None


def check_close(got, expected, what: str, rtol: float = 1e-6, atol: float = 1e-8, hint: str | None = None,
                mistakes=()):
    """Values equal up to tolerance, with the same shape; NaN or inf in the result always fails.

    ``mistakes``: ``(value, hint)`` pairs (see :func:`matching_mistake`); when the result equals a known mistake's
    value, the failure shows that mistake's hint instead of ``hint``.
    """
    if mistakes:
        try:
            _check_close(got, expected, what, rtol, atol, hint)
        except CheckFailed as err:
            err.hint = matching_mistake(got, mistakes) or err.hint
            raise
        return
    _check_close(got, expected, what, rtol, atol, hint)


def _check_close(got, expected, what: str, rtol: float, atol: float, hint: str | None):
    a = _array_or_fail(got, what, hint)
    e = _as_array(expected)
    if a.shape != e.shape:
        raise CheckFailed(what, "wrong shape", f"shape {a.shape}: {summarize(a)}", f"shape {e.shape}", hint)
    if a.dtype.kind not in "biuf":
        raise CheckFailed(what, f"the result is not numeric (dtype {a.dtype})", summarize(a), summarize(e), hint)
    if np.any(~np.isfinite(a.astype(float)) & np.isfinite(e.astype(float))):
        raise CheckFailed(what, "the result contains NaN or inf", summarize(a), summarize(e),
                          hint or "look for overflow (exp of a large number) or log(0)")
    if not np.allclose(a.astype(float), e.astype(float), rtol=rtol, atol=atol, equal_nan=True):
        err = float(np.max(np.abs(a.astype(float) - e.astype(float)))) if a.size else 0.0
        raise CheckFailed(what, f"values differ (largest absolute difference {err:.3g})", summarize(a),
                          summarize(e), hint)


def check_tuple(got, length: int, what: str, hint: str | None = None):
    """A tuple (or list) of ``length`` items, e.g. ``(loss, grad)``; returns it for unpacking."""
    if not isinstance(got, (tuple, list)) or len(got) != length:
        problem = (f"returned a {type(got).__name__}" if not isinstance(got, (tuple, list))
                   else f"returned {len(got)} items")
        raise CheckFailed(what, f"{problem}, not {length} values", summarize(got) if not isinstance(
            got, (tuple, list)) else None, hint=hint or f"end with: return {', '.join(['...'] * length)}")
    return got


def call_checked(what: str, fn, *args, hint: str | None = None, shape_hint: str | None = None, **kwargs):
    """``fn(*args, **kwargs)``, with numeric failures turned into failed checks that explain them.

    A FloatingPointError (overflow, log(0), 0/0 under ``np.errstate(all="raise")``) fails with ``hint``; a
    ValueError or IndexError (shapes that do not fit) fails with ``shape_hint`` when one is given, else propagates.
    """
    try:
        return fn(*args, **kwargs)
    except FloatingPointError as err:
        raise CheckFailed(what, f"your function raised FloatingPointError ({err})",
                          hint=hint or "look for overflow (exp of a large number), log(0) or 0/0") from None
    except (ValueError, IndexError) as err:
        if shape_hint is None:
            raise
        raise CheckFailed(what, f"your function raised {type(err).__name__} ({str(err)[:200]})",
                          hint=shape_hint) from None


def check_equal(got, expected, what: str, hint: str | None = None):
    """Exact equality for arrays (same shape, same values) and for plain Python values."""
    if isinstance(expected, (bool, int, str, type(None))) and not isinstance(got, np.ndarray):
        is_bool = lambda v: isinstance(v, (bool, np.bool_))  # noqa: E731 - True must not pass for 1
        if is_bool(got) != is_bool(expected) or (type(got) is str) != (type(expected) is str) or got != expected:
            raise CheckFailed(what, "wrong value", summarize(got), summarize(expected), hint)
        return
    a = _array_or_fail(got, what, hint)
    e = _as_array(expected)
    if a.shape != e.shape:
        raise CheckFailed(what, "wrong shape", f"shape {a.shape}: {summarize(a)}", f"shape {e.shape}", hint)
    if not np.array_equal(a, e):
        wrong = int(np.sum(a != e))
        raise CheckFailed(what, f"{wrong} of {a.size} entries differ", summarize(a), summarize(e), hint)


def check_unchanged(before, after, what: str = "the input", hint: str | None = None):
    """The caller keeps a copy of an input before the call; the input must be identical afterwards."""
    b, a = _as_array(before), _as_array(after)
    if b.shape != a.shape or not np.array_equal(a, b, equal_nan=True):
        raise CheckFailed(f"{what} was modified by your function", "inputs must not be changed in place",
                          hint=hint or "work on a copy (x = x.copy()) or build new arrays instead of using +=, [...] =")


def check_true(condition, what: str, got=None, hint: str | None = None):
    if not bool(condition):
        raise CheckFailed(what, "the check did not hold", None if got is None else summarize(got), hint=hint)


def check_raises(fn, exception, what: str, hint: str | None = None):
    """``fn()`` must raise ``exception`` (a class or tuple of classes)."""
    try:
        fn()
    except exception:
        return
    except Exception as err:  # noqa: BLE001 - any other exception is reported as such
        raise CheckFailed(what, f"raised {type(err).__name__} instead of {_names(exception)}",
                          str(err)[:200], hint=hint) from None
    raise CheckFailed(what, f"no {_names(exception)} was raised", hint=hint)


def _names(exception) -> str:
    if isinstance(exception, tuple):
        return " or ".join(e.__name__ for e in exception)
    return exception.__name__


def call_explained(what: str, fn, *args, hint: str, errors=(RuntimeError, ValueError, TypeError, IndexError),
                   **kwargs):
    """``fn(*args, **kwargs)``; an exception of one of ``errors`` fails the check with ``hint``.

    For calls whose crash has a usual cause worth naming: a torch dtype or shape error ("labels must be int64",
    "x is channels first"). NotImplementedError (an unanswered part) and other exceptions propagate unchanged.
    """
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except errors as err:
        name = type(err).__name__
        name = name[len("Student"):] if name.startswith("Student") and len(name) > 7 else name
        raise CheckFailed(what, f"your function raised {name} ({str(err)[:200]})", hint=hint) from None


__all__ += ["call_explained"]
