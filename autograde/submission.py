"""Reading a student's notebook and merging it with the source into the sequence of steps to grade.

Only the student's answers come from the submission: solution cells (matched by grade_id) and cells the student
added. Every test cell and provided cell comes from the source, whatever the submission did to it; what it did
is reported (edited, deleted, duplicated or re-tagged test cells), and never changes the points.
"""
from __future__ import annotations

import errno
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .assignment import Assignment, Part, split_hidden
from .text import clean

MAX_NOTEBOOK_BYTES = 50 * 2**20


class InvalidNotebook(Exception):
    """The file is not a notebook we can read; the message says why in plain words."""


@dataclass
class StudentCell:
    cell_type: str
    source: str
    grade_id: str | None
    claims_test: bool          # metadata says "graded test"
    points: object = None      # the points its metadata claims (never used for scoring)


@dataclass
class Step:
    kind: str                  # 'provided', 'student' or 'test'
    code: str = ""
    label: str = ""            # what to call this cell in feedback
    part: Part | None = None


@dataclass
class Plan:
    steps: list[Step]
    tampering: list[str] = field(default_factory=list)   # real tampering: edited tests, changed points or tags
    modified: list[str] = field(default_factory=list)    # deleted or duplicated test cells, restored at no cost
    notes: list[str] = field(default_factory=list)


