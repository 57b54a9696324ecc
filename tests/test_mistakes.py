"""Every assignment keeps a catalogue of realistic mistakes (solutions/<id>/mistakes.py) that its hidden tests
must catch, each with the right hint; see tests/catalogue.py for the format and how it runs."""
from __future__ import annotations

import subprocess
import sys

import pytest

from autograde.assignment import Assignment

from .assignments import REPO, assignment_ids
from .catalogue import load_mistakes, problems_with

MIN_MISTAKES = 15


@pytest.mark.parametrize("name", assignment_ids())
def test_the_catalogue_covers_every_part(name):
    assert (REPO / "solutions" / name / "mistakes.py").exists(), f"{name} has no mistakes.py"
    assignment = Assignment.load(name, REPO)
    mistakes = load_mistakes(name)
    assert problems_with(assignment, mistakes) == []
    assert len(mistakes) >= MIN_MISTAKES, f"{name}: {len(mistakes)} mistakes, at least {MIN_MISTAKES} wanted"
    covered = {g for m in mistakes for g in m["loses"]}
    assert [p.grade_id for p in assignment.parts if p.grade_id not in covered] == []


@pytest.mark.parametrize("name", assignment_ids())
def test_every_mistake_is_caught_with_its_hint(name):
    if not (REPO / "solutions" / name / "mistakes.py").exists():
        pytest.fail(f"{name} has no mistakes.py")
    proc = subprocess.run([sys.executable, "-m", "tests.catalogue", name], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
