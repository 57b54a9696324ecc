"""Helpers shared by the assignment tests: discovery and notebooks built from an assignment's source and release.

Everything here is generic: a new folder under solutions/ is picked up with no change to the tests.
"""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent


def assignment_ids() -> list[str]:
    return sorted(p.name for p in (REPO / "solutions").iterdir()
                  if p.is_dir() and (p / f"{p.name}.ipynb").exists())


def source_path(name: str) -> Path:
    return REPO / "solutions" / name / f"{name}.ipynb"


def release_path(name: str) -> Path:
    return REPO / "exercises" / name / f"{name}.ipynb"


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def prefix_notebook(name: str, parts_done: int):
    """The release with the solution cells above the first ``parts_done`` test cells filled in from the source.

    This is what a student who finished the first k parts submits; it must score exactly those k parts.
    """
    source = nbformat.read(str(source_path(name)), as_version=4)
    release = nbformat.read(str(release_path(name)), as_version=4)
    answers, tests_seen = {}, 0
    for cell in source.cells:
        meta = _meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            tests_seen += 1
        elif meta.get("solution") and tests_seen < parts_done:
            answers[meta["grade_id"]] = cell.source
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        grade_id = _meta(cell).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def part_points(name: str) -> list[float]:
    source = nbformat.read(str(source_path(name)), as_version=4)
    return [float(_meta(c).get("points", 0)) for c in source.cells
            if _meta(c).get("grade") and not _meta(c).get("solution")]
