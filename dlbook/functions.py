"""Numerically safe elementwise and row-wise functions that several chapters use.

Taught in Chapter 4 (Section on numerical stability); defined once here so that later chapters import them
instead of re-deriving them. Both accept anything ``numpy.asarray`` accepts and return float arrays.
"""
from __future__ import annotations

import numpy as np


def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), without overflow for any z."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_softmax(a, axis: int = -1):
    """log softmax(a) along `axis`; subtracting the maximum first keeps exp from overflowing."""
    a = np.asarray(a, dtype=float)
    shifted = a - a.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(a, axis: int = -1):
    """exp(a) / sum(exp(a)) along `axis` (the classes); rows of a batch by default."""
    a = np.asarray(a, dtype=float)
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
