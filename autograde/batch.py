"""Grading a whole class: each submission in its own grading process, results written as soon as they exist.

One submission can affect its own grade and nothing else: each is graded in a forked process of its own with a
wall-clock deadline, so a grader crash, a hang or a runaway reply while grading it ends as that student's status
(`crashed`, `timeout`) and the batch goes on. A killed run (SIGTERM, Ctrl-C) stops its graders and their sandboxes
within seconds and keeps every finished grade; a re-run grades only what is missing.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from tqdm.auto import tqdm

tqdm.monitor_interval = 0         # no monitor thread: grading processes are forked from this one

from .assignment import Assignment
from .engine import grader_failure, submission_budget
from . import lateness
from .intake import Submission, find_submissions, grade
from .lateness import LatePolicy
from .results import SubmissionResult, copy_for_formgrader, folder_lock, load_results, record, write_grades
from .sandbox import Limits, close_all, sweep_orphans

MAX_HASHED = 64 * 2**20           # a submission larger than any notebook we read is hashed this far
GRACE = 30.0                       # seconds past a submission's budget before its grading process is killed
MAX_RESULT_MESSAGE = 32 * 2**20    # a grading process's answer (a result record) is bounded too


@dataclass
class BatchReport:
    """What a run did, for the summary line and the exit code."""
    results: dict[str, SubmissionResult] = field(default_factory=dict)   # every result in OUT, by student
    graded: list[str] = field(default_factory=list)                      # graded in this run
    skipped: int = 0                                                     # already graded, not regraded
    stopped: bool = False                                                # interrupted by a signal
    left: int = 0                                                        # not graded because of the stop

    def statuses(self) -> Counter:
        return Counter(self.results[s].status for s in self.graded)


class Stopped(Exception):
    """SIGTERM or SIGINT arrived: stop grading, keep what is finished."""


class PreflightFailed(Exception):
    """The reference solution does not earn full marks in the sandbox: grading students would be unfair."""


class WrongFolder(Exception):
    """OUT holds another assignment's results."""


def grade_batch(assignment: Assignment, submissions_root: Path, out: Path, limits: Limits = Limits(),
                jobs: int | None = None, force: bool = False, student: str | None = None,
                progress: bool = True, gradebook: bool = True, report: BatchReport | None = None,
                preflight: bool = True, late: LatePolicy | None = None, several: bool = False,
                course_out: Path | None = None) -> dict[str, SubmissionResult]:
    """Grade every submission not graded in OUT or changed since (all with ``force``, one with ``student``).

    With ``preflight``, the reference solution is graded first, the same way; unless it earns full marks no
    student is graded (PreflightFailed says why). ``late`` takes late penalties off, as nbgrader does.
    ``several``: the assignment is one notebook of several (nbgrader's ps1/problem1.ipynb): only that notebook of each
    student's folder is graded. ``course_out``: where the gradebook and formgrader's copies go (default OUT).
    """
    from .analysis import check
    check(assignment, assignment.mode)      # UnsupportedAssignment before anything is written or run
    out = Path(out)
    check_folder(out, assignment.name)
    sweep_orphans()                   # sandboxes left by grading processes that were killed (SIGKILL, a crash)
    report = report if report is not None else BatchReport()
    with tempfile.TemporaryDirectory(prefix="autograde-unzip-") as unzip_dir:
        subs = find_submissions(Path(submissions_root), assignment.name, Path(unzip_dir),
                                notebook=assignment.notebook, several=several)
        if student is not None:
            subs = [s for s in subs if s.student == student]
            if not subs:
                raise ValueError(f"no submission from student {student!r} in {submissions_root}")
        done = load_results(out, assignment.name)
        fingerprints = {s.student: fingerprint(s) for s in subs}
        todo = [s for s in subs if force or student is not None or s.student not in done
                or done[s.student].sha256 != fingerprints[s.student]]
        report.skipped = len(subs) - len(todo)
        if preflight and todo:
            check_reference(assignment, limits)
        write_grades(out, assignment)
        course_out = Path(course_out) if course_out is not None else out
        book = _open_gradebook(course_out, assignment, late.due if late else None) if gradebook else None
        bar = tqdm(total=len(todo), desc=f"grading {assignment.name}", unit="submission", disable=not progress)

        def finish(sub: Submission, result: SubmissionResult) -> None:
            result.sha256 = fingerprints.get(sub.student)
            result.timestamp = sub.timestamp
            lateness.apply(result, late)
            with _signals_held():            # a stop lands after this grade is fully recorded, never inside
                record(out, sub.key, result)     # the gradebook's database code (which swallows exceptions)
                if gradebook:
                    copy_for_formgrader(course_out, assignment, sub, result)
                if book is not None:
                    with folder_lock(course_out):    # another run may write the same gradebook
                        book.record(result)
                report.graded.append(result.student)
            bar.update(1)
            bar.set_postfix_str(f"{result.student}: {result.score:g}/{result.max_score:g} {result.status}")

        try:
            with _stop_on_signals():
                _grade_all(assignment, todo, limits, max(1, jobs or os.cpu_count() or 1), finish)
        except Stopped:
            report.stopped = True
            report.left = len(todo) - len(report.graded)
        finally:
            bar.close()
            if book is not None:
                book.close()
            sweep_orphans()
            report.results = write_grades(out, assignment)
    return report.results


