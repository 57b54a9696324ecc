"""Gradescope autograder bundles: the same engine, one submission per container.

`python -m autograde gradescope ASSIGNMENT -o bundle.zip` writes a zip with setup.sh, run_autograder and a
source/ tree (this package, dlbook, requirements.txt and the assignment's nbgrader source). On Gradescope,
run_autograder calls `python -m autograde gradescope-run`, which grades /autograder/submission/*.ipynb and writes
/autograder/results/results.json in Gradescope's schema.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from . import REPO
from .assignment import Assignment
from .results import gradescope_json, write_atomic
from .intake import find_notebook, grade
from .sandbox import Limits

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when the autograder image is built.
set -euo pipefail
apt-get update -qq
apt-get install -y -qq python3.11 python3.11-venv bubblewrap >/dev/null
python3.11 -m venv /autograder/venv
# The CPU build of torch: the default PyPI wheel is a multi-GB CUDA build.
/autograder/venv/bin/pip install -q torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
/autograder/venv/bin/pip install -q -r /autograder/source/requirements.txt
/autograder/venv/bin/pip install -q --no-deps /autograder/source
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission; the student's files are in /autograder/submission.
cd /autograder/source
exec /autograder/venv/bin/python -m autograde gradescope-run {assignment} /autograder/submission \\
    /autograder/results/results.json --timeout {timeout} --memory {memory}
"""

_PACKAGE_FILES = ("pyproject.toml", "requirements.txt")


def build_bundle(assignment: str, out: Path, repo: Path = REPO, timeout: float = 60, memory: int = 2048) -> Path:
    repo = Path(repo)
    Assignment.load(assignment, repo)            # fail early on an unknown assignment
    out = Path(out)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_text(zf, "setup.sh", SETUP)
        _add_text(zf, "run_autograder", RUN.format(assignment=assignment, timeout=timeout, memory=memory))
        for name in _PACKAGE_FILES:
            zf.write(repo / name, name)
        for package in ("autograde", "dlbook"):
            for path in sorted((repo / package).rglob("*.py")):
                zf.write(path, str(path.relative_to(repo)))
        source = repo / "solutions" / assignment / f"{assignment}.ipynb"
        zf.write(source, f"solutions/{assignment}/{assignment}.ipynb")
    return out


def _add_text(zf: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o100755 << 16           # executable: Gradescope runs both scripts directly
    zf.writestr(info, text)


def run(assignment: str, submission_dir: Path, results_json: Path, limits: Limits, repo: Path = REPO) -> dict:
    """Grade the one notebook Gradescope gives us and write results.json.

    The notebook is chosen as for a class (intake): never a link, a checkpoint or a copy when the real one is there;
    no notebook, or a refused one, is graded as an invalid notebook with the reason.
    """
    spec = Assignment.load(assignment, repo)
    data = gradescope_json(grade(spec, find_notebook(Path(submission_dir), assignment), limits))
    write_atomic(Path(results_json), json.dumps(data, indent=1))
    return data