def read_student_notebook(path: Path) -> list[StudentCell]:
    text = _read_text(Path(path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidNotebook(f"the file is not valid notebook JSON (line {err.lineno}: {err.msg}); "
                              "it may have been edited in a text editor or saved half-way") from None
    except RecursionError:
        raise InvalidNotebook("the file is JSON nested far too deeply to be a notebook") from None
    nb = _as_v4(text, data)
    cells = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        meta = meta if isinstance(meta, dict) else {}
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        cells.append(StudentCell(cell.get("cell_type", "code"), source,
                                 meta.get("grade_id") if isinstance(meta.get("grade_id"), str) else None,
                                 bool(meta.get("grade")) and not meta.get("solution"), meta.get("points")))
    return cells


def read_capped(path: Path, limit: int) -> bytes | None:
    """A regular file's bytes, opened without following a link or blocking on a pipe; None when it is not a
    regular file, cannot be read or holds more than ``limit`` bytes (students control these files)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        try:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None
            data = f.read(limit + 1)
        except OSError:
            return None
    return data if len(data) <= limit else None


def _read_text(path: Path) -> str:
    """The file's text, read without following a link, blocking on a pipe or reading more than the cap."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise InvalidNotebook("the file is a symbolic link, not a notebook; upload the notebook file itself") \
                from None
        raise InvalidNotebook(f"the file could not be read ({err.strerror})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InvalidNotebook("it is a folder, not a notebook file")
        if not stat.S_ISREG(info.st_mode):
            raise InvalidNotebook("it is not a regular file (a device, pipe or socket), not a notebook")
        if info.st_size > MAX_NOTEBOOK_BYTES:       # checked before reading: a huge file is never read into memory
            raise InvalidNotebook(f"the file is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
        with os.fdopen(os.dup(fd), "rb") as f:
            raw = f.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as err:
        raise InvalidNotebook(f"the file could not be read ({err.strerror})") from None
    finally:
        os.close(fd)
    if len(raw) > MAX_NOTEBOOK_BYTES:       # it grew after fstat
        raise InvalidNotebook(f"the file is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
    if not raw.strip():
        raise InvalidNotebook("the file is empty")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidNotebook(f"the file is not UTF-8 text (bad byte at position {err.start}); "
                              "save the notebook from Jupyter again") from None


def _as_v4(text: str, data) -> nbformat.NotebookNode:
    """The notebook in nbformat 4; nbformat 3 (worksheets) is upgraded by nbformat's own conversion."""
    if not isinstance(data, dict):
        raise InvalidNotebook("the file is JSON but not a Jupyter notebook (no list of cells)")
    major, minor = data.get("nbformat"), data.get("nbformat_minor")
    version = clean(f"{major}.{minor}" if minor is not None else f"{major}", 40)
    if major not in (3, 4):
        raise InvalidNotebook(f"the notebook is in nbformat version {version}, which cannot be graded; "
                              "open it in a current Jupyter and save it again" if major is not None else
                              "the file is JSON but not a Jupyter notebook (no nbformat version)")
    if not isinstance(data.get("cells" if major == 4 else "worksheets"), list):
        raise InvalidNotebook("the file is JSON but not a Jupyter notebook (no list of cells)")
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as err:  # noqa: BLE001 - nbformat raises many kinds of errors (RecursionError too) on odd files
        raise InvalidNotebook(f"the notebook (nbformat version {version}) could not be read by nbformat: "
                              f"{clean(err, 200)}") from None


def _norm(code: str) -> str:
    return "\n".join(line.rstrip() for line in code.splitlines() if line.strip())


_HEX = re.compile(r"""(?<=["'])[0-9a-f]{5,}(?=["'])""")


def _norm_generated(code: str) -> str:
    """A test instantiated from ### AUTOTEST directives, without its salts and hashes: nbgrader derives the salts from
    the cell's place in the release (a header notebook shifts it), so the release's salts may differ from ours."""
    return _HEX.sub("#", _norm(code))


def merge(assignment: Assignment, student: list[StudentCell]) -> Plan:
    """The steps to run: the source's cells, with the student's answers and extra cells in their places."""
    solution_ids = {c.grade_id for c in assignment.cells if c.kind == "solution"}
    test_ids = {p.grade_id: p for p in assignment.parts}
    provided_text = {_norm(c.source) for c in assignment.cells if c.kind in ("provided", "markdown")}
    answers: dict[str, list[str]] = {}
    extras_after: dict[str | None, list[str]] = {}     # anchor grade_id (None: top) -> extra code cells
    seen_tests: dict[str, list[StudentCell]] = {}
    plan = Plan([])
    anchor = None
    for cell in student:
        if cell.grade_id in solution_ids:
            if cell.cell_type == "code":
                answers.setdefault(cell.grade_id, []).append(cell.source)
            anchor = cell.grade_id
        elif cell.grade_id in test_ids:
            seen_tests.setdefault(cell.grade_id, []).append(cell)
            anchor = cell.grade_id
        elif cell.cell_type != "code" or _norm(cell.source) in provided_text or not cell.source.strip():
            continue
        elif cell.claims_test:
            plan.tampering.append("a cell marked as a graded test that is not in the assignment was ignored")
        elif any(_norm(cell.source) == _norm(p.visible_source) for p in assignment.parts):
            plan.tampering.append("a test cell had its grading metadata changed; the original was used")
        else:
            extras_after.setdefault(anchor, []).append(cell.source)
    _check_tests(assignment, seen_tests, plan)

    for extra in extras_after.get(None, []):
        plan.steps.append(Step("student", extra, "a cell you added"))
    for cell in assignment.cells:
        if cell.kind == "provided":
            plan.steps.append(Step("provided", cell.source, "a provided cell"))
        elif cell.kind == "solution":
            sources = answers.get(cell.grade_id)
            if not sources:
                plan.notes.append(f"the answer cell for `{cell.grade_id}` is missing from your notebook")
            for source in sources or []:
                plan.steps.append(Step("student", source, f"your cell `{cell.grade_id}`"))
        elif cell.kind == "test":
            plan.steps.append(Step("test", cell.source, cell.grade_id, test_ids[cell.grade_id]))
        for extra in extras_after.get(cell.grade_id, []) if cell.grade_id else []:
            plan.steps.append(Step("student", extra, "a cell you added"))
    return plan


def _check_tests(assignment: Assignment, seen: dict[str, list[StudentCell]], plan: Plan) -> None:
    for part in assignment.parts:
        copies = seen.get(part.grade_id, [])
        if not copies:
            plan.modified.append(f"test cell `{part.grade_id}` is missing from your notebook; the original "
                                 "was run, and this cost nothing")
        elif len(copies) > 1:
            plan.modified.append(f"test cell `{part.grade_id}` appears {len(copies)} times in your notebook; "
                                 "the original was run once, and this cost nothing")
        if any(not c.claims_test for c in copies):
            plan.tampering.append(f"test cell `{part.grade_id}` had its grading metadata changed; "
                                  "the original was used")
        if any(c.claims_test and _as_float(c.points) != part.points for c in copies):
            plan.tampering.append(f"test cell `{part.grade_id}` had its points changed; the original points count")
        norm = _norm_generated if part.generated else _norm
        visible = {norm(part.visible_source), norm(part.directives or part.visible_source)}
        if any(norm(_without_hidden(c.source)) not in visible for c in copies):
            plan.tampering.append(f"test cell `{part.grade_id}` was edited; the original was used")


def _without_hidden(source: str) -> str:
    return "\n".join(code for hidden, code in split_hidden(source) if not hidden)


def _as_float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
