"""gradebook.db as `nbgrader autograde` fills it: read back with nbgrader's API, exported with `nbgrader export`,
and served by nbgrader's formgrader."""
from __future__ import annotations

import contextlib

import csv
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

import nbformat
import pytest
from nbgrader import utils
from nbgrader.api import Gradebook

from autograde.assignment import Assignment
from autograde.gradebook import ClassGradebook
from autograde.results import PartResult, SubmissionResult

NAME = "toy"
DUE = datetime(2026, 12, 1, 23, 59, tzinfo=timezone.utc)
NAIVE_DUE = datetime(2026, 12, 1, 23, 59)


def _cell(source, **nbgrader):
    meta = {"nbgrader": {"schema_version": 3, "locked": False, **nbgrader}} if nbgrader else {}
    return nbformat.v4.new_code_cell(source, metadata=meta)


def source_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [_cell("import math", grade=False, solution=False, locked=True, grade_id="setup"),
                _cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                      solution=True, grade=False, grade_id="double"),
                _cell("assert double(2) == 4", grade=True, solution=False, locked=True, points=2, grade_id="test_a"),
                _cell("assert double(-3) == -6", grade=True, solution=False, locked=True, points=3,
                      grade_id="test_b")]
    return nb


def make_course(root):
    """A course folder: source/toy/toy.ipynb, and the assignment read from it."""
    path = root / "source" / NAME / f"{NAME}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(source_notebook(), str(path))
    return root, Assignment.from_notebook(NAME, path)


@pytest.fixture
def course(tmp_path):
    return make_course(tmp_path / "course")


def result(student, a=2.0, b=0.0, timestamp="2026-12-01T20:00:00+00:00", late=0.0, status="graded"):
    parts = [PartResult("test_a", a, 2.0, "passed" if a else "failed", "double(2) checked"),
             PartResult("test_b", b, 3.0, "passed" if b else "failed", "" if b else "double(-3) returned 6, not -6")]
    return SubmissionResult(student, NAME, status, a + b - late, 5.0, parts, notes=[], timestamp=timestamp,
                            late_penalty=late)


def fill(db, assignment, results, duedate=DUE):
    book = ClassGradebook(db, assignment, duedate)
    for r in results:
        book.record(r)
    book.close()


CLASS = [result("ada"),
         result("bob", 2.0, 3.0, "2026-12-02T01:30:00+00:00", late=2.0),
         SubmissionResult("carl", NAME, "invalid-notebook", 0.0, 5.0, [], ["not a notebook"], timestamp=None)]


@pytest.fixture(scope="module")
def class_course(tmp_path_factory):
    """One course with the class recorded, shared by the tests that only read it (a gradebook takes seconds)."""
    root, assignment = make_course(tmp_path_factory.mktemp("class") / "course")
    fill(root / "gradebook.db", assignment, CLASS)
    return root


@pytest.fixture
def gradebook(class_course):
    gb = Gradebook(f"sqlite:///{class_course / 'gradebook.db'}")
    yield gb
    gb.close()


# ---------------------------------------------------------------- nbgrader's API

def test_the_assignment_is_declared_as_generate_assignment_does(gradebook):
    assignment = gradebook.find_assignment(NAME)
    assert assignment.duedate == NAIVE_DUE
    assert [n.name for n in assignment.notebooks] == [NAME]
    notebook = gradebook.find_notebook(NAME, NAME)
    assert json.loads(notebook.kernelspec)["name"] == "python3"
    assert {c.name: (c.max_score, c.cell_type) for c in notebook.grade_cells} == \
        {"test_a": (2.0, "code"), "test_b": (3.0, "code")}
    assert [c.name for c in notebook.solution_cells] == ["double"]
    source = {c.metadata.nbgrader["grade_id"]: c for c in source_notebook().cells}
    assert {c.name: c.checksum for c in notebook.source_cells} == \
        {gid: utils.compute_checksum(cell) for gid, cell in source.items()}
    assert gradebook.find_source_cell("setup", NAME, NAME).locked
    assert notebook.max_score == assignment.max_score == 5.0


def test_submissions_have_their_time_scores_and_late_penalty(gradebook):
    ada, bob, carl = (gradebook.find_submission(NAME, s) for s in ("ada", "bob", "carl"))
    assert ada.timestamp == datetime(2026, 12, 1, 20, 0) and carl.timestamp is None
    assert bob.timestamp == datetime(2026, 12, 2, 1, 30) and bob.total_seconds_late == 5460
    assert (ada.score, ada.late_submission_penalty) == (2.0, 0.0)
    assert (bob.score, bob.late_submission_penalty) == (5.0, 2.0)     # nbgrader: raw score, penalty apart
    assert carl.score == 0.0 and not carl.needs_manual_grade
    grade = gradebook.find_grade("test_b", NAME, NAME, "ada")
    assert (grade.auto_score, grade.score, grade.needs_manual_grade, grade.failed_tests) == (0.0, 0.0, False, True)
    assert not gradebook.find_submission_notebook(NAME, NAME, "ada").needs_manual_grade


def test_feedback_is_a_comment_on_the_solution_cell(gradebook):
    comment = gradebook.find_comment("double", NAME, NAME, "ada").comment
    assert comment.startswith("Autograder: graded, 2 / 5 points.")
    assert "test_b: failed, 0 / 3. double(-3) returned 6, not -6" in comment
    assert "test_a: passed, 2 / 2. double(2) checked" in comment
    assert "not a notebook" in gradebook.find_comment("double", NAME, NAME, "carl").comment


