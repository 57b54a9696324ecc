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
    from .analysis import UnsupportedAssignment, check, pick_mode
    from .assignment import Assignment, InvalidAssignment
    from .batch import BatchReport, PreflightFailed, WrongFolder, grade_batch
    from .lateness import parse_policy
    from .sandbox import Limits, describe_enforcement
    try:
        if args.course:
            assignments = Assignment.from_course(Path(args.course).resolve(), args.assignment)
        else:
            assignments = [Assignment.load(args.assignment, Path(args.repo))]
    except InvalidAssignment as err:
        print(f"autograde: the assignment cannot be graded as it is: {err}", file=sys.stderr)
        return 3
    for assignment in assignments:
        assignment.mode = pick_mode(assignment) if args.mode == "auto" else args.mode
        try:
            check(assignment, assignment.mode)
        except UnsupportedAssignment as err:
            print(f"autograde: {assignment.notebook}.ipynb: {err}", file=sys.stderr)
            return 3
    limits = Limits(timeout=args.timeout, memory_mb=args.memory, submission_timeout=args.submission_timeout,
                    max_reply_mb=args.max_reply_mb)
    print(f"sandbox: {describe_enforcement(limits)}", file=sys.stderr)
    top = Path(args.out or Path("autograded") / args.assignment)
    try:
        late = parse_policy(args.due, args.late_penalty)
    except ValueError as err:
        print(f"autograde: {err}", file=sys.stderr)
        return 2
    several = len(assignments) > 1
    if several:            # the gradebook knows every notebook before a submission of any is recorded
        from .gradebook import ClassGradebook
        from .results import folder_lock
        top.mkdir(parents=True, exist_ok=True)
        with folder_lock(top):
            for assignment in assignments:
                ClassGradebook(top / "gradebook.db", assignment).close()
    stopped = False
    for assignment in assignments:
        out = top / assignment.notebook if several else top
        print(f"{assignment.notebook}.ipynb: mode {assignment.mode}", file=sys.stderr)
        report = BatchReport()
        try:
            grade_batch(assignment, Path(args.submissions), out, limits, jobs=args.jobs, force=args.force,
                        student=args.student, progress=not args.quiet, report=report,
                        preflight=not args.no_preflight, late=late, several=several, course_out=top)
        except (PreflightFailed, WrongFolder) as err:
            print(f"autograde: {err}", file=sys.stderr)
            return 3
        print((f"{assignment.notebook}.ipynb: " if several else "") + summary(report, assignment, out))
        stopped = stopped or report.stopped
        if report.stopped:
            break
    return 130 if stopped else 0


def summary(report, assignment, out) -> str:
    """What the run did: how many graded and skipped, by status, and who needs the instructor's attention."""
    from .text import clean
    results = report.results
    mean = sum(r.score for r in results.values()) / len(results) if results else 0.0
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(report.statuses().items()))
    lines = [f"graded {len(report.graded)} submissions ({statuses or 'none'}); skipped {report.skipped} "
             f"unchanged; {len(results)} in {out}/grades.csv, mean {mean:.2f} / {assignment.max_score:g}"]
    for status in ("crashed", "invalid-notebook"):
        names = [clean(s, 80) for s in report.graded if results[s].status == status]
        if names:
            lines.append(f"{status}: {', '.join(names)} (see their notes in {out}/feedback)")
    if report.stopped:
        lines.append(f"stopped by a signal: {report.left} submissions not graded; run the same command again to "
                     "grade them (finished grades are kept)")
    return "\n".join(lines)


def _export(args) -> int:
    from .gradebook import export_with_manual
    db = Path(args.out) / "gradebook.db"
    if not db.is_file():
        print(f"autograde: no gradebook in {args.out} (grade into it first)", file=sys.stderr)
        return 2
    text = export_with_manual(db, args.assignment, with_manual=args.with_manual)
    name = "grades-with-manual.csv" if args.with_manual else "grades-auto.csv"
    from .results import write_atomic
    write_atomic(Path(args.out) / name, text)
    print(text, end="")
    print(f"\nwritten: {args.out}/{name}", file=sys.stderr)
    return 0


def _validate(args) -> int:
    from .validate import validate
    return validate(Path(args.notebook), timeout=args.timeout, repo=Path(args.repo))


