"""The grader's command line and outputs: layouts, durability, feedback, gradebook, report, validate, Gradescope."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import nbformat
import pytest

from .assignments import REPO, part_points, prefix_notebook, release_path, source_path

NAME = "ch02-perceptron"
PY = sys.executable


def autograde(*args, cwd=REPO, env=None, timeout=300):
    return subprocess.run([PY, "-m", "autograde", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=timeout)


def write_class(root, layout="nbgrader"):
    """A small class: full marks, nothing done, three parts done, and a broken file."""
    notebooks = {"ada": source_path(NAME).read_bytes(), "bob": release_path(NAME).read_bytes(),
                 "cy": nbformat.writes(prefix_notebook(NAME, 3)).encode(), "dee": b"{not json"}
    for student, data in notebooks.items():
        path = root / student / NAME / f"{NAME}.ipynb" if layout == "nbgrader" else root / f"{student}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    points = part_points(NAME)
    return {"ada": sum(points), "bob": 0, "cy": sum(points[:3]), "dee": 0}


def read_grades(out):
    with open(out / "grades.csv") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    expected = write_class(root / "subs")
    proc = autograde("grade", NAME, root / "subs", "--out", root / "out", "--jobs", 2, "--quiet")
    assert proc.returncode == 0, proc.stderr
    return root, expected


def test_grades_csv_columns_and_scores(graded_class):
    root, expected = graded_class
    grades = read_grades(root / "out")
    header = (root / "out" / "grades.csv").read_text().splitlines()[0].split(",")
    assert header[:5] == ["student", "assignment", "score", "max_score", "status"]
    assert len(header) == 5 + len(part_points(NAME))
    assert {s: float(r["score"]) for s, r in grades.items()} == expected
    assert grades["dee"]["status"] == "invalid-notebook" and grades["ada"]["status"] == "graded"


def test_results_follow_gradescope_schema(graded_class):
    root, _ = graded_class
    data = json.loads((root / "out" / "results" / "cy.json").read_text())
    assert set(data) >= {"score", "execution_time", "tests"}
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output", "visibility", "status"}
        assert test["status"] in ("passed", "failed")


def test_feedback_says_what_to_fix(graded_class):
    root, _ = graded_class
    page = (root / "out" / "feedback" / "cy.html").read_text()
    assert "NotImplementedError" in page and "passed" in page
    assert "could not be graded" in (root / "out" / "feedback" / "dee.html").read_text()


def test_gradebook_is_updated(graded_class):
    from nbgrader.api import Gradebook
    root, expected = graded_class
    os.environ["PATH"] = os.path.dirname(PY) + os.pathsep + os.environ["PATH"]
    with Gradebook(f"sqlite:///{root / 'out' / 'gradebook.db'}") as gb:
        assert {s.id for s in gb.students} == set(expected)
        assert gb.find_submission(NAME, "ada").score == expected["ada"]
        assert gb.find_submission(NAME, "cy").score == expected["cy"]


def test_rerun_skips_graded_students_and_force_regrades(graded_class):
    root, _ = graded_class
    result = root / "out" / "results" / "ada.json"
    before = result.stat().st_mtime_ns
    assert autograde("grade", NAME, root / "subs", "--out", root / "out", "--quiet").returncode == 0
    assert result.stat().st_mtime_ns == before
    assert autograde("grade", NAME, root / "subs", "--out", root / "out", "--student", "ada",
                     "--quiet").returncode == 0
    assert result.stat().st_mtime_ns > before


def test_report(graded_class):
    root, _ = graded_class
    proc = autograde("report", root / "out")
    assert proc.returncode == 0, proc.stderr
    assert "pass rate" in proc.stdout and "test_predict" in proc.stdout
    assert (root / "out" / "score_histogram.png").read_bytes()[:4] == b"\x89PNG"
    assert "data:image/png" in (root / "out" / "report.html").read_text()


@pytest.mark.parametrize("layout", ["flat", "zip"])
def test_flat_folder_and_zip_layouts(tmp_path, layout):
    expected = write_class(tmp_path / "subs", "flat" if layout == "flat" else "nbgrader")
    source = tmp_path / "subs"
    if layout == "zip":
        source = tmp_path / "class.zip"
        with zipfile.ZipFile(source, "w") as zf:
            for path in (tmp_path / "subs").rglob("*.ipynb"):
                zf.write(path, path.relative_to(tmp_path))
    proc = autograde("grade", NAME, source, "--out", tmp_path / "out", "--jobs", 2, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert {s: float(r["score"]) for s, r in read_grades(tmp_path / "out").items()} == expected


def test_killing_the_grader_loses_no_finished_grade(tmp_path):
    subs = tmp_path / "subs"
    for i in range(8):
        path = subs / f"s{i}" / NAME / f"{NAME}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_bytes(source_path(NAME).read_bytes())
    proc = subprocess.Popen([PY, "-m", "autograde", "grade", NAME, subs, "--out", tmp_path / "out", "--jobs", "1",
                             "--quiet"], cwd=REPO, start_new_session=True)
    results = tmp_path / "out" / "results"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(results.glob("*.json"))) < 2:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.name: p.stat().st_mtime_ns for p in results.glob("*.json")}
    assert finished, "some grades were finished before the kill"
    for path in results.glob("*.json"):
        json.loads(path.read_text())            # every file on disk is complete (atomic writes)
    assert autograde("grade", NAME, subs, "--out", tmp_path / "out", "--quiet").returncode == 0
    assert {p.name: p.stat().st_mtime_ns for p in results.glob("*.json") if p.name in finished} == finished
    assert len(read_grades(tmp_path / "out")) == 8


def test_validate_passes_the_solution_and_explains_the_release():
    ok = autograde("validate", source_path(NAME))
    assert ok.returncode == 0 and "FAIL" not in ok.stdout, ok.stdout + ok.stderr
    todo = autograde("validate", release_path(NAME))
    assert todo.returncode == 1 and "NotImplementedError" in todo.stdout
    assert "Traceback" not in todo.stdout + todo.stderr


def test_validate_uses_only_the_visible_tests():
    """The assignment is found from the notebook; its tests are the source's visible segments, never the file's."""
    from autograde.assignment import Assignment
    from autograde.validate import find_assignment, visible_only
    name = find_assignment(release_path(NAME))
    assert name == NAME
    parts = visible_only(Assignment.load(name, REPO)).parts
    assert parts and not any(hidden for part in parts for hidden, _ in part.segments)


@pytest.mark.parametrize("data", [b"", b"{oops", b"\xff\xfe"])
def test_validate_explains_a_broken_file(tmp_path, data):
    path = tmp_path / f"{NAME}.ipynb"
    path.write_bytes(data)
    proc = autograde("validate", path)
    assert proc.returncode != 0 and "Traceback" not in proc.stdout + proc.stderr
    assert "could not be graded" in proc.stdout or "could not be read" in proc.stdout


def test_gradescope_bundle_grades_in_its_own_tree(tmp_path):
    bundle = tmp_path / "bundle.zip"
    assert autograde("gradescope", NAME, "-o", bundle).returncode == 0
    source = tmp_path / "autograder" / "source"
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "requirements.txt", f"solutions/{NAME}/{NAME}.ipynb"} <= names
        zf.extractall(source)
    submission = tmp_path / "autograder" / "submission"
    submission.mkdir()
    (submission / "my-work.ipynb").write_bytes(nbformat.writes(prefix_notebook(NAME, 3)).encode())
    results = tmp_path / "autograder" / "results" / "results.json"
    env = {**os.environ, "PYTHONPATH": str(source)}
    proc = subprocess.run([PY, "-m", "autograde", "gradescope-run", NAME, submission, results, "--repo", source],
                          cwd=source, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(results.read_text())
    assert data["score"] == sum(part_points(NAME)[:3])
    assert len(data["tests"]) == len(part_points(NAME))
    assert {t["visibility"] for t in data["tests"]} == {"visible"}
