"""Helpers shared by the chapter benchmarks: the reference solutions and a timer."""
from __future__ import annotations

import math
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def solution_namespace(chapter: str, grade_ids: tuple[str, ...]) -> dict:
    """Execute the named cells (setup and solutions) of an assignment's source; return their namespace.

    Benchmarks time the reference solutions where they are written, so that there is a single copy of them.
    """
    path = ROOT / "solutions" / chapter / f"{chapter}.ipynb"
    namespace: dict = {}
    for cell in nbformat.read(str(path), as_version=4).cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade_id") in grade_ids:
            exec(compile(cell.source, f"<{path.name}>", "exec"), namespace)
    return namespace


def best_time(fn, budget: float, repeats: int, sync=lambda: None) -> float:
    """Best over `repeats` of the mean time of as many calls as fit in `budget` seconds (at least one).

    `sync` waits for queued device work (torch.cuda.synchronize) so that GPU timings are honest.
    """
    fn()  # warm up: first-call allocations, torch's kernel selection
    sync()
    best = math.inf
    for _ in range(repeats):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            sync()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= budget:
                break
        best = min(best, elapsed / calls)
    return best


def devices() -> list:
    """The torch devices to benchmark on: the CPU, and CUDA when there is one."""
    import torch
    found = [torch.device("cpu")]
    if torch.cuda.is_available():
        found.append(torch.device("cuda"))
    return found


def sync(dev) -> None:
    """Wait for the device's queued work, so that a GPU timing is honest."""
    import torch
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
