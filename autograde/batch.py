"""Grading a whole class: find submissions, grade them in parallel, write every result as soon as it exists.

Outputs under OUT: results/<student>.json (Gradescope's results schema, our record in ``extra_data``),
feedback/<student>.html, grades.csv (rewritten atomically after every grade) and gradebook.db (nbgrader's).
A killed run loses no finished grade; a re-run skips students already graded unless ``force``.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from .assignment import Assignment
from .engine import SubmissionResult, grade_notebook
from .sandbox import Limits

MAX_ZIP_BYTES = 2 * 2**30
_STUDENT_ID = re.compile(r"^[A-Za-z0-9_.@+-]{1,100}$")


@dataclass
class Submission:
    student: str
    path: Path


def find_submissions(root: Path, assignment: str, workdir: Path | None = None) -> list[Submission]:
    """nbgrader layout (<student>/<assignment>/*.ipynb), a flat folder of <student>.ipynb, or a .zip of either."""
    root = Path(root)
    if root.is_file() and zipfile.is_zipfile(root):
        if workdir is None:
            raise ValueError("a zip of submissions needs a folder to unpack into")
        root = _unzip(root, Path(workdir))
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is neither a folder of submissions nor a .zip of one")
    found: dict[str, Path] = {}
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        folder = student_dir / assignment
        if folder.is_dir():
            notebooks = sorted(folder.glob("*.ipynb"))
            preferred = [p for p in notebooks if p.stem == assignment] or notebooks
            found[student_dir.name] = preferred[0] if preferred else folder / f"{assignment}.ipynb"
    for notebook in sorted(root.glob("*.ipynb")):
        found.setdefault(notebook.stem, notebook)
    if not found and len([p for p in root.iterdir() if p.is_dir()]) == 1:   # zip with one top folder
        return find_submissions(next(p for p in root.iterdir() if p.is_dir()), assignment)
    return [Submission(s, p) for s, p in sorted(found.items()) if _STUDENT_ID.match(s)]


def _unzip(archive: Path, dest: Path) -> Path:
    """Unpack safely: no paths outside dest, no links, a cap on the unpacked size."""
    dest.mkdir(parents=True, exist_ok=True)
    total = 0
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            target = (dest / info.filename).resolve()
            if not str(target).startswith(str(dest.resolve()) + os.sep) or info.is_dir():
                continue
            total += info.file_size
            if total > MAX_ZIP_BYTES:
                raise ValueError(f"{archive} unpacks to more than {MAX_ZIP_BYTES // 2**30} GB")
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
    return dest


# ---------------------------------------------------------------- outputs

def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
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
    """The finished results under OUT/results, of one assignment or (None) of all."""
    results = {}
    for path in sorted((Path(out) / "results").glob("*.json")):
        try:
            record = json.loads(path.read_text())["extra_data"]
            if assignment is None or record["assignment"] == assignment:
                results[record["student"]] = SubmissionResult.from_dict(record)
        except (ValueError, KeyError, TypeError):
            continue    # a foreign or damaged file: that student is graded again
    return results


def grades_csv(assignment: Assignment, results: dict[str, SubmissionResult]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    part_ids = [p.grade_id for p in assignment.parts]
    writer.writerow(["student", "assignment", "score", "max_score", "status", *part_ids])
    for student in sorted(results):
        r = results[student]
        points = {p.grade_id: p.points for p in r.parts}
        writer.writerow([student, r.assignment, _num(r.score), _num(r.max_score), r.status,
                         *(_num(points.get(g, 0.0)) for g in part_ids)])
    return buf.getvalue()


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def record(out: Path, assignment: Assignment, result: SubmissionResult, results: dict) -> None:
    from .feedback import render_html
    out = Path(out)
    write_atomic(out / "results" / f"{result.student}.json", json.dumps(gradescope_json(result), indent=1))
    write_atomic(out / "feedback" / f"{result.student}.html", render_html(result))
    results[result.student] = result
    write_atomic(out / "grades.csv", grades_csv(assignment, results))


# ---------------------------------------------------------------- the batch

def grade_batch(assignment: Assignment, submissions_root: Path, out: Path, limits: Limits = Limits(),
                jobs: int | None = None, force: bool = False, student: str | None = None,
                progress: bool = True, gradebook: bool = True) -> dict[str, SubmissionResult]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="autograde-unzip-") as unzip_dir:
        subs = find_submissions(Path(submissions_root), assignment.name, Path(unzip_dir))
        if student is not None:
            subs = [s for s in subs if s.student == student]
            if not subs:
                raise ValueError(f"no submission from student {student!r} in {submissions_root}")
        results = load_results(out, assignment.name)
        todo = [s for s in subs if force or student is not None or s.student not in results]
        write_atomic(out / "grades.csv", grades_csv(assignment, results))
        book = _open_gradebook(out, assignment) if gradebook else None
        jobs = max(1, jobs or os.cpu_count() or 1)
        bar = tqdm(total=len(todo), desc=f"grading {assignment.name}", unit="submission", disable=not progress)
        try:
            if jobs == 1 or len(todo) <= 1:
                for sub in todo:
                    _finish(out, assignment, grade_notebook(assignment, sub.path, sub.student, limits), results,
                            book, bar)
            else:
                with ProcessPoolExecutor(max_workers=jobs) as pool:
                    futures = [pool.submit(grade_notebook, assignment, sub.path, sub.student, limits) for sub in todo]
                    for future in as_completed(futures):
                        _finish(out, assignment, future.result(), results, book, bar)
        finally:
            bar.close()
            if book is not None:
                book.close()
    return results


def _finish(out, assignment, result, results, book, bar) -> None:
    record(out, assignment, result, results)
    if book is not None:
        book.record(result)
    bar.update(1)
    bar.set_postfix_str(f"{result.student}: {_num(result.score)}/{_num(result.max_score)} {result.status}")


def _open_gradebook(out: Path, assignment: Assignment):
    from .gradebook import ClassGradebook
    return ClassGradebook(out / "gradebook.db", assignment)
