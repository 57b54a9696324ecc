"""One submission affects its own grade and nothing else: the batch against a crashing, dying or hanging grader,
slow cells, signals, concurrent runs, odd student ids and links, and a runaway reply (issue 9).

A tiny assignment keeps these fast; tests/corpus.py attacks the real ch02 assignment the same way.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from autograde import batch, engine
from autograde.assignment import Assignment
from autograde.batch import BatchReport, grade_batch
from autograde.sandbox import Limits

from .toy import NAME, cli, grades, notebook, repo, submit  # noqa: F401 - repo is a fixture


def test_a_broken_grader_costs_only_its_submission(repo, tmp_path, monkeypatch):
    """A grader exception, a grading process that dies and one that hangs: three statuses, ten honest grades."""
    real = engine._grade

    def sabotaged(assignment, path, student, *rest):
        if student == "grader-bug":
            raise RuntimeError("a bug in the grader")
        if student == "grader-dies":
            os.kill(os.getpid(), signal.SIGKILL)
        if student == "grader-hangs":
            time.sleep(600)
        return real(assignment, path, student, *rest)

    monkeypatch.setattr(engine, "_grade", sabotaged)      # forked grading processes inherit it
    monkeypatch.setattr(batch, "GRACE", 1.0)
    subs = tmp_path / "subs"
    honest = [f"student{i:02d}" for i in range(10)]
    for student in honest + ["grader-bug", "grader-dies", "grader-hangs"]:
        submit(subs, student, notebook())
    assignment = Assignment.load(NAME, repo)
    start = time.monotonic()
    report = BatchReport()
    results = grade_batch(assignment, subs, tmp_path / "out", Limits(timeout=10, submission_timeout=8), jobs=2,
                          progress=False, gradebook=False, report=report)
    assert time.monotonic() - start < 90
    assert all(results[s].score == 2 and results[s].status == "graded" for s in honest)
    assert results["grader-bug"].status == "crashed" and "grader failed" in results["grader-bug"].notes[0]
    assert results["grader-dies"].status == "crashed" and "died" in results["grader-dies"].notes[0]
    assert results["grader-hangs"].status == "timeout"
    assert len(grades(tmp_path / "out")) == 13 and len(report.graded) == 13


def test_slow_cells_are_bounded_by_the_submission_budget(repo, tmp_path):
    """Every cell and every replay counts against one wall-clock budget (slow cells once took 67 s at 1 s):
    each cell here stays under the 1 s limit, together they overrun the budget."""
    slow = notebook(extra=["import time\ntime.sleep(0.8)"] * 8)
    path = submit(tmp_path / "subs", "slow", slow)
    assignment = Assignment.load(NAME, repo)
    limits = Limits(timeout=1)
    budget = engine.submission_budget(assignment, limits)
    result = engine.grade_notebook(assignment, path, "slow", limits)
    assert result.seconds < budget + 5, (result.seconds, budget)
    assert result.status == "timeout" and result.score == 0
    assert any("time budget" in n for n in result.notes) and "time budget" in result.parts[0].message


def _sandbox_processes(marker: str) -> list[str]:
    """Sandboxes still running whose command line names ``marker`` (their run's temporary folder)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmd:
            found.append(cmd)
    return found


def test_sigterm_stops_within_seconds_and_a_rerun_resumes(repo, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    for i in range(6):
        submit(subs, f"s{i}", notebook(extra=["import time\ntime.sleep(2)"]))
    scratch = tmp_path / "scratch"          # this run's sandboxes live here, apart from other tests' ones
    scratch.mkdir()
    proc = cli(repo, "grade", NAME, subs, "--out", out, "--jobs", 2, "--quiet",
               env={**os.environ, "TMPDIR": str(scratch)})
    deadline = time.monotonic() + 120
    while not list(out.glob("results/*.json")):       # stop it once the first grade is written
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    stdout, stderr = proc.communicate(timeout=30)
    assert time.monotonic() - stopped < 15
    assert proc.returncode == 130, stderr
    assert "stopped by a signal" in stdout
    time.sleep(1)
    assert _sandbox_processes(str(scratch)) == []
    assert [p.name for p in scratch.iterdir() if p.name.startswith("autograde-sbx")] == []
    kept = grades(out)
    assert 1 <= len(kept) < 6 and all(r["score"] == "2" for r in kept.values())
    rerun = cli(repo, "grade", NAME, subs, "--out", out, "--jobs", 2, "--quiet")
    stdout, stderr = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, stderr
    assert f"skipped {len(kept)} unchanged" in stdout
    assert len(grades(out)) == 6


def test_concurrent_single_student_runs_keep_both_rows(repo, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    for student in ("ann", "ben"):
        submit(subs, student, notebook())
    procs = [cli(repo, "grade", NAME, subs, "--out", out, "--student", s, "--quiet") for s in ("ann", "ben")]
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.communicate()
    assert sorted(grades(out)) == ["ann", "ben"]


def test_odd_student_ids_and_links(repo, tmp_path):
    """Every folder is graded or reported; links are refused, never followed; ids are written safely."""
    subs, out = tmp_path / "subs", tmp_path / "out"
    odd = ["Mary Ann", "josé", "o'brien", "=HYPERLINK(x)", "<b>bold"]
    for student in odd:
        submit(subs, student, notebook())
    (subs / "linked" / NAME).mkdir(parents=True)
    (subs / "linked" / NAME / f"{NAME}.ipynb").symlink_to(repo / "solutions" / NAME / f"{NAME}.ipynb")
    (subs / "folder-link").symlink_to(subs / "Mary Ann")
    results = grade_batch(Assignment.load(NAME, repo), subs, out, Limits(timeout=10), jobs=2, progress=False)
    assert {s: results[s].score for s in odd} == {s: 2 for s in odd}
    for student in ("linked", "folder-link"):
        assert results[student].status == "invalid-notebook" and results[student].score == 0
        assert "link" in " ".join(results[student].notes)
    rows = grades(out)
    assert "'=HYPERLINK(x)" in rows and "=HYPERLINK(x)" not in rows
    names = [p.name for p in (out / "results").iterdir()] + [p.name for p in (out / "feedback").iterdir()]
    assert all("/" not in n and "<" not in n and not n.startswith("=") for n in names)
    assert "<b>bold" not in "".join(p.read_text() for p in (out / "feedback").iterdir())


RSS_SCRIPT = """
import resource, sys
from pathlib import Path
from autograde.assignment import Assignment
from autograde.engine import grade_notebook
from autograde.sandbox import Limits
assignment = Assignment.from_notebook("toy", Path(sys.argv[1]))
limits = Limits(timeout=30, max_reply_mb=64)
for path in sys.argv[1:]:
    result = grade_notebook(assignment, Path(path), "s", limits)
    print(result.parts[0].outcome, "|", result.parts[0].message.splitlines()[0], "|",
          resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def test_the_grader_stays_small_whatever_the_reply(repo, tmp_path):
    """A 100 MB reply fails its part with a message; a 60 MB one is read. The grader's peak memory grows by at
    most a few copies of the 64 MB cap over grading an honest notebook (a 100 MB string once took it to 606 MB)."""
    huge, big = ('def double(x):\n    return "x" * {}\n'.format(n) for n in (100_000_000, 60_000_000))
    paths = [submit(tmp_path / "subs", student, notebook(answer))
             for student, answer in (("huge", huge), ("big", big))]
    source = repo / "solutions" / NAME / f"{NAME}.ipynb"
    proc = subprocess.run([sys.executable, "-c", RSS_SCRIPT, str(source), *map(str, paths)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (_, _, honest_mb), (outcome, message, huge_mb), (_, big_message, big_mb) = (
        [field.strip() for field in line.split("|")] for line in proc.stdout.strip().splitlines())
    assert outcome == "failed" and "64 MB" in message, message
    assert "64 MB" not in big_message, big_message          # read, then failed by the test on its value
    assert int(huge_mb) - int(honest_mb) < 100, proc.stdout
    assert int(big_mb) - int(honest_mb) < 3 * 64 + 40, proc.stdout
