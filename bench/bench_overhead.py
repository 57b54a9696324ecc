"""Grading overhead per submission over bare execution of the same notebook with nbclient.

    .venv/bin/python bench/bench_overhead.py [ASSIGNMENT] [REPEATS]

Bare: the source notebook (solutions and hidden tests) executed by nbclient in a fresh kernel.
Ours: the same notebook graded by autograde.engine (sandbox start, student cells, tests on the trusted side).
Target (issue 3): at most 1.5 s of overhead per submission. Median of REPEATS runs each.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograde.assignment import Assignment  # noqa: E402
from autograde.engine import grade_notebook  # noqa: E402
from tests.assignments import source_path  # noqa: E402


def bare(path: Path) -> float:
    nb = nbformat.read(str(path), as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    return time.perf_counter() - start


def ours(name: str, path: Path) -> float:
    assignment = Assignment.load(name, ROOT)
    start = time.perf_counter()
    result = grade_notebook(assignment, path, "bench")
    assert result.score == assignment.max_score, result
    return time.perf_counter() - start


def main(name: str = "ch02-perceptron", repeats: int = 5) -> None:
    path = source_path(name)
    b = statistics.median(bare(path) for _ in range(int(repeats)))
    o = statistics.median(ours(name, path) for _ in range(int(repeats)))
    print(f"{name}: bare nbclient {b:.2f} s, autograde {o:.2f} s, overhead {o - b:+.2f} s per submission "
          f"(target <= 1.5 s: {'met' if o - b <= 1.5 else 'NOT met'})")


if __name__ == "__main__":
    main(*sys.argv[1:])
