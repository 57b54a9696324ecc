"""Where torch runs (CUDA or CPU), how big the experiments are, and seeding.

torch is imported inside the functions: ``import dlbook`` must stay fast for the grader, which never needs it.
"""
from __future__ import annotations

import os
import random

__all__ = ["device", "describe", "full_size", "seed_everything"]

_DEVICE_ENV = "DLBOOK_DEVICE"
_FULL_ENV = "DLBOOK_FULL"
_TRUE = ("1", "true", "yes")
_FALSE = ("", "0", "false", "no")


def device(prefer: str | None = None):
    """The ``torch.device`` the book computes on.

    The environment variable ``DLBOOK_DEVICE`` ('cpu', 'cuda' or 'cuda:N') wins over everything, so a reader can
    force the CPU on a GPU machine. Otherwise ``prefer`` ('cpu' or 'cuda') is used, and without it CUDA when
    available, else the CPU. Asking for CUDA where there is none raises ``RuntimeError``.
    """
    import torch

    env = os.environ.get(_DEVICE_ENV, "").strip().lower()
    if env:
        choice, source = env, f"the environment variable {_DEVICE_ENV}"
    elif prefer is not None:
        choice, source = str(prefer).strip().lower(), "prefer"
    else:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")

    if not (choice == "cpu" or choice == "cuda" or (choice.startswith("cuda:") and choice[5:].isdigit())):
        raise ValueError(f"{source} is {choice!r}; allowed: 'cpu', 'cuda' or 'cuda:N'")
    if choice.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"{source} asks for {choice!r} but CUDA is not available on this machine "
                           f"(torch {torch.__version__}); use 'cpu' or unset {_DEVICE_ENV}")
    return torch.device(choice)


def describe(dev=None) -> str:
    """One line naming the device, e.g. ``"cpu (torch 2.13.0, 2 threads)"``; ``dev`` defaults to :func:`device`."""
    import torch

    dev = device() if dev is None else torch.device(dev)
    version = torch.__version__.split("+")[0]  # drop the local tag such as "+cpu"
    if dev.type == "cuda":
        index = torch.cuda.current_device() if dev.index is None else dev.index
        return f"cuda:{index} ({torch.cuda.get_device_name(index)}, torch {version}, CUDA {torch.version.cuda})"
    return f"{dev} (torch {version}, {torch.get_num_threads()} threads)"


def full_size() -> bool:
    """True when ``DLBOOK_FULL`` is '1', 'true' or 'yes': run the full-size experiments meant for a GPU."""
    value = os.environ.get(_FULL_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    # A typo such as DLBOOK_FULL=on would otherwise silently run the small experiments.
    raise ValueError(f"{_FULL_ENV}={value!r} is not understood; use one of {_TRUE + _FALSE[1:]} or leave it unset")


def seed_everything(seed: int = 0) -> None:
    """Seed Python's ``random``, numpy's global generator and torch (CPU and every CUDA device)."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds all CUDA devices
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
