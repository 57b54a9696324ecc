"""Finding the submissions to grade: every student found or reported, links never followed, copies skipped.

Layouts: nbgrader's ``<student>/<assignment>/*.ipynb``, a flat folder of ``<student>.ipynb``, or a .zip of either
(optionally inside one top folder). Folders and zips are first listed as entries (a path and a kind), so one set
of rules picks each student's notebook; from a zip only the chosen notebooks are unpacked, under safe names.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .submission import read_capped
from .text import clean, student_id

MAX_ZIP_BYTES = 2 * 2**30        # all notebooks unpacked from one zip together
MAX_ZIP_RATIO = 200              # notebooks compress ~3-20x; far more is a zip bomb
MAX_DEPTH = 5                    # top folder / student / assignment / .ipynb_checkpoints / notebook
MAX_TIMESTAMP_BYTES = 1024       # nbgrader's timestamp.txt is one short line
TIMESTAMP_TXT = "timestamp.txt"
LINK = "your submission is a symbolic link, not a notebook; upload the notebook file itself"
CHECKPOINTS = ".ipynb_checkpoints"
_SAFE_KEY = re.compile(r"^[a-z0-9_@+-][a-z0-9_.@+-]{0,99}$")
_HASHED_KEY = re.compile(r"-[0-9a-f]{8}$")
_COPY = re.compile(r"([ _-]copy[ _-]?\d*|-checkpoint)\.ipynb$|^~\$", re.IGNORECASE)


@dataclass
class Submission:
    student: str              # the student id as given: text.student_id(name)
    path: Path | None         # the notebook to grade; None when `problem` says why there is none
    key: str                  # safe, unique, stable file-name stem for results/<key>.json and feedback/<key>.html
    problem: str | None = None    # why it cannot be graded: graded as invalid-notebook with this note
    notes: list[str] = field(default_factory=list)   # things the student/instructor should know
    timestamp: str | None = None  # when it was submitted, ISO 8601 UTC: timestamp.txt, else zip date, else mtime


@dataclass
class _Entry:
    parts: tuple[str, ...]    # the path below the root, each part in NFC
    kind: str                 # 'file', 'dir' or 'link'
    source: object            # a Path on disk, or a ZipInfo
    problem: str | None = None


# ---------------------------------------------------------------- keys

def file_key(student: str) -> str:
    """A file-name stem: the id itself when safe (lower-case ASCII), else an ASCII slug and 8 hex of its hash.

    Plain keys have no upper case (no collisions on case-insensitive file systems) and never end like a hashed
    key, so a plain key never equals a hashed one.
    """
    if _SAFE_KEY.match(student) and not _HASHED_KEY.search(student):
        return student
    ascii_ = unicodedata.normalize("NFKD", student).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9_@+-]+", "-", ascii_).strip("-")[:40].strip("-") or "student"
    return f"{slug}-{hashlib.sha256(student.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


# ---------------------------------------------------------------- the whole class

def find_submissions(root: Path, assignment: str, workdir: Path | None = None, notebook: str | None = None,
                     several: bool = False) -> list[Submission]:
    """Every student's submission under root (a folder or a .zip), sorted by student id.

    ``notebook`` names the notebook to grade when it differs from the assignment (nbgrader's ps1/problem1.ipynb);
    with ``several`` (an assignment of several notebooks) only that notebook, or a copy of it when it is missing,
    is ever graded: another notebook of the assignment never stands in for it."""
    root = Path(root)          # the root itself may be a link the instructor made: it is followed
    assignment = _nfc(assignment)
    target = _Target(assignment, _nfc(notebook or assignment), several)
    if root.is_file() and zipfile.is_zipfile(root):
        if workdir is None:
            raise ValueError("a zip of submissions needs a folder to unpack into")
        with zipfile.ZipFile(root) as zf:
            return _unzip(zf, _choose_all(_zip_entries(zf), target), Path(workdir))
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is neither a folder of submissions nor a .zip of one")
    return [_submission(student, chosen, notes, nbgrader_layout=True) for student, (chosen, notes)
            in _choose_all(_disk_entries(root), target).items()]


@dataclass(frozen=True)
class _Target:
    """What to pick in each student's folder: the assignment's folder name and the notebook's name."""
    assignment: str
    notebook: str
    several: bool = False

    def __str__(self) -> str:
        return self.assignment


def find_notebook(folder: Path, assignment: str, student: str = "student") -> Submission:  # noqa: D401
    """The one notebook in a single student's upload (Gradescope's /autograder/submission), at any depth."""
    entries = _disk_entries(Path(folder))
    candidates = [e for e in entries if _is_notebook(e)]
    if not candidates:
        problem = LINK if any(e.kind == "link" for e in entries) else \
            f"no notebook (.ipynb) was found in your submission: upload {assignment}.ipynb"
        return Submission(student, None, file_key(student), problem)
    chosen, notes = _choose(candidates, _nfc(assignment))
    return _submission(student, chosen, notes)


def _submission(student: str, chosen: _Entry | None, notes: list[str], nbgrader_layout: bool = False) -> Submission:
    key = file_key(student)
    if chosen is None:
        return Submission(student, None, key, "no notebook (.ipynb) was found in your submission folder", notes)
    if chosen.kind == "link":
        return Submission(student, None, key, LINK, notes)
    if not isinstance(chosen.source, Path):
        return Submission(student, None, key, chosen.problem, notes)
    return Submission(student, chosen.source, key, chosen.problem, notes, _disk_timestamp(chosen, nbgrader_layout))


def grade(assignment, sub: Submission, limits=None):
    """Grade one submission: one with a problem is graded as an invalid notebook; the intake's notes come first."""
    from .engine import grade_notebook, invalid_result
    from .sandbox import Limits
    if sub.problem is None:
        result = grade_notebook(assignment, sub.path, sub.student, limits or Limits())
    else:
        result = invalid_result(assignment, sub.student, sub.problem)
    result.notes = [*sub.notes, *result.notes]
    return result


# ---------------------------------------------------------------- listing a folder or a zip

def _disk_entries(root: Path) -> list[_Entry]:
    """Everything under root down to MAX_DEPTH, by lstat: a link is listed as a link and never entered."""
    entries, todo = [], [(root, ())]
    while todo:
        folder, parts = todo.pop(0)          # breadth first: entries in name order, level by level
        try:
            with os.scandir(folder) as it:
                children = sorted(it, key=lambda d: d.name)
        except OSError:
            continue
        for child in children:
            here = parts + (_nfc(child.name),)
            kind = "link" if child.is_symlink() else "dir" if child.is_dir(follow_symlinks=False) else "file"
            entries.append(_Entry(here, kind, Path(child.path)))
            if kind == "dir" and len(here) < MAX_DEPTH and (not _hidden(child.name) or child.name == CHECKPOINTS):
                todo.append((Path(child.path), here))
    return entries


def _zip_entries(zf: zipfile.ZipFile) -> list[_Entry]:
    """The zip's members, in zip order; members with a path that leaves the root are dropped."""
    entries = []
    for info in zf.infolist():
        parts = tuple(_nfc(p) for p in info.filename.replace("\\", "/").rstrip("/").split("/"))
        if not parts or any(p in ("", ".", "..") for p in parts) or info.filename.startswith("/"):
            continue
        mode = info.external_attr >> 16
        kind = "link" if stat.S_ISLNK(mode) else "dir" if info.is_dir() else "file"
        entries.append(_Entry(parts, kind, info, _zip_problem(info) if kind == "file" else None))
    return entries


def _zip_problem(info: zipfile.ZipInfo) -> str | None:
    name = clean(info.filename, 200)
    if info.flag_bits & 0x1:
        return f"{name} is password-protected (encrypted) in the zip; upload it without a password"
    return None


# ---------------------------------------------------------------- choosing each student's notebook

def _choose_all(entries: list[_Entry], assignment) -> dict[str, tuple[_Entry | None, list[str]]]:
    """student id -> (the entry to grade, notes); a lone top folder (a zipped class folder) is stepped into."""
    by_student = _by_student(entries, assignment)
    tops = {e.parts[0] for e in entries if _is_student_name(e.parts[0])}
    if not by_student and len(tops) == 1:
        top = tops.pop()
        inner = [_Entry(e.parts[1:], e.kind, e.source, e.problem) for e in entries
                 if e.parts[0] == top and len(e.parts) > 1]
        if not any(e.parts == (top,) and e.kind == "link" for e in entries):
            return _choose_all(inner, assignment)
    return {student: _choose(found, assignment) if found else (None, [])
            for student, found in sorted(by_student.items())}


def _by_student(entries: list[_Entry], assignment) -> dict[str, list[_Entry]]:
    """student id -> candidate notebooks (links too), for both layouts; [] for an assignment folder without any."""
    assignment = str(assignment)
    found: dict[str, list[_Entry]] = {}
    for e in entries:
        name, parts = e.parts[0], e.parts
        if not _is_student_name(name):
            continue
        if len(parts) == 1 and (e.kind == "link" or (e.kind == "file" and _is_notebook(e))):
            # flat <student>.ipynb, or a linked student folder (refused, never entered)
            sid = student_id(name[:-6] if name.lower().endswith(".ipynb") else name)
            found.setdefault(sid, []).append(e)
        elif len(parts) >= 2 and parts[1] == assignment:
            candidates = found.setdefault(student_id(name), [])
            inside = parts[2:]
            if (len(inside) == 1 or (len(inside) == 2 and inside[0] == CHECKPOINTS)) and _is_notebook(e):
                candidates.append(e)
            elif len(inside) == 0 and e.kind == "link":
                candidates.append(e)            # a linked assignment folder: refused, never entered
    return {s: c for s, c in found.items() if s}


def _choose(candidates: list[_Entry], assignment) -> tuple[_Entry | None, list[str]]:
    """The notebook to grade, and notes on what was ignored.

    `<notebook>.ipynb` wins; checkpoints and copies are never graded when another notebook is there; among
    several others the first by name is graded, and a note names it and the ones ignored. In an assignment of
    several notebooks only the notebook itself or a copy of it is a candidate.
    """
    target = assignment if isinstance(assignment, _Target) else _Target(assignment, assignment)
    assignment = target.notebook
    if target.several:
        candidates = [e for e in candidates if _is_exact(e, assignment) or _is_copy_of(e, assignment)]
        if not candidates:
            return None, [f"no {assignment}.ipynb was found in your submission folder"]
    notes, by_name = [], {}
    for e in candidates:                         # later entries win: zip order, or sorted folder names
        by_name.setdefault(_display(e), []).append(e)
    for name, same in by_name.items():
        if len(same) > 1:
            notes.append(f"{len(same)} files named {name} were found (names that differ only in Unicode "
                         "normalisation count as the same); the last one was used")
    latest = {name: same[-1] for name, same in by_name.items()}
    exact = [n for n, e in latest.items() if _is_exact(e, assignment)]
    originals = [n for n, e in latest.items() if not _is_copy(e)]
    copies = [n for n, e in latest.items() if _is_copy_of(e, assignment) and CHECKPOINTS not in e.parts]
    ranked = sorted(exact) or sorted(copies) or sorted(originals) or sorted(latest)
    chosen = ranked[0]
    ignored = [n for n in sorted(latest) if n != chosen and (n in originals or not exact)]
    if ignored:
        notes.append(f"several notebooks were found: {chosen} was graded and {', '.join(ignored)} ignored; "
                     f"name your notebook {assignment}.ipynb")
    return latest[chosen], [clean(n, 1000) for n in notes]


def _display(e: _Entry) -> str:
    return "/".join(e.parts)


def _is_exact(e: _Entry, assignment: str) -> bool:
    return e.parts[-1] == f"{assignment}.ipynb" and CHECKPOINTS not in e.parts


def _is_copy_of(e: _Entry, notebook: str) -> bool:
    """`p1 copy.ipynb`, `p1-Copy1.ipynb`, `p1-checkpoint.ipynb` or a checkpoint of `p1.ipynb`."""
    name = e.parts[-1]
    if CHECKPOINTS in e.parts and name in (f"{notebook}.ipynb", f"{notebook}-checkpoint.ipynb"):
        return True
    return name.lower().startswith(notebook.lower()) and bool(_COPY.fullmatch(name[len(notebook):]))


def _is_copy(e: _Entry) -> bool:
    return CHECKPOINTS in e.parts or bool(_COPY.search(e.parts[-1]))


def _is_notebook(e: _Entry) -> bool:
    return e.kind != "dir" and e.parts[-1].lower().endswith(".ipynb") and not _hidden(e.parts[-1])


def _is_student_name(name: str) -> bool:
    return name not in ("", ".", "..", "__MACOSX") and not _hidden(name)


def _hidden(name: str) -> bool:
    return name.startswith(".")


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


# ---------------------------------------------------------------- when each was submitted

def _stamp_folder_depth(e: _Entry, nbgrader_layout: bool) -> int | None:
    """How many folders up from the notebook nbgrader's timestamp.txt sits (its assignment folder), or None.

    Only `<student>/<assignment>/` has one of its own: in a flat class folder a timestamp.txt would be everyone's.
    """
    if nbgrader_layout and len(e.parts) < 3:
        return None
    return 2 if len(e.parts) >= 2 and e.parts[-2] == CHECKPOINTS else 1


def _disk_timestamp(e: _Entry, nbgrader_layout: bool) -> str | None:
    """timestamp.txt beside the notebook when readable and parseable, else the notebook's mtime."""
    depth = _stamp_folder_depth(e, nbgrader_layout)
    if depth is not None:
        stamp = parse_timestamp(read_capped(e.source.parents[depth - 1] / TIMESTAMP_TXT, MAX_TIMESTAMP_BYTES))
        if stamp:
            return stamp
    try:
        return _iso(datetime.fromtimestamp(os.lstat(e.source).st_mtime, timezone.utc))
    except OSError:
        return None


def _zip_timestamp(zf: zipfile.ZipFile, e: _Entry) -> str | None:
    """timestamp.txt in the zip beside the notebook, else the member's (naive, taken as UTC) date_time."""
    depth = _stamp_folder_depth(e, True)
    if depth is not None:
        folder = e.source.filename.replace("\\", "/").split("/")[:-depth]
        stamp = parse_timestamp(_read_zip_small(zf, "/".join([*folder, TIMESTAMP_TXT])))
        if stamp:
            return stamp
    try:
        return _iso(datetime(*e.source.date_time, tzinfo=timezone.utc))
    except ValueError:
        return None


def _read_zip_small(zf: zipfile.ZipFile, name: str) -> bytes | None:
    info = zf.NameToInfo.get(name)
    if info is None or info.is_dir() or stat.S_ISLNK(info.external_attr >> 16) or info.flag_bits & 0x1 \
            or info.file_size > MAX_TIMESTAMP_BYTES:
        return None
    try:
        with zf.open(info) as f:
            data = f.read(MAX_TIMESTAMP_BYTES + 1)
    except Exception:  # noqa: BLE001 - a damaged member only loses its timestamp
        return None
    return data if len(data) <= MAX_TIMESTAMP_BYTES else None


def parse_timestamp(data: bytes | str | None) -> str | None:
    """nbgrader's timestamp.txt text ('2015-02-02 15:58:23.948203 America/Los_Angeles', a UTC offset, or naive
    meaning UTC) as ISO 8601 UTC; None when it is not a time."""
    if data is None:
        return None
    try:
        text = (data.decode("utf-8") if isinstance(data, bytes) else data).strip()
        return _iso(parse_time(text)) if text else None
    except (ValueError, OverflowError, TypeError, UnicodeDecodeError):
        return None


_OFFSET = re.compile(r"^[+-]\d\d:?\d\d$")


def parse_time(text: str) -> datetime:
    """An aware UTC datetime from nbgrader's formats, through nbgrader's parse_utc; ValueError when not a time.

    parse_utc reads '... -0800' as -800 *seconds* and a zone name it does not know as UTC: dateutil reads offsets
    itself, and unknown zone names are refused rather than guessed.
    """
    import dateutil.parser
    import dateutil.tz
    from nbgrader.utils import parse_utc
    parts = text.split(" ")
    if len(parts) > 3:
        raise ValueError(f"not a time: {text!r}")
    if len(parts) == 3 and _OFFSET.match(parts[2]):
        return parse_utc(dateutil.parser.parse(text)).replace(tzinfo=timezone.utc)
    if len(parts) == 3 and dateutil.tz.gettz(parts[2]) is None:
        raise ValueError(f"unknown time zone {parts[2]!r} in {text!r}")
    return parse_utc(text).replace(tzinfo=timezone.utc)


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat()


# ---------------------------------------------------------------- unpacking the chosen notebooks

def _unzip(zf: zipfile.ZipFile, chosen: dict, dest: Path) -> list[Submission]:
    """Unpack only each student's chosen notebook, to dest/<key>.ipynb; a bad member is that student's problem."""
    dest.mkdir(parents=True, exist_ok=True)
    subs, total = [], 0
    for student, (entry, notes) in chosen.items():
        sub = _submission(student, entry, notes)
        if entry is not None and sub.problem is None:
            target = dest / f"{sub.key}.ipynb"
            sub.problem, size = _extract(zf, entry.source, target)
            sub.path = None if sub.problem else target
            sub.timestamp = _zip_timestamp(zf, entry)
            total += size
            if total > MAX_ZIP_BYTES:
                raise ValueError(f"the zip unpacks to more than {MAX_ZIP_BYTES // 2**30} GB")
        subs.append(sub)
    return subs


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> tuple[str | None, int]:
    """(problem or None, bytes written); reads at most the cap, whatever the member claims its size is."""
    from .submission import MAX_NOTEBOOK_BYTES
    name = clean(info.filename, 200)
    cap = min(MAX_NOTEBOOK_BYTES, MAX_ZIP_RATIO * max(info.compress_size, 2**16))
    try:
        with zf.open(info) as src:
            data = src.read(cap + 1)
    except Exception as err:  # noqa: BLE001 - BadZipFile (CRC), zlib/lzma/bz2 errors, EOFError on a cut file...
        return f"{name} in the zip is damaged and could not be unpacked ({clean(err, 200)}); zip it again", 0
    if len(data) > cap:
        return f"{name} in the zip unpacks to more than {cap // 2**20} MB: too large for a notebook, or a zip bomb", 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return None, len(data)
