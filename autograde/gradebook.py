"""Recording grades in nbgrader's gradebook (sqlite), so instructors can use nbgrader's tools on them."""
from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

from nbgrader.api import Gradebook

from .assignment import Assignment
from .results import SubmissionResult


class ClassGradebook:
    """nbgrader's Gradebook with the assignment's notebook and grade cells declared from the source."""

    def __init__(self, path: Path, assignment: Assignment):
        # nbgrader runs the `alembic` command from PATH: make the venv's copy findable without activation.
        bindir = os.path.dirname(sys.executable)
        if bindir not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
        self.assignment = assignment
        self.notebook = assignment.path.stem
        self.gb = Gradebook(f"sqlite:///{Path(path).resolve()}")
        self.gb.update_or_create_assignment(assignment.name)
        self.gb.update_or_create_notebook(self.notebook, assignment.name)
        for part in assignment.parts:
            self.gb.update_or_create_grade_cell(part.grade_id, self.notebook, assignment.name,
                                                max_score=part.points, cell_type="code")

    def record(self, result: SubmissionResult) -> None:
        with warnings.catch_warnings():
            # nbgrader's own session handling warns (SAWarning) on every new submission; harmless here.
            warnings.simplefilter("ignore")
            self._record(result)

    def _record(self, result: SubmissionResult) -> None:
        self.gb.update_or_create_student(result.student)
        self.gb.update_or_create_submission(self.assignment.name, result.student)
        for part in result.parts:
            grade = self.gb.find_grade(part.grade_id, self.notebook, self.assignment.name, result.student)
            grade.auto_score = part.points
            grade.needs_manual_grade = False
        self.gb.db.commit()

    def close(self) -> None:
        self.gb.close()
