"""nbgrader's example course (ps1: problem1, problem2; students bitdiddle and hacker): our grader against stock
`nbgrader autograde`, time and per-cell agreement, in each of our modes.

    .venv/bin/python bench/bench_nbgrader_compat.py [REPEAT]

Each run is a fresh command (`nbgrader autograde ps1 --force`, `python -m autograde grade ps1 ... --course`), timed
end to end, best of REPEAT (default 1); ours includes its preflight (the source graded first, per notebook). A mode
that refuses the assignment (a test it cannot honour) says so with the cell and the reason. Then every row of
nbgrader's example course and fixtures (tests/nbgrader_cases.py) is compared with stock nbgrader's auto score.
"""
from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.nbgrader_cases import CASES, EXPECTED, build, compare, nbgrader, ours_rows  # noqa: E402


def ours(course: Path, out: Path, mode: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograde", "grade", "ps1", str(course / "submitted"), "--course",
                           str(course), "--mode", mode, "--out", str(out), "--quiet", "--force", "--jobs", "2"],
                          capture_output=True, text=True, cwd=ROOT)


def best(fn, repeat: int) -> tuple[float, object]:
    times, last = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        last = fn()
        times.append(time.perf_counter() - start)
    return min(times), last


def totals(out: Path) -> dict[str, str]:
    found = {}
    for grades in sorted(out.rglob("grades.csv")):
        for row in csv.DictReader(grades.open()):
            found.setdefault(row["student"], []).append(f"{grades.parent.name} {row['score']}/{row['max_score']}")
    return {s: ", ".join(v) for s, v in found.items()}


def main(repeat: int = 1) -> None:
    ps1 = next(c for c in CASES if c.name == "ps1")
    with tempfile.TemporaryDirectory() as tmp:
        course = build(ps1, Path(tmp) / "course")
        t_stock, proc = best(lambda: nbgrader(course, "autograde", "ps1", "--force"), repeat)
        print(f"nbgrader's example course ps1 (2 notebooks x 2 students), best of {repeat}:\n")
        print(f"{'grader':34} {'seconds':>8}  result")
        print(f"{'stock nbgrader autograde':34} {t_stock:8.1f}  exit {proc.returncode}")
        for mode in ("nbgrader", "auto", "secure"):
            out = Path(tmp) / f"out-{mode}"
            t, proc = best(lambda: ours(course, out, mode), repeat)
            if proc.returncode == 3:
                refused = proc.stderr.strip().splitlines()[0][:90]
                print(f"{'ours --mode ' + mode:34} {t:8.1f}  refused: {refused}")
                continue
            print(f"{'ours --mode ' + mode:34} {t:8.1f}  exit {proc.returncode}: {totals(out)}")
        print("\nEvery row of the example course and the fixtures against stock nbgrader's auto score:")
        for mode in ("auto", "nbgrader", "secure"):
            rows = {}
            for case in CASES:
                rows.update(ours_rows(case, build(case, Path(tmp) / f"{mode}-{case.name}"), mode))
            match, mismatch, differ = compare(EXPECTED, rows)
            refused = sum(1 for k in EXPECTED if rows.get(k) == "refused")
            print(f"  --mode {mode:9} {len(match)} of {len(EXPECTED)} rows match; {refused} refused at load time "
                  f"(never graded); {len(mismatch) - sum(rows.get(k) == 'refused' for k in mismatch)} graded "
                  "differently")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