def _report(args) -> int:
    from .report import report
    print(report(Path(args.out)))
    print(f"\nwritten: {args.out}/report.html, {args.out}/score_histogram.png")
    return 0


def _gradescope(args) -> int:
    from .gradescope import build_bundle
    path = build_bundle(args.assignment, Path(args.output), Path(args.repo), args.timeout, args.memory)
    print(f"Gradescope autograder bundle: {path} (upload it as a zip autograder)")
    return 0


def _gradescope_run(args) -> int:
    from .gradescope import run
    from .sandbox import Limits
    data = run(args.assignment, Path(args.submission), Path(args.results),
               Limits(timeout=args.timeout, memory_mb=args.memory), Path(args.repo))
    print(f"score {data['score']}")
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
    grade.add_argument("--submission-timeout", type=float, default=None,
                       help="wall-clock seconds for one whole submission (default: timeout x (parts + 2))")
    grade.add_argument("--max-reply-mb", type=int, default=64,
                       help="largest value student code may return, in MB (default 64)")
    grade.add_argument("--out", default=None, help="output folder (default ./autograded/ASSIGNMENT)")
    grade.add_argument("--due", help="due date, ISO 8601 (UTC unless a zone is given): lateness is recorded")
    grade.add_argument("--late-penalty", help="points off per hour or day started after --due: '1/hour', "
                                              "'10/day', '2/hour,max=6' (default: none)")
    grade.add_argument("--no-preflight", action="store_true",
                       help="skip grading the reference solution first (it must earn full marks)")
    grade.add_argument("--force", action="store_true", help="regrade every student, changed or not")
    grade.add_argument("--student", help="grade (or regrade) only this student")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    grade.add_argument("--course", help="an nbgrader course folder: the assignment is source/ASSIGNMENT/ (every "
                                        "notebook in it, with its data files and helper modules)")
    grade.add_argument("--mode", choices=("secure", "nbgrader", "auto"), default="secure",
                       help="secure (default): tests run outside the sandbox against proxies of the student's "
                            "objects; nbgrader: tests run beside the student's code in the sandbox, as nbgrader "
                            "runs them (weaker against tampering, see the README); auto: the mode the assignment's "
                            "tests need. An assignment whose tests the mode cannot honour is refused (exit 3)")
    grade.add_argument("--repo", default=str(REPO), help=argparse.SUPPRESS)
    grade.set_defaults(func=_grade)

    val = sub.add_parser("validate", help="check your notebook against the visible tests before submitting")
    val.add_argument("notebook")
    val.add_argument("--timeout", type=float, default=60.0, help="seconds per part (default 60)")
    val.add_argument("--repo", default=str(REPO), help=argparse.SUPPRESS)
    val.set_defaults(func=_validate)

    gs = sub.add_parser("gradescope", help="build a Gradescope autograder bundle for an assignment")
    gs.add_argument("assignment")
    gs.add_argument("-o", "--output", default="autograder.zip")
    gs.add_argument("--timeout", type=float, default=60.0)
    gs.add_argument("--memory", type=int, default=2048)
    gs.add_argument("--repo", default=str(REPO), help=argparse.SUPPRESS)
    gs.set_defaults(func=_gradescope)

    gsr = sub.add_parser("gradescope-run", help=argparse.SUPPRESS)   # called by the bundle's run_autograder
    gsr.add_argument("assignment")
    gsr.add_argument("submission")
    gsr.add_argument("results")
    gsr.add_argument("--timeout", type=float, default=60.0)
    gsr.add_argument("--memory", type=int, default=2048)
    gsr.add_argument("--repo", default=str(REPO), help=argparse.SUPPRESS)
    gsr.set_defaults(func=_gradescope_run)

    exp = sub.add_parser("export", help="grades from the grading folder's gradebook (per cell, every notebook)")
    exp.add_argument("out", help="the --out folder of `grade` (it holds gradebook.db)")
    exp.add_argument("assignment")
    exp.add_argument("--with-manual", action="store_true",
                     help="add the manual scores given in nbgrader's formgrader to the automatic ones")
    exp.set_defaults(func=_export)

    rep = sub.add_parser("report", help="class summary of a grading folder")
    rep.add_argument("out", help="the --out folder of `grade`")
    rep.set_defaults(func=_report)

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
