"""Grading throughput on 40 ch02 submissions (correct, partial, broken): ours at --jobs 1 and 2, stock nbgrader.

    .venv/bin/python bench/bench_throughput.py [N]

Targets (issue 3): at least 1.8x stock nbgrader's throughput with 2 jobs on 2 cores, and no slower with 1 job.
All three runs grade the same files in one invocation of this script, one after the other.
"""
from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograde.assignment import Assignment  # noqa: E402
from autograde.batch import grade_batch  # noqa: E402
from autograde.sandbox import Limits  # noqa: E402
from bench import stock_nbgrader  # noqa: E402
from tests.assignments import part_points, prefix_notebook, source_path  # noqa: E402
from tests.corpus import CASES, build  # noqa: E402

NAME = "ch02-perceptron"
BROKEN = ["syntax-error", "renamed-function", "deleted-answer-cells", "sys-exit", "os-exit", "invalid-json",
          "empty-file", "stderr-warnings"]


def submissions(n: int) -> dict[str, bytes]:
    """40% correct, 40% partial (a random number of parts done), 20% broken."""
    rng = random.Random(0)
    parts = len(part_points(NAME))
    cases = {c.name: c for c in CASES}
    out = {}
    for i in range(n):
        kind = ("correct", "partial", "broken")[0 if i % 5 < 2 else 1 if i % 5 < 4 else 2]
        if kind == "correct":
            data = source_path(NAME).read_bytes()
        elif kind == "partial":
            data = nbformat.writes(prefix_notebook(NAME, rng.randrange(1, parts))).encode()
        else:
            data = build(cases[BROKEN[i % len(BROKEN)]], NAME)
        out[f"s{i:03d}-{kind}"] = data
    return out


def ours(files: dict[str, bytes], tmp: Path, jobs: int) -> float:
    subs = tmp / f"subs{jobs}"
    for student, data in files.items():
        (subs / student / NAME).mkdir(parents=True)
        (subs / student / NAME / f"{NAME}.ipynb").write_bytes(data)
    start = time.perf_counter()
    grade_batch(Assignment.load(NAME, ROOT), subs, tmp / f"out{jobs}", Limits(), jobs=jobs, progress=False)
    return time.perf_counter() - start


def main(n: int = 40) -> None:
    files = submissions(int(n))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        stock_root = stock_nbgrader.course(tmp / "stock", NAME, source_path(NAME), files)
        stock_s, proc = stock_nbgrader.autograde(stock_root, NAME)
        if proc.returncode != 0:
            print("stock nbgrader reported errors (expected for broken files):", proc.stderr.strip()[-300:])
        one = ours(files, tmp, 1)
        two = ours(files, tmp, 2)
    rate = lambda s: len(files) / s  # noqa: E731
    print(f"{len(files)} submissions of {NAME} on {os.cpu_count()} cores")
    print(f"{'grader':26} {'seconds':>8} {'subs/s':>8} {'vs nbgrader':>12}")
    print(f"{'stock nbgrader autograde':26} {stock_s:8.1f} {rate(stock_s):8.2f} {1.0:12.2f}x")
    print(f"{'ours, --jobs 1':26} {one:8.1f} {rate(one):8.2f} {stock_s / one:12.2f}x")
    print(f"{'ours, --jobs 2':26} {two:8.1f} {rate(two):8.2f} {stock_s / two:12.2f}x")
    print(f"target: >= 1.8x at 2 jobs ({'met' if stock_s / two >= 1.8 else 'NOT met'}), "
          f">= 1.0x at 1 job ({'met' if stock_s / one >= 1.0 else 'NOT met'})")


if __name__ == "__main__":
    main(*sys.argv[1:])
