"""Command line: python -m autograde {grade,validate,gradescope,report,release} ..."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import REPO


def _release(args) -> int:
    from .release import main
    main(args.assignments, Path(args.repo))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograde", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
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
