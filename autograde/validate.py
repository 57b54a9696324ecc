"""A student's self-check: run their notebook against the visible tests and say which parts pass."""
from __future__ import annotations

import warnings
from pathlib import Path

from . import REPO
from .assignment import Assignment
from .engine import grade_notebook
from .sandbox import Limits


def find_release(notebook: Path, repo: Path = REPO) -> tuple[str, Path]:
    """The assignment a notebook belongs to and the release that defines its visible tests."""
    notebook = Path(notebook)
    for name in (notebook.stem, notebook.parent.name):
        release = Path(repo) / "exercises" / name / f"{name}.ipynb"
        if release.exists():
            return name, release
    # A renamed file: recognise the assignment by its test cells' ids.
    mine = _test_ids(notebook)
    for release in sorted(Path(repo).glob("exercises/*/*.ipynb")):
        if mine and mine == _test_ids(release):
            return release.stem, release
    return notebook.stem, notebook     # unknown assignment: its own test cells are the visible tests


def _test_ids(path: Path) -> set[str]:
    try:
        return {p.grade_id for p in Assignment.from_notebook(path.stem, path).parts}
    except Exception:  # noqa: BLE001 - unreadable: no ids
        return set()


def validate(notebook: Path, timeout: float = 60.0, repo: Path = REPO) -> int:
    notebook = Path(notebook)
    if not notebook.exists():
        print(f"{notebook}: no such file")
        return 2
    name, release = find_release(notebook, repo)
    try:
        assignment = Assignment.from_notebook(name, release)
    except Exception as err:  # noqa: BLE001 - a broken file gets words, not a traceback
        print(f"{notebook} could not be read as a notebook: {err}")
        return 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the sandbox warning is for instructors; this is the student's own code
        result = grade_notebook(assignment, notebook, "you", Limits(timeout=timeout))
    print(f"Checking {notebook} against the visible tests of {name}:\n")
    for note in result.notes:
        print(f"  note: {note}")
    for part in result.parts:
        mark = "PASS" if part.passed else "FAIL"
        print(f"  [{mark}] {part.grade_id} ({part.max_points:g} points)")
        if not part.passed:
            print("         " + part.message.replace("\n", "\n         "))
    passed = sum(p.passed for p in result.parts)
    print(f"\n{passed} of {len(result.parts)} parts pass their visible tests.")
    print("Hidden tests also run when your work is graded: passing the visible ones is necessary, not sufficient.")
    return 0 if result.status != "invalid-notebook" and passed == len(result.parts) else 1
