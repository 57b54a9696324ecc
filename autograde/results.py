"""A grading folder's files: results/<key>.json, feedback/<key>.html and grades.csv, each written atomically.

results/<key>.json holds Gradescope's results schema with our record in ``extra_data``; the record names the
student, so file names (keys) only need to be safe and unique. grades.csv is always rebuilt from the result files
on disk under a lock, so two runs writing into one folder (two `--student` runs, say) never leave a stale row.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path

from .assignment import Assignment
from .submission import read_capped
from .text import csv_cell

MAX_RESULT_BYTES = 16 * 2**20     # a results file is ours, but a damaged or foreign one must not be loaded whole
MAX_COPIED_BYTES = 50 * 2**20     # a submission is copied into the course folder only if it could be graded


MANUAL = "needs manual grading"   # outcome of a manually graded answer or task: a person scores it
NO_RESPONSE = "no response"        # outcome of a manually graded answer left as released: 0, as nbgrader scores it


@dataclass
class PartResult:
    grade_id: str
    points: float
    max_points: float
    outcome: str                   # passed, failed, error, timeout, memory, crashed
    message: str = ""              # what a student reads: what was checked, what they returned, a hint
    hidden: bool = False           # the failing check was a hidden one

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


@dataclass
class SubmissionResult:
    student: str
    assignment: str
    status: str
    score: float
    max_score: float
    parts: list[PartResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timestamp: str | None = None      # when it was submitted, ISO 8601 in UTC (timestamp.txt, zip entry or mtime)
    sha256: str | None = None         # of the graded file: a re-run regrades a submission whose file changed
    late_penalty: float = 0.0         # points taken off for lateness; `score` is after the penalty

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SubmissionResult":
        known = {f.name for f in fields(cls)}
        parts = [PartResult(**p) for p in data.get("parts", [])]
        return cls(**{k: v for k, v in data.items() if k in known and k != "parts"}, parts=parts)


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.fchmod(fd, 0o644)          # readable like any file the instructor writes (mkstemp makes 0600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def gradescope_json(result: SubmissionResult) -> dict:
    tests = [{"name": p.grade_id, "score": p.points, "max_score": p.max_points,
              "status": "passed" if p.passed else "failed", "output": p.message, "visibility": "visible"}
             for p in result.parts]
    return {"score": result.score, "execution_time": result.seconds, "output": "\n".join(result.notes),
            "tests": tests, "extra_data": result.to_dict()}


def load_results(out: Path, assignment: str | None = None) -> dict[str, SubmissionResult]:
    """The finished results under OUT/results, of one assignment or (None) of all, by student."""
    results = {}
    for path in sorted((Path(out) / "results").glob("*.json")):
        try:
            if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_RESULT_BYTES:
                continue
            record = json.loads(path.read_text(encoding="utf-8"))["extra_data"]
            if assignment is None or record["assignment"] == assignment:
                results[record["student"]] = SubmissionResult.from_dict(record)
        except (ValueError, KeyError, TypeError, OSError):
            continue    # a foreign or damaged file: that student is graded again
    return results


def grades_csv(assignment: Assignment, results: dict[str, SubmissionResult]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    part_ids = [p.grade_id for p in assignment.parts] + [m.grade_id for m in assignment.manual]
    manual = ["needs_manual_grade"] if assignment.manual else []     # only where there are such cells
    writer.writerow(["student", "assignment", "score", "max_score", "status", *manual, *part_ids])
    for student in sorted(results):
        r = results[student]
        points = {p.grade_id: "" if p.outcome == MANUAL else fmt_points(p.points) for p in r.parts}
        waiting = [str(any(p.outcome == MANUAL for p in r.parts)).lower()] if manual else []
        writer.writerow([csv_cell(student), r.assignment, fmt_points(r.score), fmt_points(r.max_score), r.status,
                         *waiting, *(points.get(g, "0") for g in part_ids)])
    return buf.getvalue()


def fmt_points(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


@contextmanager
def folder_lock(out: Path):
    """One writer of grades.csv at a time, across processes."""
    import fcntl                  # Linux and macOS only; grading needs them anyway, results reading does not
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / ".lock", os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write_grades(out: Path, assignment: Assignment) -> dict[str, SubmissionResult]:
    """Rebuild grades.csv from the result files on disk; returns what it found."""
    with folder_lock(out):
        results = load_results(out, assignment.name)
        write_atomic(out / "grades.csv", grades_csv(assignment, results))
    return results


def record(out: Path, key: str, result: SubmissionResult) -> None:
    """Write one student's result and feedback the moment they exist."""
    from .feedback import render_html
    out = Path(out)
    write_atomic(out / "results" / f"{key}.json", json.dumps(gradescope_json(result), indent=1))
    write_atomic(out / "feedback" / f"{key}.html", render_html(result))


def copy_for_formgrader(out: Path, assignment: Assignment, sub, result: SubmissionResult) -> None:
    """OUT as an nbgrader course folder: submitted/ and autograded/ copies of the notebook (with nbgrader's
    timestamp.txt), which nbgrader's formgrader needs beside gradebook.db to list and show a submission."""
    student = result.student
    if sub.path is None or not student or student in (".", "..") or "/" in student or "\\" in student:
        return
    data = read_capped(sub.path, MAX_COPIED_BYTES)
    if data is None:
        return
    name = f"{assignment.path.stem}.ipynb"
    for folder in ("submitted", "autograded"):
        target = out / folder / student / assignment.name
        target.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(data)
        os.chmod(target / name, 0o644)
    if result.timestamp:
        stamp = datetime.fromisoformat(result.timestamp).astimezone(timezone.utc)
        write_atomic(out / "submitted" / student / assignment.name / "timestamp.txt",
                     stamp.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
