"""Generate student releases from nbgrader sources with `nbgrader generate_assignment`."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CONFIG = Path(__file__).with_name("nbgrader_config.py")


def generate(assignment: str, root: Path) -> Path:
    """Run nbgrader on ``root/solutions/<assignment>`` and return the release folder under ``root``."""
    root = Path(root).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        # nbgrader reads nbgrader_config.py from its working directory.
        shutil.copy(CONFIG, Path(tmp) / "nbgrader_config.py")
        cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force",
               f"--CourseDirectory.root={root}",
               f"--CourseDirectory.db_url=sqlite:///{tmp}/gradebook.db", "--log-level=WARN"]
        # nbgrader calls the `alembic` command: put this interpreter's bin folder on PATH.
        env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n{proc.stdout}\n{proc.stderr}")
    return root / "exercises" / assignment


def fresh_release(assignment: str, repo: Path) -> dict[str, dict]:
    """Generate the release in a scratch copy of the repository; return {file name: notebook JSON}."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(Path(repo) / "solutions" / assignment, Path(tmp) / "solutions" / assignment)
        out = generate(assignment, Path(tmp))
        return {p.name: json.loads(p.read_text()) for p in sorted(out.glob("*.ipynb"))}


def main(assignments: list[str], repo: Path) -> None:
    for name in assignments:
        out = generate(name, repo)
        print(f"released {name} -> {out.relative_to(Path(repo).resolve())}")
