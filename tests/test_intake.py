"""Finding submissions: every student found or reported, links refused, copies skipped, zips unpacked safely."""
from __future__ import annotations

import json
import os
import stat
import unicodedata
import zipfile

import nbformat
import pytest

from autograde.intake import LINK, file_key, find_notebook, find_submissions

A = "ch02-perceptron"


def nb(text="x = 1") -> bytes:
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(text, id="cell-1"))   # a fixed id: equal bytes
    return nbformat.writes(notebook).encode()


def put(root, relpath, data=None):
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(nb() if data is None else data)
    return path


def by_student(subs):
    return {s.student: s for s in subs}


def make_zip(path, members):
    """members: (ZipInfo or name, bytes) pairs, written in order (duplicates allowed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            with pytest.warns(UserWarning) if _dup(zf, name) else _nothing():
                zf.writestr(name, data)
    return path


def _dup(zf, name):
    return (name.filename if isinstance(name, zipfile.ZipInfo) else name) in zf.NameToInfo


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ---------------------------------------------------------------- keys

@pytest.mark.parametrize("student", ["ada", "ada.lovelace", "ada@uni.edu", "a_b-c+d", "s123"])
def test_safe_ids_are_their_own_key(student):
    assert file_key(student) == student


@pytest.mark.parametrize("student", ["", ".", "..", "../x", "a/b", "a\\b", ".hidden", "Mary Ann", "josé",
                                     "=HYPERLINK(x)", "<b>x</b>", "Ada", "x" * 300, "ada-0123abcd"])
def test_unsafe_ids_get_a_slug_and_a_hash(student):
    key = file_key(student)
    assert key not in ("", ".", "..") and "/" not in key and "\\" not in key and not key.startswith(".")
    assert key == key.lower() and len(key) <= 49 and key.isascii()
    assert key == file_key(student)                       # stable


def test_keys_are_unique_even_ignoring_case():
    ids = ["ada", "Ada", "ADA", "josé", unicodedata.normalize("NFD", "josé"), "jose", "Mary Ann", "mary-ann",
           "mary ann", "o'brien", "obrien", "", ".", "..", "ada-" + file_key("Ada").split("-")[-1]]
    keys = [file_key(s).lower() for s in ids]
    assert len(set(keys)) == len(ids)


# ---------------------------------------------------------------- links

def test_links_on_the_way_to_a_notebook_are_refused(tmp_path):
    root, elsewhere = tmp_path / "subs", tmp_path / "elsewhere"
    real = put(elsewhere, f"{A}/{A}.ipynb")
    put(root, f"ok/{A}/{A}.ipynb")
    (root / "linkedstudent").symlink_to(elsewhere)                         # the student folder
    (root / "linkedfolder").mkdir()
    (root / "linkedfolder" / A).symlink_to(real.parent)                    # the assignment folder
    put(root, f"linkednb/{A}/other.ipynb")
    (root / "linkednb" / A / f"{A}.ipynb").symlink_to(real)                # the notebook
    (root / "flat.ipynb").symlink_to(real)                                 # a flat-layout notebook
    subs = by_student(find_submissions(root, A))
    assert subs["ok"].problem is None and subs["ok"].path == root / "ok" / A / f"{A}.ipynb"
    for student in ("linkedstudent", "linkedfolder", "linkednb", "flat"):
        assert subs[student].problem == LINK and subs[student].path is None, student


def test_the_root_may_be_a_link(tmp_path):
    put(tmp_path / "real", f"ada/{A}/{A}.ipynb")
    (tmp_path / "root").symlink_to(tmp_path / "real")
    assert [s.student for s in find_submissions(tmp_path / "root", A)] == ["ada"]


def test_links_in_a_zip_are_never_extracted(tmp_path):
    link = zipfile.ZipInfo(f"eve/{A}/{A}.ipynb")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = make_zip(tmp_path / "subs.zip", [(link, "/etc/passwd"), (f"ada/{A}/{A}.ipynb", nb())])
    subs = by_student(find_submissions(archive, A, tmp_path / "work"))
    assert subs["eve"].problem == LINK and subs["eve"].path is None
    assert subs["ada"].path.read_bytes() == nb()
    assert not any(p.is_symlink() for p in (tmp_path / "work").rglob("*"))


def test_gradescope_upload_that_is_a_link_is_refused(tmp_path):
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / f"{A}.ipynb").symlink_to("/etc/passwd")
    sub = find_notebook(tmp_path / "submission", A)
    assert sub.problem == LINK and sub.path is None


def test_gradescope_run_grades_a_link_as_invalid(tmp_path):
    from autograde.gradescope import run
    from autograde.sandbox import Limits
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / f"{A}.ipynb").symlink_to("/etc/passwd")
    data = run(A, tmp_path / "submission", tmp_path / "results.json", Limits())
    assert data["score"] == 0 and "symbolic link" in data["output"]
    assert data["extra_data"]["status"] == "invalid-notebook"
    assert json.loads((tmp_path / "results.json").read_text())["score"] == 0


# ---------------------------------------------------------------- every student

NAMES = ["Mary Ann", "josé", "o'brien", "=HYPERLINK(x)", "<b>x<\\b>"]     # '/' cannot be in a file name


@pytest.mark.parametrize("layout", ["nbgrader", "flat"])
def test_every_name_is_a_student(tmp_path, layout):
    for name in NAMES:
        put(tmp_path, f"{name}/{A}/{A}.ipynb" if layout == "nbgrader" else f"{name}.ipynb")
    for junk in (".DS_Store", ".hidden.ipynb", "._ada.ipynb"):
        put(tmp_path, junk)
    (tmp_path / ".git" / A).mkdir(parents=True)
    subs = find_submissions(tmp_path, A)
    assert sorted(s.student for s in subs) == sorted(NAMES)
    assert all(s.problem is None and s.path.is_file() for s in subs)
    assert len({s.key for s in subs}) == len(NAMES)


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_unicode_spellings_map_to_the_nfc_id(tmp_path, form):
    put(tmp_path, f"{unicodedata.normalize(form, 'josé')}/{A}/{A}.ipynb")
    [sub] = find_submissions(tmp_path, A)
    assert sub.student == unicodedata.normalize("NFC", "josé") and sub.problem is None


def test_both_spellings_at_once_are_one_student_with_a_note(tmp_path):
    put(tmp_path, f"{unicodedata.normalize('NFC', 'josé')}/{A}/{A}.ipynb", nb("a = 1"))
    put(tmp_path, f"{unicodedata.normalize('NFD', 'josé')}/{A}/{A}.ipynb", nb("b = 2"))
    [sub] = find_submissions(tmp_path, A)
    assert sub.problem is None and any("2 files named" in n for n in sub.notes)


def test_an_assignment_folder_without_a_notebook_is_reported(tmp_path):
    put(tmp_path, f"ada/{A}/notes.txt", b"hello")
    put(tmp_path, "bob/other-assignment/x.ipynb")             # not a submission of this assignment
    [sub] = find_submissions(tmp_path, A)
    assert sub.student == "ada" and sub.path is None and "no notebook" in sub.problem


# ---------------------------------------------------------------- which notebook

@pytest.mark.parametrize("extra", [f".ipynb_checkpoints/{A}-checkpoint.ipynb", f"{A}-Copy1.ipynb",
                                   f"{A} Copy 2.ipynb", f"~${A}.ipynb", f"{A}-checkpoint.ipynb"])
def test_copies_are_never_graded_next_to_the_real_notebook(tmp_path, extra):
    put(tmp_path, f"ada/{A}/{extra}", nb("copy = 1"))
    real = put(tmp_path, f"ada/{A}/{A}.ipynb")
    [sub] = find_submissions(tmp_path, A)
    assert sub.path == real and sub.notes == []


def test_a_single_notebook_is_graded_whatever_its_name(tmp_path):
    only = put(tmp_path, f"ada/{A}/My Homework (final).ipynb")
    [sub] = find_submissions(tmp_path, A)
    assert sub.path == only and sub.notes == []


def test_several_candidates_pick_one_and_say_so(tmp_path):
    put(tmp_path, f"ada/{A}/b.ipynb")
    put(tmp_path, f"ada/{A}/a.ipynb")
    put(tmp_path, f"ada/{A}/a-Copy1.ipynb")
    [sub] = find_submissions(tmp_path, A)
    assert sub.path.name == "a.ipynb"
    [note] = sub.notes
    assert "a.ipynb was graded" in note and "b.ipynb" in note and f"{A}.ipynb" in note


def test_gradescope_prefers_the_notebook_over_its_checkpoint(tmp_path):
    put(tmp_path, f".ipynb_checkpoints/{A}-checkpoint.ipynb", nb("old = 1"))
    put(tmp_path, f"nested/{A}-Copy1.ipynb", nb("old = 2"))
    real = put(tmp_path, f"nested/{A}.ipynb")
    sub = find_notebook(tmp_path, A)
    assert sub.path == real and sub.problem is None and sub.notes == []


def test_gradescope_with_no_notebook_says_so(tmp_path):
    put(tmp_path, "answers.py", b"x = 1")
    sub = find_notebook(tmp_path, A)
    assert sub.path is None and f"upload {A}.ipynb" in sub.problem


# ---------------------------------------------------------------- zips

@pytest.mark.parametrize("top", ["", "class/"])
@pytest.mark.parametrize("layout", ["nbgrader", "flat"])
def test_zip_layouts(tmp_path, top, layout):
    members = [(f"{top}{s}/{A}/{A}.ipynb" if layout == "nbgrader" else f"{top}{s}.ipynb", nb(s))
               for s in ("ada", "Mary Ann")]
    members += [(f"__MACOSX/{top}._ada.ipynb", b"junk"), (f"{top}.DS_Store", b"junk")]
    subs = find_submissions(make_zip(tmp_path / "subs.zip", members), A, tmp_path / "work")
    assert [s.student for s in subs] == ["Mary Ann", "ada"]
    assert all(s.path.read_bytes() == nb(s.student) and s.path.parent == tmp_path / "work" for s in subs)


def test_zip_paths_never_leave_the_work_folder(tmp_path):
    archive = make_zip(tmp_path / "subs.zip", [(f"../{A}.ipynb", nb()), (f"/abs/{A}/{A}.ipynb", nb()),
                                               (f"ada/../../{A}/{A}.ipynb", nb()), (f"ada/{A}/{A}.ipynb", nb())])
    subs = find_submissions(archive, A, tmp_path / "work")
    assert [s.student for s in subs] == ["ada"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["subs.zip", "work"]


def test_zip_collisions_are_noted(tmp_path):
    nfc, nfd = (unicodedata.normalize(f, f"ada/{A}/café.ipynb") for f in ("NFC", "NFD"))
    archive = make_zip(tmp_path / "subs.zip", [(f"bob/{A}/{A}.ipynb", nb("first")), (f"bob/{A}/{A}.ipynb",
                                                                                     nb("second")),
                                               (nfc, nb("nfc")), (nfd, nb("nfd"))])
    subs = by_student(find_submissions(archive, A, tmp_path / "work"))
    assert subs["bob"].path.read_bytes() == nb("second")
    assert any(f"2 files named bob/{A}/{A}.ipynb" in n and "last one was used" in n for n in subs["bob"].notes)
    assert subs["ada"].path.read_bytes() == nb("nfd") and any("2 files named" in n for n in subs["ada"].notes)


def _corrupt(archive, marker: bytes):
    data = bytearray(archive.read_bytes())
    at = data.index(marker)
    data[at:at + len(marker)] = bytes(b ^ 0xFF for b in marker)
    archive.write_bytes(bytes(data))


def test_a_damaged_member_is_that_students_problem(tmp_path):
    archive = tmp_path / "subs.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:        # stored: the bytes are easy to find
        zf.writestr(f"ada/{A}/{A}.ipynb", nb("ada"))
        zf.writestr(f"bob/{A}/{A}.ipynb", nb("bad crc here"))
    _corrupt(archive, b"bad crc here")
    subs = by_student(find_submissions(archive, A, tmp_path / "work"))
    assert subs["ada"].problem is None
    assert subs["bob"].path is None and "damaged" in subs["bob"].problem


def test_a_truncated_member_is_that_students_problem(tmp_path):
    archive = tmp_path / "subs.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"ada/{A}/{A}.ipynb", nb("ada"))
        zf.writestr(f"bob/{A}/{A}.ipynb", nb("y" * 5000))
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(f"bob/{A}/{A}.ipynb")
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode())     # bob's compressed data
    data[start + 10:start + info.compress_size] = b"\0" * (info.compress_size - 10)
    archive.write_bytes(bytes(data))
    subs = by_student(find_submissions(archive, A, tmp_path / "work"))
    assert subs["ada"].problem is None and "damaged" in subs["bob"].problem


def test_an_encrypted_member_is_that_students_problem(tmp_path):
    archive = make_zip(tmp_path / "subs.zip", [(f"ada/{A}/{A}.ipynb", nb()), (f"bob/{A}/{A}.ipynb", nb())])
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(f"bob/{A}/{A}.ipynb")
    data = bytearray(archive.read_bytes())
    data[info.header_offset + 6] |= 0x1      # the 'encrypted' flag a password-protected member carries...
    central = data.index(b"PK\x01\x02", data.rindex(f"ada/{A}/{A}.ipynb".encode()))   # bob's follows ada's
    data[central + 8] |= 0x1                 # ...in its local header and in the central directory
    archive.write_bytes(bytes(data))
    subs = by_student(find_submissions(archive, A, tmp_path / "work"))
    assert subs["ada"].problem is None
    assert subs["bob"].path is None and "password" in subs["bob"].problem


def test_a_zip_bomb_member_is_refused_without_unpacking_it(tmp_path):
    archive = tmp_path / "subs.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"ada/{A}/{A}.ipynb", nb())
        zf.writestr(f"bob/{A}/{A}.ipynb", b"\0" * 60 * 2**20)
    subs = by_student(find_submissions(archive, A, tmp_path / "work"))
    assert subs["ada"].problem is None and "zip bomb" in subs["bob"].problem
    assert sum(p.stat().st_size for p in (tmp_path / "work").iterdir()) < 2**20


# ---------------------------------------------------------------- grading a refused submission

def test_a_problem_is_graded_as_an_invalid_notebook_with_the_notes():
    from autograde.assignment import Assignment
    from autograde.intake import Submission, grade
    spec = Assignment.load(A)
    result = grade(spec, Submission("eve", None, "eve", LINK, ["a note"]))
    assert result.status == "invalid-notebook" and result.score == 0
    assert result.notes[0] == "a note" and LINK in result.notes[1]
    assert all(LINK in p.message for p in result.parts)


# ---------------------------------------------------------------- reports and feedback pages

EVIL = "\x1b[2J\x1b]0;pwned\x07<script>alert(1)</script>"


def _evil_result():
    from autograde.results import PartResult, SubmissionResult
    part = PartResult("part-1", 0.0, 2.0, "error\x1b[31m", EVIL + "x" * 5 * 2**20)      # a 5 MB message
    return SubmissionResult(EVIL, A, "invalid-notebook", 0.0, 2.0, [part], [EVIL] * 1000)


def test_report_prints_no_terminal_escapes_and_stays_small(tmp_path):
    from autograde.results import gradescope_json, write_atomic
    from autograde.report import report
    write_atomic(tmp_path / "results" / "evil.json", json.dumps(gradescope_json(_evil_result())))
    text = report(tmp_path)
    page = (tmp_path / "report.html").read_text()
    assert "\x1b" not in text and "\x07" not in text and len(text) < 5000
    assert "<script>" not in page and "\x1b" not in page and len(page) < 200_000


def test_feedback_escapes_and_bounds_student_text():
    from autograde.feedback import render_html
    page = render_html(_evil_result())
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "\x1b" not in page and "\x07" not in page and len(page) < 200_000


# ---------------------------------------------------------------- submission timestamps

def test_timestamp_txt_beside_the_notebook_is_read_as_utc(tmp_path):
    put(tmp_path, f"ada/{A}/{A}.ipynb")
    (tmp_path / "ada" / A / "timestamp.txt").write_text("2015-02-02 15:58:23.948203 America/Los_Angeles\n")
    put(tmp_path, f"bob/{A}/{A}.ipynb")
    (tmp_path / "bob" / A / "timestamp.txt").write_text("2015-02-02 15:58:23.948203 -0800")
    subs = by_student(find_submissions(tmp_path, A))
    assert subs["ada"].timestamp == subs["bob"].timestamp == "2015-02-02T23:58:23.948203+00:00"


@pytest.mark.parametrize("content", ["not a time", "2015-02-02 10:00:00 Nowhere/Land", "x" * 2000, b"\xff\xfe"])
def test_a_bad_timestamp_txt_falls_back_to_the_mtime(tmp_path, content):
    path = put(tmp_path, f"ada/{A}/{A}.ipynb")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    stamp = tmp_path / "ada" / A / "timestamp.txt"
    stamp.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert find_submissions(tmp_path, A)[0].timestamp == "2023-11-14T22:13:20+00:00"


def test_a_linked_timestamp_txt_is_not_followed(tmp_path):
    path = put(tmp_path, f"ada/{A}/{A}.ipynb")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    (tmp_path / "real.txt").write_text("2015-02-02 15:58:23 UTC")
    (tmp_path / "ada" / A / "timestamp.txt").symlink_to(tmp_path / "real.txt")
    assert find_submissions(tmp_path, A)[0].timestamp == "2023-11-14T22:13:20+00:00"


def test_a_flat_class_folder_uses_each_notebooks_mtime(tmp_path):
    path = put(tmp_path, "ada.ipynb")
    os.utime(path, (1_700_000_000.5, 1_700_000_000.5))
    (tmp_path / "timestamp.txt").write_text("2015-02-02 15:58:23 UTC")     # nobody's own: ignored
    assert find_submissions(tmp_path, A)[0].timestamp == "2023-11-14T22:13:20.500000+00:00"


def test_a_checkpoint_uses_its_assignment_folders_timestamp(tmp_path):
    put(tmp_path, f"ada/{A}/.ipynb_checkpoints/{A}-checkpoint.ipynb")
    (tmp_path / "ada" / A / "timestamp.txt").write_text("2015-02-02 15:58:23 UTC")
    assert find_submissions(tmp_path, A)[0].timestamp == "2015-02-02T15:58:23+00:00"


def test_zip_timestamps_come_from_timestamp_txt_else_the_members_date(tmp_path):
    ada = zipfile.ZipInfo(f"class/ada/{A}/{A}.ipynb", date_time=(2026, 12, 1, 23, 59, 58))
    bob = zipfile.ZipInfo(f"class/bob/{A}/{A}.ipynb", date_time=(2026, 12, 2, 1, 0, 0))
    zpath = make_zip(tmp_path / "subs.zip", [(ada, nb()), (bob, nb()),
                                             (f"class/bob/{A}/timestamp.txt", b"2026-12-01 23:00:00 Europe/Paris")])
    subs = by_student(find_submissions(zpath, A, tmp_path / "work"))
    assert subs["ada"].timestamp == "2026-12-01T23:59:58+00:00"
    assert subs["bob"].timestamp == "2026-12-01T22:00:00+00:00"


def test_a_missing_notebook_has_no_timestamp(tmp_path):
    (tmp_path / "ada" / A).mkdir(parents=True)
    assert find_submissions(tmp_path, A)[0].timestamp is None


def test_a_single_upload_uses_the_notebooks_mtime(tmp_path):
    path = put(tmp_path, "upload/whatever.ipynb")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    assert find_notebook(tmp_path, A).timestamp == "2023-11-14T22:13:20+00:00"
