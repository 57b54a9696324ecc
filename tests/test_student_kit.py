"""The student kit (`make student-kit`, tools/student_kit.py), opened and used as a student would.

The kit is unzipped into a fresh folder and installed into a fresh venv as its README says
(`pip install --no-deps -e .`); the pinned packages come from the project's venv through a `.pth` file instead of
`pip install -r requirements.txt`, so the test runs offline and in seconds (a `.pth` line only adds a folder to
sys.path: the project's own editable dlbook, registered by a `.pth` inside that folder, is not activated, so the
kit's copy is the one imported). A half-done release notebook is then checked with the kit's self-check, which
must run without solutions/ and report the unfinished parts. Finally nothing in the kit may hold a hidden test, a
reference solution or a mistake catalogue.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest

from .assignments import REPO, assignment_ids, part_points, prefix_notebook, source_path

sys.path.insert(0, str(REPO / "tools"))
import student_kit  # noqa: E402

NAME = "ch02-perceptron"


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("kit") / "student-kit.zip"
    subprocess.run([sys.executable, str(REPO / "tools" / "student_kit.py"), str(out)], check=True, timeout=120)
    return out


@pytest.fixture(scope="module")
def installed(kit, tmp_path_factory) -> tuple[Path, Path]:
    """(kit folder, its venv's python), set up as the kit's README says."""
    where = tmp_path_factory.mktemp("student")
    with zipfile.ZipFile(kit) as zf:
        zf.extractall(where)
    root = where / student_kit.ROOT
    venv = root / ".venv"
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "course-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                              "--no-build-isolation", "-e", "."], cwd=root, capture_output=True, text=True,
                             timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    return root, python


def test_the_kit_holds_the_releases_the_library_and_the_self_check(kit):
    names = zipfile.ZipFile(kit).namelist()
    top = {n.split("/", 2)[1] for n in names}
    assert top == {"exercises", "checks", "dlbook", "autograde", "pyproject.toml", "requirements.txt", "README.md",
                   "LICENSE"}, top
    for name in assignment_ids():
        assert f"{student_kit.ROOT}/exercises/{name}/{name}.ipynb" in names
    text = zipfile.ZipFile(kit).read(f"{student_kit.ROOT}/requirements.txt").decode()
    assert "torch==" in text and "nbformat==" in text and "selenium" not in text


def test_nothing_in_the_kit_grades_or_solves(kit):
    hidden, solutions = [], []
    for name in assignment_ids():
        for cell in nbformat.read(str(source_path(name)), as_version=4).cells:
            for begin, end, found in (("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS", hidden),
                                      ("### BEGIN SOLUTION", "### END SOLUTION", solutions)):
                for block in re.findall(re.escape(begin) + r"\n(.*?)" + re.escape(end), cell.source, re.S):
                    body = "\n".join(line.strip() for line in block.strip().splitlines() if line.strip())
                    if body.count("\n") >= 2:              # three lines or more: specific to this answer
                        found.append(body)
    assert len(hidden) >= 12 and len(solutions) >= 12
    with zipfile.ZipFile(kit) as zf:
        for member in zf.namelist():
            assert "solutions/" not in member and not member.endswith("mistakes.py"), member
            raw = zf.read(member).decode("utf-8", errors="replace")
            text = raw
            if member.endswith(".ipynb"):
                text = "\n".join(c.source for c in nbformat.reads(raw, as_version=4).cells)
            flat = "\n".join(line.strip() for line in text.splitlines() if line.strip())
            if "/autograde/" not in member:
                assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text, member
            for body in hidden + solutions:
                assert body not in flat, f"{member} holds a hidden test or a reference solution:\n{body[:300]}"


def test_a_student_checks_a_half_done_notebook_with_the_kit(installed):
    root, python = installed
    done, total = 3, len(part_points(NAME))
    notebook = root / "exercises" / NAME / f"{NAME}.ipynb"
    nbformat.write(prefix_notebook(NAME, done), str(notebook))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH", "PYTEST"))}
    check = subprocess.run([str(python), "-m", "autograde", "validate", f"exercises/{NAME}/{NAME}.ipynb"],
                           cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert check.returncode == 1, check.stdout + check.stderr
    assert f"{done} of {total} parts pass" in check.stdout, check.stdout + check.stderr
    assert "NotImplementedError" in check.stdout                     # the unfinished parts say why
    where = subprocess.run([str(python), "-c", "import dlbook, autograde; print(dlbook.__file__, autograde.REPO)"],
                           cwd="/", env=env, capture_output=True, text=True, check=True).stdout
    assert str(root) in where and str(REPO) not in where, where      # the kit's own copies, not the course's


def test_the_self_check_cell_runs_from_the_notebook_folder(installed):
    """`import dlbook; dlbook.validate()` as the README says, from a kernel started in the exercise's folder."""
    root, python = installed
    folder = root / "exercises" / NAME
    nbformat.write(prefix_notebook(NAME, 1), str(folder / f"{NAME}.ipynb"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH", "PYTEST"))}
    run = subprocess.run([str(python), "-c", f"import dlbook; dlbook.validate('{NAME}.ipynb')"], cwd=folder, env=env,
                         capture_output=True, text=True, timeout=600)
    assert f"1 of {len(part_points(NAME))} parts pass" in run.stdout, run.stdout + run.stderr


if sys.platform != "linux":
    pytestmark = pytest.mark.skip("the kit's venv is built the Linux way")
