"""Gradient checking: compare an analytic gradient with centred finite differences.

The centred difference (f(x + eps) - f(x - eps)) / (2 eps) has an error of order eps^2, against eps for the
one-sided one; with eps = 1e-6 in float64 it typically agrees with a right gradient to 1e-8 relative or better.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["numerical_gradient", "GradCheckReport", "gradcheck"]

# Floor of the denominator of the relative error (the CS231n convention): entries where both gradients are
# below it are compared on an absolute scale instead of dividing noise by noise.
_TINY = 1e-8


def _numpy(x) -> np.ndarray:
    if hasattr(x, "detach") and type(x).__module__.startswith("torch"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _scalar(value) -> float:
    a = _numpy(value)
    if a.size != 1 or a.dtype.kind not in "biuf":
        raise ValueError(f"f must return a single number, got {type(value).__name__} of shape {a.shape}")
    return float(a.reshape(()))


def numerical_gradient(f, x, eps: float = 1e-6) -> np.ndarray:
    """The gradient of the scalar function ``f`` at ``x`` by centred differences, as float64 of x's shape.

    A float64 numpy ``x`` is perturbed in place, one entry at a time, and each entry is put back to its exact
    old value right after (also when ``f`` raises), so ``f`` may equally read its argument or close over ``x``
    (e.g. a layer's weight array). Other inputs (lists, numbers) are copied to float64 first.
    """
    if not (isinstance(eps, numbers.Real) and eps > 0):
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    if isinstance(x, np.ndarray):
        if x.dtype != np.float64:
            # float32 cannot resolve eps = 1e-6 (its spacing near 1 is 1.2e-7), and an integer array cannot
            # be perturbed at all: better say so than return a silently wrong gradient.
            raise ValueError(f"x must be a float64 array, got {x.dtype}; pass x.astype(np.float64)")
    else:
        x = np.array(_numpy(x), dtype=np.float64)
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        try:
            x[idx] = old + eps
            f_plus = _scalar(f(x))
            x[idx] = old - eps
            f_minus = _scalar(f(x))
        finally:
            x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


@dataclass
class GradCheckReport:
    """The result of :func:`gradcheck`. ``bool(report)`` is ``report.ok``, so ``assert gradcheck(...)`` works."""

    max_rel_error: float
    max_abs_error: float
    ok: bool
    worst_index: tuple
    tol: float

    def __bool__(self) -> bool:
        return bool(self.ok)

    def __str__(self) -> str:
        verdict = "OK" if self.ok else "FAILED"
        return (f"gradcheck {verdict}: max relative error {self.max_rel_error:.2e} (tol {self.tol:.0e}) "
                f"at index {self.worst_index}, max absolute error {self.max_abs_error:.2e}")


def gradcheck(f, x, analytic, eps: float = 1e-6, tol: float = 1e-6) -> GradCheckReport:
    """Compare ``analytic`` (the gradient you derived, at ``x``) with :func:`numerical_gradient` of ``f``.

    Relative error per entry: |a - n| / max(|a| + |n|, 1e-8); the check passes when its maximum is <= tol.
    """
    if not (isinstance(tol, numbers.Real) and tol > 0):
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    num = numerical_gradient(f, x, eps)
    ana = _numpy(analytic).astype(np.float64)
    if ana.shape != num.shape:
        raise ValueError(f"analytic gradient has shape {ana.shape} but x has shape {num.shape}")
    if num.size == 0:
        return GradCheckReport(0.0, 0.0, True, (), float(tol))
    abs_err = np.abs(ana - num)
    rel_err = abs_err / np.maximum(np.abs(ana) + np.abs(num), _TINY)
    # NaN compares false with everything, so it would pass `<= tol` unseen: make it the worst error instead.
    abs_err = np.nan_to_num(abs_err, nan=np.inf, posinf=np.inf)
    rel_err = np.nan_to_num(rel_err, nan=np.inf, posinf=np.inf)
    worst = np.unravel_index(int(np.argmax(rel_err)), num.shape)
    max_rel = float(rel_err[worst])
    return GradCheckReport(max_rel_error=max_rel, max_abs_error=float(abs_err.max()), ok=max_rel <= tol,
                           worst_index=tuple(int(i) for i in worst), tol=float(tol))
