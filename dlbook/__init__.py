"""Support library of the deep-learning book.

``dlbook.device()``, ``dlbook.describe()``, ``dlbook.full_size()`` and ``dlbook.seed_everything()`` are here;
the submodules ``dlbook.data``, ``dlbook.plot``, ``dlbook.gradcheck``, ``dlbook.functions``, ``dlbook.train`` and ``dlbook.testing``
load on first use, so that importing ``dlbook`` pulls in neither torch nor matplotlib (the grader imports
``dlbook.testing`` in a process that must start fast).

Note: the name ``dlbook.device`` is the *function*; reach the module's other names through
``from dlbook.device import describe`` (or ``dlbook.describe``).
"""
from __future__ import annotations

import importlib

from .device import describe, device, full_size, seed_everything
from .selfcheck import validate  # `dlbook.validate()`: a student's self-check from inside the notebook

__all__ = ["device", "describe", "full_size", "seed_everything", "validate",
           "data", "plot", "gradcheck", "functions", "train", "testing"]

_SUBMODULES = ("data", "plot", "gradcheck", "functions", "train", "testing")


def __getattr__(name: str):
    # Called only for names not yet set: imports the submodule on first access.
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'dlbook' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
