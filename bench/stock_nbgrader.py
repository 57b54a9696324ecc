"""Running stock `nbgrader autograde` on the same submissions as our grader, for the benchmarks."""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
MEMORY_CAP = 4 * 2**30    # protects the benchmark machine from the memory bomb; nbgrader itself has no limit


def _cap_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def course(root: Path, assignment: str, source: Path, submissions: dict[str, bytes]) -> Path:
    """A stock nbgrader course folder: source/, submitted/<student>/<assignment>/, a gradebook."""
    root = Path(root)
    (root / "source" / assignment).mkdir(parents=True)
    shutil.copy(source, root / "source" / assignment / f"{assignment}.ipynb")
    (root / "nbgrader_config.py").write_text("c = get_config()\nc.ExecutePreprocessor.timeout = 30\n")
    run(root, "generate_assignment", assignment, "--force")
    for student, data in submissions.items():
        folder = root / "submitted" / student / assignment
        folder.mkdir(parents=True)
        (folder / f"{assignment}.ipynb").write_bytes(data)
    return root


def run(root: Path, *args, timeout: float = 3600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([str(BIN / "nbgrader"), *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=_cap_memory)


def autograde(root: Path, assignment: str, student: str | None = None) -> tuple[float, subprocess.CompletedProcess]:
    args = ["autograde", assignment, "--force"] + ([f"--student={student}"] if student else [])
    start = time.perf_counter()
    proc = run(root, *args)
    return time.perf_counter() - start, proc


def scores(root: Path, assignment: str) -> dict[str, float | None]:
    """Each student's total in the stock gradebook (None: no grade recorded)."""
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    from nbgrader.api import Gradebook, MissingEntry
    out = {}
    with Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}") as gb:
        for student in sorted(p.name for p in (Path(root) / "submitted").iterdir()):
            try:
                out[student] = gb.find_submission(assignment, student).score
            except MissingEntry:
                out[student] = None
    return out