def check_folder(out: Path, assignment: str) -> None:
    """OUT is empty or holds this assignment's results only: one assignment's grades never replace another's."""
    out.mkdir(parents=True, exist_ok=True)
    others = sorted({r.assignment for r in load_results(out).values()} - {assignment})
    if others:
        raise WrongFolder(f"{out} holds results of {', '.join(others)}; grade {assignment} into a folder of its "
                          f"own (the default is autograded/{assignment})")


def fingerprint(sub: Submission) -> str:
    """What identifies the submitted content: the file's sha256 (or the reason it has none)."""
    if sub.path is None:
        return "problem:" + hashlib.sha256(str(sub.problem).encode()).hexdigest()
    digest = hashlib.sha256()
    try:
        fd = os.open(sub.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
                if f.tell() > MAX_HASHED:
                    break
    except OSError as err:
        return f"unreadable:{err.errno}"
    return digest.hexdigest()


def check_reference(assignment: Assignment, limits: Limits) -> SubmissionResult:
    """Grade the reference solution exactly as a student is graded: full marks and status `graded`, or stop."""
    graded = []
    reference = Submission("reference solution", Path(assignment.path), "reference")
    _grade_all(assignment, [reference], limits, 1, lambda sub, result: graded.append(result))
    result = graded[0]
    from .results import MANUAL, NO_RESPONSE
    autograded = [p for p in result.parts if p.outcome not in (MANUAL, NO_RESPONSE)]
    if sum(p.points for p in autograded) < sum(p.max_points for p in autograded) or result.status != "graded":
        failed = [p for p in autograded if not p.passed]
        cause = failed[0].message.splitlines()[0] if failed and failed[0].message else result.status
        notes = f" Notes: {' | '.join(result.notes[:3])}" if result.notes else ""
        raise PreflightFailed(
            f"the reference solution of {assignment.name} scored {result.score:g} of {result.max_score:g} "
            f"({result.status}) when graded in the sandbox, so no student was graded. First failure: "
            f"{failed[0].grade_id if failed else '-'}: {cause}.{notes} Check the sandbox line printed above, "
            "the interpreter (a symlinked or unreadable python path shows as 'exit code 127'), and the limits "
            "(--timeout, --memory).")
    return result


# ---------------------------------------------------------------- one grading process per submission

@dataclass
class _Job:
    sub: Submission
    proc: multiprocessing.Process
    conn: object
    deadline: float


def _grade_all(assignment: Assignment, todo: list[Submission], limits: Limits, jobs: int, finish) -> None:
    pending = list(reversed(todo))
    running: list[_Job] = []
    hard_limit = submission_budget(assignment, limits) + GRACE
    try:
        while pending or running:
            while pending and len(running) < jobs:
                sub = pending.pop()
                if sub.problem:                  # nothing to run: a link, a damaged zip member...
                    finish(sub, grade(assignment, sub, limits))
                    continue
                running.append(_start(assignment, sub, limits, hard_limit))
            ready = wait([j.conn for j in running] + [j.proc.sentinel for j in running], timeout=1.0)
            for job in list(running):
                result = _collect(assignment, job, ready, hard_limit)
                if result is not None:
                    running.remove(job)
                    finish(job.sub, result)
    finally:
        _stop_all(running)


def _start(assignment: Assignment, sub: Submission, limits: Limits, hard_limit: float) -> _Job:
    ctx = multiprocessing.get_context("fork")     # cheap: the grader's imports are already loaded
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_grading_process, args=(assignment, sub, limits, send), daemon=True)
    proc.start()
    send.close()
    return _Job(sub, proc, receive, time.monotonic() + hard_limit)


