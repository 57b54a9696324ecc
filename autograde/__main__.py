"""Command line: python -m autograde {grade,validate,gradescope,report,release} ..."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import REPO


def _release(args) -> int:
    from .release import main
    main(args.assignments, Path(args.repo))
    return 0


def _grade(args) -> int:
    from .assignment import Assignment
    from .batch import grade_batch
    from .sandbox import Limits
    assignment = Assignment.load(args.assignment, Path(args.repo))
    limits = Limits(timeout=args.timeout, memory_mb=args.memory)
    results = grade_batch(assignment, Path(args.submissions), Path(args.out), limits, jobs=args.jobs,
                          force=args.force, student=args.student, progress=not args.quiet)
    total = len(results)
    mean = sum(r.score for r in results.values()) / total if total else 0.0
    print(f"{total} graded submissions in {args.out}/grades.csv; mean score {mean:.2f} / {assignment.max_score:g}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograde", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("grade", help="grade every submission of an assignment")
    grade.add_argument("assignment", help="chapter id, e.g. ch02-perceptron")
    grade.add_argument("submissions", help="<student>/<assignment>/*.ipynb, <student>.ipynb files, or a .zip")
    grade.add_argument("--jobs", type=int, default=os.cpu_count(), help="parallel gradings (default: cores)")
    grade.add_argument("--timeout", type=float, default=60.0, help="seconds per graded part (default 60)")
    grade.add_argument("--memory", type=int, default=2048, help="MB of memory for student code (default 2048)")
    grade.add_argument("--out", default="autograded", help="output folder (default ./autograded)")
    grade.add_argument("--force", action="store_true", help="regrade students already graded in --out")
    grade.add_argument("--student", help="grade (or regrade) only this student")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    grade.add_argument("--repo", default=str(REPO), help=argparse.SUPPRESS)
    grade.set_defaults(func=_grade)

    rel = sub.add_parser("release", help="regenerate exercises/<id> from solutions/<id> with nbgrader")
    rel.add_argument("assignments", nargs="+")
    rel.add_argument("--repo", default=str(REPO))
    rel.set_defaults(func=_release)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
