"""The cheat and breakage corpus through stock `nbgrader autograde` and through ours, side by side.

    .venv/bin/python bench/bench_cheats_vs_nbgrader.py [ASSIGNMENT]

Prints, for every case, the points the last (attacked) part earned under each grader and the status ours gave.
A cheat "wins" when the attacked part scores above 0. Stock nbgrader runs each submission in its own
`nbgrader autograde --student` call so that a submission that kills the grader cannot hide the others; it runs
under a 4 GB address-space cap only to protect this machine. Two cases are not run under stock nbgrader: the
process flood (no process cap there: it would take the machine down).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograde.assignment import Assignment  # noqa: E402
from autograde.batch import grade_batch  # noqa: E402
from autograde.sandbox import Limits  # noqa: E402
from bench import stock_nbgrader  # noqa: E402
from tests.assignments import part_points, source_path  # noqa: E402
from tests.corpus import CASES, build  # noqa: E402

UNSAFE_FOR_STOCK = {"process-flood"}
ESCAPES = [ROOT / "ESCAPED", Path("/tmp/autograde-escape"), Path.home() / "autograde-escape"]


def main(name: str = "ch02-perceptron") -> None:
    points = part_points(name)
    honest = sum(points[:-1])
    files = {c.name: build(c, name) for c in CASES}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subs = tmp / "subs"
        for student, data in files.items():
            (subs / student / name).mkdir(parents=True)
            (subs / student / name / f"{name}.ipynb").write_bytes(data)
        ours = grade_batch(Assignment.load(name, ROOT), subs, tmp / "ours", Limits(timeout=30), jobs=2,
                           progress=False, gradebook=False)
        escaped_ours = [str(p) for p in ESCAPES if p.exists()]
        for p in ESCAPES:
            p.unlink(missing_ok=True)
        stock_root = stock_nbgrader.course(tmp / "stock", name, source_path(name),
                                           {k: v for k, v in files.items() if k not in UNSAFE_FOR_STOCK})
        stock_notes = {}
        for student in sorted(files):
            if student in UNSAFE_FOR_STOCK:
                continue
            _, proc = stock_nbgrader.autograde(stock_root, name, student)
            if proc.returncode != 0:
                stock_notes[student] = "nbgrader exited with an error"
        stock = stock_nbgrader.scores(stock_root, name)
        escaped_stock = [str(p) for p in ESCAPES if p.exists()]
        for p in ESCAPES:
            p.unlink(missing_ok=True)

    def attacked(total, case):
        if total is None:
            return "no grade"
        base = sum(points) if case.full_marks else honest
        return f"{total - base:+g}" if case.raw is None else f"{total:g}"

    print(f"Cheat corpus on {name}: points of the attacked part beyond the honest ones "
          f"(honest parts are worth {honest:g} of {sum(points):g}).\n")
    print(f"{'case':26} {'kind':7} {'stock nbgrader':>16} {'ours':>6}  our status")
    wins_stock = wins_ours = 0
    for case in CASES:
        s = "not run" if case.name in UNSAFE_FOR_STOCK else attacked(stock.get(case.name), case)
        o = attacked(ours[case.name].score, case)
        if case.kind == "cheat":
            wins_stock += s.startswith("+") and s != "+0"
            wins_ours += o.startswith("+") and o != "+0"
        note = stock_notes.get(case.name, "")
        print(f"{case.name:26} {case.kind:7} {s:>16} {o:>6}  {ours[case.name].status} {note}")
    print(f"\ncheats that gained points: stock nbgrader {wins_stock}, ours {wins_ours} "
          f"(of {sum(c.kind == 'cheat' for c in CASES)})")
    print(f"files written outside the sandbox: stock {escaped_stock or 'none'}, ours {escaped_ours or 'none'}")


if __name__ == "__main__":
    main(*sys.argv[1:])
