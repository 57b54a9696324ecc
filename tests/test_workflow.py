"""Grading as an instructor runs it, over weeks: default folders per assignment, resubmissions, the preflight
of the reference solution, and output an instructor can share but git will not publish (issue 10)."""
from __future__ import annotations

import json
import os
import stat
import subprocess

import pytest

from autograde.assignment import Assignment
from autograde.batch import BatchReport, PreflightFailed, WrongFolder, grade_batch
from autograde.sandbox import Limits

from .assignments import REPO
from .toy import NAME, cli, grades, notebook, repo, submit  # noqa: F401 - repo is a fixture

LIMITS = Limits(timeout=10)


def test_resubmission_is_regraded_and_unchanged_ones_skipped(repo, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    submit(subs, "ann", notebook('def double(x):\n    return x\n'))
    submit(subs, "ben", notebook())
    assignment = Assignment.load(NAME, repo)
    first = grade_batch(assignment, subs, out, LIMITS, jobs=1, progress=False, gradebook=False)
    assert (first["ann"].score, first["ben"].score) == (0, 2)
    submit(subs, "ann", notebook())                       # ann fixes her answer and submits again
    report = BatchReport()
    second = grade_batch(assignment, subs, out, LIMITS, jobs=1, progress=False, gradebook=False, report=report)
    assert second["ann"].score == 2 and report.graded == ["ann"] and report.skipped == 1
    assert grades(out)["ann"]["score"] == "2"


def test_the_command_line_grades_into_a_folder_per_assignment(repo, tmp_path):
    """Two assignments graded from the same folder land in autograded/<assignment>/ each, readable by others,
    ignored by git; an explicit --out holding another assignment's grades is refused."""
    other = repo / "solutions" / "toy2" / "toy2.ipynb"
    other.parent.mkdir(parents=True)
    other.write_text(notebook())
    subs = tmp_path / "subs"
    for name in (NAME, "toy2"):
        path = subs / "ann" / name / f"{name}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(notebook())
    work = tmp_path / "course"
    work.mkdir()
    for name in (NAME, "toy2"):
        proc = cli(repo, "grade", name, subs, "--quiet", cwd=work)
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        assert "skipped 0 unchanged" in stdout
    for name in (NAME, "toy2"):
        assert grades(work / "autograded" / name)["ann"]["score"] == "2"
    for path in (work / "autograded").rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            assert path.stat().st_mode & stat.S_IROTH, f"{path} is not readable by others"
    proc = cli(repo, "grade", "toy2", subs, "--out", work / "autograded" / NAME, "--quiet", cwd=work)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 3 and f"holds results of {NAME}" in stderr
    assert grades(work / "autograded" / NAME)["ann"]["assignment"] == NAME


def test_git_ignores_student_work_and_grades(tmp_path):
    for path in ("autograded/ch02-perceptron/grades.csv", "submitted/ann/ch02-perceptron/ch02-perceptron.ipynb",
                 "feedback/ann/ch02-perceptron/index.html", "autograded/x/results/ann.json"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO).returncode == 0, path


def test_wrong_folder_is_refused_before_anything_is_written(repo, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    submit(subs, "ann", notebook())
    grade_batch(Assignment.load(NAME, repo), subs, out, LIMITS, jobs=1, progress=False, gradebook=False)
    before = sorted(p.name for p in out.rglob("*"))
    other = Assignment.from_notebook("toy2", repo / "solutions" / NAME / f"{NAME}.ipynb")
    with pytest.raises(WrongFolder):
        grade_batch(other, subs, out, LIMITS, jobs=1, progress=False, gradebook=False)
    assert sorted(p.name for p in out.rglob("*")) == before


def test_preflight_stops_a_batch_whose_sandbox_cannot_grade_the_solution(repo, tmp_path):
    """A sandbox too small to import numpy would score every student 0 'crashed': the preflight says why first."""
    subs, out = tmp_path / "subs", tmp_path / "out"
    submit(subs, "ann", notebook())
    with pytest.raises(PreflightFailed) as err:
        grade_batch(Assignment.load(NAME, repo), subs, out, Limits(timeout=10, memory_mb=40), jobs=1,
                    progress=False, gradebook=False)
    assert "reference solution" in str(err.value) and "(crashed)" in str(err.value)
    assert "numpy" in str(err.value)
    assert not (out / "results").exists() or not os.listdir(out / "results")


def test_late_submissions_lose_points_and_formgrader_shows_the_class(repo, tmp_path):
    """nbgrader's timestamp.txt decides lateness; OUT is a course folder formgrader serves as it is."""
    from nbgrader.api import Gradebook

    from .test_gradebook import get, serve_formgrader

    subs, out = tmp_path / "subs", tmp_path / "out"
    for student, stamp in (("ann", "2026-12-01 22:00:00 UTC"), ("ben", "2026-12-02 01:30:00 UTC")):
        path = submit(subs, student, notebook())
        (path.parent / "timestamp.txt").write_text(stamp)
    proc = cli(repo, "grade", NAME, subs, "--out", out, "--due", "2026-12-01T23:59", "--late-penalty",
               "1/hour,max=5", "--quiet")
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    rows = grades(out)
    assert (rows["ann"]["score"], rows["ben"]["score"]) == ("2", "0")       # 1 h 31 min late: 2 points off
    assert "after the due date" in (out / "feedback" / "ben.html").read_text()
    gb = Gradebook(f"sqlite:///{out / 'gradebook.db'}")
    try:
        ben = gb.find_submission(NAME, "ben")
        assert ben.timestamp.isoformat().startswith("2026-12-02T01:30") and ben.late_submission_penalty == 2
        assert gb.find_assignment(NAME).duedate.isoformat().startswith("2026-12-01T23:59")
    finally:
        gb.close()
    with serve_formgrader(out, tmp_path) as (base, token):
        status, body = get(base, token, f"/formgrader/api/submitted_notebooks/{NAME}/{NAME}")
        assert status == 200 and {n["student"] for n in json.loads(body)} == {"ann", "ben"}
        status, body = get(base, token, f"/formgrader/api/submission/{NAME}/ben")
        assert status == 200 and json.loads(body)["autograded"]
        notebook_id = next(n["id"] for n in json.loads(get(base, token,
                           f"/formgrader/api/submitted_notebooks/{NAME}/{NAME}")[1]) if n["student"] == "ann")
        assert get(base, token, f"/formgrader/submissions/{notebook_id}/")[0] == 200


def test_magics_cost_nothing_and_skipped_shell_lines_are_noted(repo, tmp_path):
    from autograde.engine import grade_notebook

    answer = "%matplotlib inline\n%config InlineBackend.figure_format = 'retina'\n!pip install torch\n" \
             "%pip install numpy\n" + "def double(x):\n    return 2 * x\n"
    path = submit(tmp_path / "subs", "ann", notebook(answer))
    result = grade_notebook(Assignment.load(NAME, repo), path, "ann", LIMITS)
    assert result.score == 2 and result.status == "graded", result.notes
    skipped = [n for n in result.notes if n.startswith("Skipped")]
    assert len(skipped) == 2 and "`!pip install torch`" in skipped[0] and "no shell, no network" in skipped[0]
