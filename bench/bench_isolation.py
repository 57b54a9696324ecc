"""What the sandbox's limits hold against four hostile submissions, and what they cost the rest of a batch.

    .venv/bin/python bench/bench_isolation.py

For a fork bomb, a memory bomb spread over processes, a disk filler and a notebook of slow cells it prints:
the limit set, the peak the attack actually reached inside one sandbox, and the time to grade a batch of honest
submissions of a tiny assignment with and without the attack among them (2 jobs).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograde.assignment import Assignment  # noqa: E402
from autograde.batch import grade_batch  # noqa: E402
from autograde.engine import submission_budget  # noqa: E402
from autograde.sandbox import Limits, Sandbox, describe_enforcement  # noqa: E402

LIMITS = Limits(timeout=10, memory_mb=1024, max_procs=64, disk_mb=256)
HONEST = 4

FORK_BOMB = """
import os, time
children = 0
for _ in range(10_000):
    try:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        children += 1
    except OSError:
        break
print("PEAK", children, "processes")
"""
MEMORY_BOMB = """
import os, time
pids = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        block = bytearray(600 * 2**20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(3)
        os._exit(0)
    pids.append(pid)
alive = sum(os.waitpid(p, 0)[1] == 0 for p in pids)
print("PEAK", alive, "of 3 children of 600 MB finished")
"""
DISK_FILLER = """
import os
written = 0
chunk = b"x" * 2**20
for folder in (os.getcwd(), "/tmp", "/dev/shm"):
    try:
        for i in range(32):                      # files of 32 MB: each under the per-file limit
            with open(os.path.join(folder, f"fill{i}"), "wb") as f:
                for _ in range(32):
                    f.write(chunk)
                    written += 1
    except OSError:
        pass
print("PEAK", written, "MB written in 3 folders (1 GB tried in each)")
"""
SLOW_CELLS = ["import time\ntime.sleep(9)"] * 8       # each under the 10 s cell limit, 72 s together

SOLUTION = 'def double(x):\n    """2 * x."""\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n'
TEST = "assert double(2) == 4\n### BEGIN HIDDEN TESTS\nassert double(-3) == -6\n### END HIDDEN TESTS\n"


def notebook(extra: list[str] = ()) -> str:
    def cell(source, **meta):
        return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {"schema_version": 3, **meta}} if meta else {})
    nb = nbformat.v4.new_notebook()
    nb.cells = [cell("import numpy as np"), *(cell(code) for code in extra),
                cell(SOLUTION, solution=True, grade=False, locked=False, grade_id="double"),
                cell(TEST, grade=True, solution=False, locked=True, points=1, grade_id="test_double")]
    return nbformat.writes(nb)


def peak(code: str) -> tuple[str, float | None]:
    """Run the attack in one sandbox; what it reports, and the memory cgroup's peak."""
    box = Sandbox(LIMITS)
    box.start()
    try:
        reply, _ = box.request({"op": "run", "code": code}, deadline=time.monotonic() + 60)
        memory = box.peak_memory_mb()
        text = box.output()
    finally:
        box.close()
    line = next((ln for ln in text.splitlines() if ln.startswith("PEAK")), None)
    if line is None:
        line = "PEAK (the process was stopped: " + ("ok" if reply.get("ok") else str(reply.get("error", {}))[:80]) + ")"
    return line[5:], memory


def batch_seconds(tmp: Path, assignment: Assignment, attack: list[str] | None) -> tuple[float, object]:
    subs = tmp / f"subs-{time.monotonic_ns()}"
    for i in range(HONEST):
        _write(subs / f"honest{i}" / "toy" / "toy.ipynb", notebook())
    if attack is not None:
        _write(subs / "attacker" / "toy" / "toy.ipynb", notebook(attack))
    start = time.perf_counter()
    results = grade_batch(assignment, subs, subs / "out", LIMITS, jobs=2, progress=False, gradebook=False)
    seconds = time.perf_counter() - start
    assert all(results[f"honest{i}"].score == 1 for i in range(HONEST)), results
    return seconds, results.get("attacker")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main() -> None:
    print(f"enforcement: {describe_enforcement(LIMITS)}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _write(tmp / "solutions" / "toy" / "toy.ipynb", notebook())
        assignment = Assignment.load("toy", tmp)
        budget = submission_budget(assignment, LIMITS)
        attacks = [("fork bomb", f"{LIMITS.max_procs} processes", FORK_BOMB),
                   ("memory bomb, 3 processes", f"{LIMITS.memory_mb} MB per submission", MEMORY_BOMB),
                   ("disk filler", f"{LIMITS.disk_mb} MB per folder", DISK_FILLER),
                   ("slow cells (8 x 9 s)", f"{budget:g} s per submission", None)]
        clean, _ = batch_seconds(tmp, assignment, None)
        print(f"\nbatch of {HONEST} honest submissions alone: {clean:.1f} s\n")
        print(f"{'attack':26} {'limit':24} {'peak reached':52} {'cgroup MB':>9} {'batch s':>8}")
        for name, limit, code in attacks:
            reached, memory = peak(code) if code is not None else (None, None)
            seconds, attacker = batch_seconds(tmp, assignment, [code] if code is not None else SLOW_CELLS)
            if code is None:
                reached = f"graded in {attacker.seconds:.1f} s ({attacker.status}), not 72 s"
            mem = f"{memory:9.0f}" if memory is not None else f"{'-':>9}"
            print(f"{name:26} {limit:24} {reached[:52]:52} {mem} {seconds:8.1f}")


if __name__ == "__main__":
    main()
