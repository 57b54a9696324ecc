"""The cheat and breakage corpus (tests/corpus.py) through the grader, as one batch per assignment."""
from __future__ import annotations

import os
import tempfile
import time

import pytest

from autograde.assignment import Assignment
from autograde.batch import grade_batch
from autograde.sandbox import Limits, bwrap_available

from .assignments import REPO, assignment_ids, part_points
from .corpus import CASES, HONEST, build

# Short limits keep the deliberate infinite loops cheap; the honest parts of ch02 need well under a second.
LIMITS = Limits(timeout=8, memory_mb=1024, max_procs=64)
ESCAPES = [REPO / "ESCAPED", "/tmp/autograde-escape", os.path.expanduser("~/autograde-escape")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every case against ch02-perceptron, graded in one parallel batch."""
    name = "ch02-perceptron"
    root = tmp_path_factory.mktemp("corpus")
    for case in CASES:
        folder = root / "subs" / case.name / name
        folder.mkdir(parents=True)
        (folder / f"{name}.ipynb").write_bytes(build(case, name))
    for path in ESCAPES:
        if os.path.exists(path):
            os.remove(path)
    scratch = root / "tmp"              # the grader's temporary folders, apart from other tests' running now
    scratch.mkdir()
    saved, tempfile.tempdir = tempfile.tempdir, str(scratch)
    try:
        start = time.monotonic()
        results = grade_batch(Assignment.load(name, REPO), root / "subs", root / "out", LIMITS, jobs=2,
                              progress=False)
        seconds = time.monotonic() - start
    finally:
        tempfile.tempdir = saved
    return name, results, root / "out", seconds, sorted(p.name for p in scratch.iterdir())


# The cases that need no time limit to fail, run against every assignment: each new chapter gets them for free.
# They attack a release with nothing done (so no training runs): whatever they score, they stole.
SMOKE = ["rebind-allclose", "input-transformer", "always-equal-object", "ndarray-subclass", "read-source-notebook",
         "patch-dlbook-checks", "edit-test-cell", "delete-test-cells", "os-exit", "syntax-error", "invalid-json"]


@pytest.mark.parametrize("name", [a for a in assignment_ids() if a != "ch02-perceptron"])
def test_smoke_corpus_on_every_assignment(name, tmp_path):
    cases = [c for c in CASES if c.name in SMOKE]
    for case in cases:
        folder = tmp_path / "subs" / case.name / name
        folder.mkdir(parents=True)
        (folder / f"{name}.ipynb").write_bytes(build(case, name, parts_done=0))
    results = grade_batch(Assignment.load(name, REPO), tmp_path / "subs", tmp_path / "out",
                          Limits(timeout=120, memory_mb=2048), jobs=2, progress=False, gradebook=False,
                          preflight=False)     # test_assignments grades every reference solution already
    for case in cases:
        if case.name == "read-source-notebook" and not bwrap_available():
            continue
        result = results[case.name]
        assert result.score == 0.0, (case.name, [(p.grade_id, p.outcome, p.message[:160]) for p in result.parts])
        assert result.status in case.statuses, (case.name, result.status, result.notes)


def test_corpus_is_large_enough():
    assert sum(c.kind == "cheat" for c in CASES) >= 15
    assert sum(c.kind == "broken" for c in CASES) >= 15


def test_the_batch_finishes_with_every_submission_graded(graded):
    name, results, out, seconds, _ = graded
    assert sorted(results) == sorted(c.name for c in CASES)
    assert seconds < 20 * len(CASES), f"{len(CASES)} submissions took {seconds:.0f} s"
    rows = (out / "grades.csv").read_text().splitlines()
    assert len(rows) == len(CASES) + 1


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(graded, case):
    name, results, out, *_ = graded
    if case.name == "read-source-notebook" and not bwrap_available():
        pytest.skip("reading the source is only prevented inside bubblewrap")
    result = results[case.name]
    points = part_points(name)
    expected = 0.0 if case.score != HONEST else sum(points) if case.full_marks else sum(points[:-1])
    detail = [(p.grade_id, p.outcome, p.message[:160]) for p in result.parts]
    assert result.score == expected, detail
    assert result.status in case.statuses, (result.status, result.notes, detail)
    if case.score == HONEST and not case.full_marks:
        assert not result.parts[-1].passed and all(p.passed for p in result.parts[:-1]), detail


def test_nothing_escaped_the_sandbox(graded):
    if not bwrap_available():
        pytest.skip("no bubblewrap: the file system is not isolated")
    for path in ESCAPES:
        assert not os.path.exists(path), f"a submission wrote {path}"


def test_feedback_never_shows_hidden_tests(graded):
    """Feedback pages carry messages and hints, not the hidden tests' code or reference functions."""
    name, results, out, *_ = graded
    for page in (out / "feedback").glob("*.html"):
        text = page.read_text()
        assert "BEGIN HIDDEN TESTS" not in text and "_ref_" not in text, page.name


def test_failures_say_what_happened(graded):
    name, results, out, *_ = graded
    assert "time limit" in results["infinite-loop"].parts[-1].message
    assert "memory" in results["memory-bomb"].parts[-1].message.lower()
    assert "not defined" in results["renamed-function"].parts[-1].message
    assert "not valid notebook JSON" in results["invalid-json"].notes[0]
    assert "empty" in results["empty-file"].notes[0]
    assert "UTF-8" in results["non-utf8"].notes[0]
    assert any("edited" in n for n in results["edit-test-cell"].notes)


def test_nothing_is_left_behind_and_outputs_are_bounded(graded):
    """Attacks leave no sandbox folder, no key in the grader's keyring, and no oversized or raw-escaped output."""
    name, results, out, seconds, left_behind = graded
    assert left_behind == [], "temporary folders left behind"
    with open("/proc/keys") as f:
        assert "autograde-stolen" not in f.read()
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".html", ".csv"):
            data = path.read_bytes()
            assert len(data) < 2**20, f"{path.name} is {len(data)} bytes"
            assert b"\x1b" not in data and b"\\u001b" not in data, path.name
            data.decode("utf-8")
    assert results["lone-surrogate-message"].parts[-1].outcome == "error"


def test_attacks_on_the_grader_say_what_happened(graded):
    name, results, out, *_ = graded
    assert "64 MB" in results["reply-100mb"].parts[-1].message
    assert "not a plain value" in results["masked-array-answer"].parts[-1].message
    assert "not a plain value" in results["object-array-answer"].parts[-1].message
    assert "time limit" in results["hanging-class-attribute"].parts[-1].message
    assert any("Reading `" in n for n in results["hanging-class-attribute"].notes)
    assert "could not be read" in results["nested-notebook"].notes[0] or "nested" in results["nested-notebook"].notes[0]
