"""The README's student and instructor sections, followed literally on a fresh copy of the repository.

A new instructor or student types exactly these commands: a fresh `make venv`, a self-check of a half-done
notebook, a class of two assignments graded into the default folders, a resubmission, a forced regrade, the
class report and nbgrader's export. Every command run here must appear in README.md word for word. Afterwards
nothing the run wrote is unreadable by others or would be picked up by `git add -A`.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

import nbformat
import pytest

from .assignments import REPO, part_points, prefix_notebook, source_path

README = (REPO / "README.md").read_text()
PY = ".venv/bin/python"
VALIDATE = f"{PY} -m autograde validate exercises/ch02-perceptron/ch02-perceptron.ipynb"
GRADE = f"{PY} -m autograde grade ch02-perceptron submitted"
REPORT = f"{PY} -m autograde report autograded/ch02-perceptron"
EXPORT = (".venv/bin/nbgrader export --db sqlite:///autograded/ch02-perceptron/gradebook.db "
          "--to autograded/ch02-perceptron/nbgrader-grades.csv")


def run(clone, command: str, timeout: int = 600) -> subprocess.CompletedProcess:
    assert command in README, f"the README does not show this command: {command}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTEST", "COV_"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)    # a new terminal: no venv
                                  if not os.path.exists(os.path.join(p, "activate")))
    return subprocess.run(command, shell=True, cwd=clone, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """The repository as a student clones it (with this working tree's changes), set up with `make venv`."""
    root = tmp_path_factory.mktemp("readme") / "course"
    subprocess.run(["git", "clone", "-q", str(REPO), str(root)], check=True)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    setup = run(root, "make venv", timeout=1200)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    return root


def write_submission(clone, student: str, assignment: str, nb) -> None:
    path = clone / "submitted" / student / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def test_a_student_checks_a_half_done_notebook(clone):
    name = "ch02-perceptron"
    done = 3
    nbformat.write(prefix_notebook(name, done), str(clone / "exercises" / name / f"{name}.ipynb"))   # edited in place
    check = run(clone, VALIDATE)
    assert check.returncode == 1, check.stdout + check.stderr
    assert f"{done} of {len(part_points(name))} parts pass" in check.stdout, check.stdout


def test_an_instructor_grades_two_assignments_and_a_resubmission(clone):
    full = nbformat.read(str(source_path("ch02-perceptron")), as_version=4)
    write_submission(clone, "ann", "ch02-perceptron", prefix_notebook("ch02-perceptron", 2))
    write_submission(clone, "ben", "ch02-perceptron", full)
    for student in ("ann", "ben"):
        write_submission(clone, student, "ch01-history", nbformat.read(str(source_path("ch01-history")), 4))
    first = run(clone, GRADE)
    assert first.returncode == 0, first.stderr
    other = run(clone, GRADE.replace("ch02-perceptron", "ch01-history"))
    assert other.returncode == 0, other.stderr
    assert (clone / "autograded" / "ch01-history" / "grades.csv").exists()

    write_submission(clone, "ann", "ch02-perceptron", full)       # ann finishes and submits again
    again = run(clone, GRADE)
    assert again.returncode == 0 and "graded 1 submissions" in again.stdout and "skipped 1 unchanged" in again.stdout
    rows = (clone / "autograded" / "ch02-perceptron" / "grades.csv").read_text().splitlines()
    total = f"{sum(part_points('ch02-perceptron')):g}"
    assert all(row.split(",")[2] == total for row in rows[1:]), rows
    forced = run(clone, GRADE + " --force")
    assert forced.returncode == 0 and "graded 2 submissions" in forced.stdout and "--force" in README

    report = run(clone, REPORT)
    assert report.returncode == 0 and "2 submissions" in report.stdout, report.stderr
    export = run(clone, EXPORT)
    assert export.returncode == 0, export.stdout + export.stderr
    exported = (clone / "autograded" / "ch02-perceptron" / "nbgrader-grades.csv").read_text()
    assert "ann" in exported and "ben" in exported


def test_nothing_written_is_private_or_tracked(clone):
    if not (clone / "autograded").exists():
        pytest.skip("the instructor test did not run")
    for path in (clone / "autograded").rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            assert path.stat().st_mode & stat.S_IROTH, f"{path.relative_to(clone)} is not readable by others"
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=clone,
                            capture_output=True, text=True, check=True).stdout
    untracked = [line for line in status.splitlines() if line.startswith("??")]
    assert untracked == [], f"git add -A would publish: {untracked[:10]}"


if sys.platform != "linux":
    pytestmark = pytest.mark.skip("grading runs on Linux")