def test_regrading_updates_and_never_duplicates(course):
    root, assignment = course
    db = root / "gradebook.db"
    fill(db, assignment, CLASS)
    with Gradebook(f"sqlite:///{db}") as gb:
        gb.find_grade("test_a", NAME, NAME, "bob").manual_score = 1.5        # an instructor's override
        gb.find_comment("double", NAME, NAME, "bob").manual_comment = "see me"
        gb.db.commit()
    fill(db, assignment, [result("ada", 2.0, 3.0, "2026-12-01T21:00:00+00:00"), *CLASS[1:]], duedate=None)
    with Gradebook(f"sqlite:///{db}") as gb:
        assert len(gb.assignment_submissions(NAME)) == 3 and len(gb.students) == 3
        assert gb.find_assignment(NAME).duedate == NAIVE_DUE          # no --due this time: the old one stays
        ada = gb.find_submission(NAME, "ada")
        assert (ada.score, ada.timestamp) == (5.0, datetime(2026, 12, 1, 21, 0))
        assert len(gb.find_submission_notebook(NAME, NAME, "ada").grades) == 2
        bob = gb.find_grade("test_a", NAME, NAME, "bob")
        assert (bob.score, bob.auto_score, bob.needs_manual_grade) == (1.5, 2.0, True)   # kept, flagged
        assert gb.find_comment("double", NAME, NAME, "bob").comment == "see me"


# ---------------------------------------------------------------- nbgrader export

def test_nbgrader_export_reads_it(class_course, tmp_path):
    db = class_course / "gradebook.db"
    out = tmp_path / "grades.csv"
    env = {**os.environ, "HOME": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter")}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--db=sqlite:///{db}", f"--to={out}"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = {r["student_id"]: r for r in csv.DictReader(out.open())}
    assert rows["ada"]["score"] == "2.0" and rows["ada"]["timestamp"] == "2026-12-01 20:00:00"
    assert (rows["bob"]["raw_score"], rows["bob"]["late_submission_penalty"], rows["bob"]["score"]) == \
        ("5.0", "2.0", "3.0")
    assert rows["carl"]["score"] == "0.0" and rows["carl"]["max_score"] == "5.0"
    assert rows["bob"]["duedate"] == "2026-12-01 23:59:00"


# ---------------------------------------------------------------- formgrader

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def formgrader(class_course, tmp_path):
    """nbgrader's formgrader (a jupyter server on loopback) on the course. Formgrader counts submitted/ and renders
    autograded/ (nbgrader collect and autograde write them; here the source notebook stands in for both)."""
    root = class_course
    for folder in ("submitted", "autograded"):
        for student in ("ada", "bob", "carl"):
            path = root / folder / student / NAME / f"{NAME}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(source_notebook(), str(path))
    # formgrader counts a submission as autograded when submitted/'s timestamp.txt equals the gradebook's
    for student, stamp in (("ada", "2026-12-01 20:00:00 UTC"), ("bob", "2026-12-02 02:30:00 Europe/Paris")):
        (root / "submitted" / student / NAME / "timestamp.txt").write_text(stamp)
    with serve_formgrader(root, tmp_path) as server:
        yield server


@contextlib.contextmanager
def serve_formgrader(root, tmp_path):
    """A jupyter server with nbgrader's formgrader on loopback, with ``root`` as the course folder."""
    (root / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.root = {str(root)!r}\n")
    port, token = free_port(), "t0ken-for-this-test"
    env = {**os.environ, "HOME": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
                               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"],
                              cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(base, token, "/api/status")
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the jupyter server did not start:\n" + (tmp_path / "server.log").read_text())
                time.sleep(0.2)
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def get(base, token, path):
    request = urllib.request.Request(base + path, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode()


def test_formgrader_shows_the_gradebook(formgrader):
    base, token = formgrader
    for page in ("/formgrader", "/formgrader/manage_assignments", "/formgrader/gradebook",
                 f"/formgrader/gradebook/{NAME}", f"/formgrader/gradebook/{NAME}/{NAME}",
                 "/formgrader/manage_students", "/formgrader/manage_students/bob", f"/formgrader/manage_students/bob/{NAME}"):
        assert get(base, token, page)[0] == 200, page
    status, body = get(base, token, "/formgrader/api/assignments")
    assert status == 200
    (assignment,) = json.loads(body)
    assert (assignment["name"], assignment["num_submissions"], assignment["max_score"]) == (NAME, 3, 5.0)
    assert assignment["duedate"].startswith("2026-12-01T23:59")
    status, body = get(base, token, f"/formgrader/api/submitted_notebooks/{NAME}/{NAME}")
    notebooks = {n["student"]: n for n in json.loads(body)}
    assert status == 200 and set(notebooks) == {"ada", "bob", "carl"}
    assert (notebooks["bob"]["score"], notebooks["ada"]["score"]) == (5.0, 2.0)
    status, body = get(base, token, f"/formgrader/api/submission/{NAME}/bob")
    submission = json.loads(body)
    assert status == 200 and submission["autograded"] and submission["timestamp"].startswith("2026-12-02T01:30")
    assert (submission["score"], submission["needs_manual_grade"]) == (5.0, False)
    ada = notebooks["ada"]["id"]
    status, html = get(base, token, f"/formgrader/submissions/{ada}/")
    assert status == 200 and all(box in html for box in ('id="double-comment"', 'id="test_a"', 'id="test_b"'))
    status, body = get(base, token, f"/formgrader/api/comments?submission_id={ada}")    # the page's comment boxes
    (comment,) = json.loads(body)
    assert status == 200 and comment["name"] == "double" and "double(-3) returned 6, not -6" in comment["auto_comment"]
    status, body = get(base, token, f"/formgrader/api/grades?submission_id={ada}")
    assert status == 200 and {g["name"]: g["auto_score"] for g in json.loads(body)} == {"test_a": 2.0, "test_b": 0.0}
