"""Recording grades in nbgrader's gradebook (sqlite) as `nbgrader autograde` does, so that nbgrader's formgrader
and `nbgrader export` work on it.

The assignment is declared from its nbgrader source notebook as `nbgrader generate_assignment` (SaveCells) does:
its notebook, grade, solution and source cells with their checksums. Each result fills the student's submission:
timestamp, late penalty, every grade's auto_score, and a comment on each solution cell with the feedback on the
tests that follow it, which formgrader shows under that cell.
"""
from __future__ import annotations

import json
import os
import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.api import Gradebook

from .assignment import Assignment
from .results import MANUAL, SubmissionResult


class ClassGradebook:
    """nbgrader's Gradebook with the assignment's notebook and cells declared from the source."""

    def __init__(self, path: Path, assignment: Assignment, duedate: datetime | None = None):
        _alembic_on_path()
        self.assignment = assignment
        self.notebook = assignment.path.stem
        self.gb = Gradebook(f"sqlite:///{Path(path).resolve()}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # SAWarnings from nbgrader's own session handling
            self._declare(nbformat.read(str(assignment.path), as_version=4), duedate)

    def _declare(self, source: nbformat.NotebookNode, duedate: datetime | None) -> None:
        name, nb = self.assignment.name, self.notebook
        # without a due date now, one given before is kept (a later `--student` run must not clear it)
        self.gb.update_or_create_assignment(name, **({} if duedate is None else {"duedate": _naive_utc(duedate)}))
        self.gb.update_or_create_notebook(nb, name, kernelspec=json.dumps(source.metadata.get("kernelspec", {})))
        for cell in source.cells:
            if not (utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell) or utils.is_task(cell)):
                continue
            grade_id = cell.metadata.nbgrader["grade_id"]
            if utils.is_task(cell):
                self.gb.update_or_create_task_cell(grade_id, nb, name, max_score=float(cell.metadata.nbgrader["points"]),
                                                   cell_type=cell.cell_type)
            if utils.is_grade(cell):
                self.gb.update_or_create_grade_cell(grade_id, nb, name, max_score=float(cell.metadata.nbgrader["points"]),
                                                    cell_type=cell.cell_type)
            if utils.is_solution(cell):
                self.gb.update_or_create_solution_cell(grade_id, nb, name)
            # the checksum SaveCells stores is the one generate_assignment computes on the source cell
            self.gb.update_or_create_source_cell(grade_id, nb, name, cell_type=cell.cell_type,
                                                 locked=utils.is_locked(cell), source=cell.source,
                                                 checksum=utils.compute_checksum(cell))

    def record(self, result: SubmissionResult) -> None:
        """Create or update the student's submission with this result; regrading updates, never duplicates."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # nbgrader warns (SAWarning) on every new submission; harmless
            self._record(result)

    def _record(self, result: SubmissionResult) -> None:
        name, nb, student = self.assignment.name, self.notebook, result.student
        self.gb.update_or_create_student(student)
        self.gb.update_or_create_submission(name, student, timestamp=_timestamp(result.timestamp))
        self.gb.find_submission_notebook(nb, name, student).late_submission_penalty = result.late_penalty
        points = {p.grade_id: p.points for p in result.parts}
        for part in self.assignment.parts:
            grade = self.gb.find_grade(part.grade_id, nb, name, student)
            grade.auto_score = points.get(part.grade_id, 0.0)     # a part not run (invalid notebook) earns nothing
            # as SaveAutoGrades: an instructor's manual score is kept, and flagged for review
            grade.needs_manual_grade = grade.manual_score is not None
        outcomes = {p.grade_id: p.outcome for p in result.parts}
        for cell in self.assignment.manual:
            # as nbgrader's autograde: an answer left as released scores 0 ("No response."), any other answer and
            # every task waits for formgrader (no auto score, needs a manual grade)
            grade = self.gb.find_grade(cell.grade_id, nb, name, student)
            answered = outcomes.get(cell.grade_id) == MANUAL
            grade.auto_score = None if answered else 0.0
            grade.needs_manual_grade = answered and grade.manual_score is None
        for cell_id, text in comments(self.assignment, result).items():
            self.gb.find_comment(cell_id, nb, name, student).auto_comment = text
        self.gb.db.commit()

    def close(self) -> None:
        self.gb.close()


def comments(assignment: Assignment, result: SubmissionResult) -> dict[str, str]:
    """Solution cell grade_id -> the feedback formgrader shows under it: each test part's message goes to the
    solution cell before it (the first one for tests before any); the status and notes go to the first."""
    owner, last, owned = {}, None, {}
    solutions = [c.grade_id for c in assignment.cells if c.kind == "solution"]
    if not solutions:
        return {}
    for cell in assignment.cells:
        if cell.kind == "solution":
            last = cell.grade_id
        elif cell.kind == "test":
            owner[cell.grade_id] = last or solutions[0]
    for part in result.parts:
        owned.setdefault(owner.get(part.grade_id, solutions[0]), []).append(part_line(part))
    header = [f"Autograder: {result.status}, {result.score:g} / {result.max_score:g} points.", *result.notes]
    return {sid: "\n".join([*(header if i == 0 else []), *owned.get(sid, [])]) for i, sid in enumerate(solutions)}


def part_line(part) -> str:
    line = f"{part.grade_id}: {part.outcome}, {part.points:g} / {part.max_points:g}"
    return f"{line}. {part.message}" if part.message else line + "."


def _timestamp(iso: str | None) -> datetime | None:
    """nbgrader stores naive UTC datetimes."""
    return None if iso is None else _naive_utc(utils.parse_utc(iso))


def _naive_utc(when: datetime | None) -> datetime | None:
    if when is None or when.tzinfo is None:
        return when
    return when.astimezone(timezone.utc).replace(tzinfo=None)


def _alembic_on_path() -> None:
    """nbgrader runs the `alembic` command from PATH: make the venv's copy findable without activation."""
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def export_with_manual(db: Path, assignment: str, with_manual: bool = True) -> str:
    """grades CSV of an assignment from the gradebook, with formgrader's manual scores added back: per cell the
    manual score where a person gave one, else the auto score; a cell still waiting for a person is left empty
    and counted 0. Without ``with_manual`` the auto scores only."""
    import csv
    import io
    from nbgrader.api import MissingEntry
    _alembic_on_path()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{Path(db).resolve()}") as gb:
            spec = gb.find_assignment(assignment)
            cells = [(nb.name, c.name) for nb in spec.notebooks for c in [*nb.grade_cells, *nb.task_cells]]
            labels = [cell if len(spec.notebooks) == 1 else f"{nb}/{cell}" for nb, cell in cells]
            writer.writerow(["student", "assignment", "score", "max_score", "needs_manual_grade", *labels])
            for sub in sorted(spec.submissions, key=lambda s: s.student.id):
                row, total, waiting = [], 0.0, False
                for nb, cell in cells:
                    try:
                        grade = gb.find_grade(cell, nb, assignment, sub.student.id)
                    except MissingEntry:
                        row.append("")
                        continue
                    manual = grade.manual_score if with_manual else None
                    score = manual if manual is not None else grade.auto_score
                    waiting = waiting or (score is None)
                    row.append("" if score is None else f"{score:g}")
                    total += (score or 0.0) + (grade.extra_credit or 0.0)
                writer.writerow([sub.student.id, assignment, f"{total:g}", f"{spec.max_score:g}",
                                 str(waiting).lower(), *row])
    return buf.getvalue()