def _grading_process(assignment: Assignment, sub: Submission, limits: Limits, send) -> None:
    """Runs in the forked child: grade, send the record as JSON, exit. SIGTERM closes the sandboxes first."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)          # the parent decides when to stop
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    result = grade(assignment, sub, limits)
    send.send_bytes(json.dumps(result.to_dict()).encode())
    send.close()


def _exit_on_sigterm(signum, frame):
    """Close this process's sandboxes (unmount, remove) and exit, wherever the grading was."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    close_all()
    os._exit(143)


def _collect(assignment: Assignment, job: _Job, ready, hard_limit: float) -> SubmissionResult | None:
    """The job's result if it has one (or has failed), else None while it is still running."""
    if job.conn in ready or job.proc.sentinel in ready:
        try:
            data = job.conn.recv_bytes(maxlength=MAX_RESULT_MESSAGE) if job.conn.poll() else None
            result = SubmissionResult.from_dict(json.loads(data)) if data is not None else None
        except (EOFError, OSError, ValueError, TypeError):
            result = None
        _end(job, first_wait=2.0)
        if result is not None:
            return result
        return grader_failure(assignment, job.sub.student,
                              f"the grading process died without a result ({_exit_words(job.proc.exitcode)})")
    if time.monotonic() > job.deadline:
        _end(job)
        result = grader_failure(assignment, job.sub.student, f"grading took longer than {hard_limit:g} s")
        result.status = "timeout"
        return result
    return None


def _exit_words(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _end(job: _Job, grace: float = 5.0, first_wait: float = 0.0) -> None:
    """Stop a grading process: SIGTERM lets it close its sandbox, SIGKILL if it does not within ``grace``."""
    job.proc.join(first_wait)         # one that has sent its result is exiting on its own
    if job.proc.is_alive():
        job.proc.terminate()
        job.proc.join(grace)
    if job.proc.is_alive():
        job.proc.kill()
    job.proc.join(grace)
    job.conn.close()


def _stop_all(running: list[_Job]) -> None:
    for job in running:
        if job.proc.is_alive():
            job.proc.terminate()
    for job in running:
        _end(job)


class _signals_held:
    """SIGTERM and SIGINT wait (pending) until the block is done, then arrive as usual (main thread only)."""

    def __enter__(self):
        self.held = None
        if threading.current_thread() is threading.main_thread():
            self.held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})

    def __exit__(self, *exc):
        if self.held is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, self.held)
        return False


class _stop_on_signals:
    """SIGTERM and SIGINT raise Stopped in the main process while grading runs."""

    def __enter__(self):
        def stop(signum, frame):
            raise Stopped(signal.Signals(signum).name)
        self.saved = {}
        if threading.current_thread() is threading.main_thread():
            self.saved = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}

    def __exit__(self, *exc):
        for s, handler in self.saved.items():
            signal.signal(s, handler)
        return False


def _open_gradebook(out: Path, assignment: Assignment, duedate):
    from .gradebook import ClassGradebook
    with folder_lock(out):                       # two runs must not both create its tables
        return ClassGradebook(out / "gradebook.db", assignment, duedate)
