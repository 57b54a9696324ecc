"""nbgrader's `### AUTOTEST` directives, expanded into tests by nbgrader's own machinery before grading.

An nbgrader source cell `### AUTOTEST answer(2)` is no test as written: `nbgrader generate_assignment` runs the
source (solutions included) in a kernel and replaces each directive with asserts instantiated from the course's
`autotests.yml` (the expected value hashed with `### HASHED AUTOTEST`). nbgrader then grades with those
instantiated tests. We do the same with nbgrader's `InstantiateTests` preprocessor, on the same notebook (its salts
depend on the cell and its index, so the tests are the ones nbgrader generates), in a process of its own with a
time limit: it runs the instructor's source code, as generate_assignment does, never a student's.

When the directives cannot be expanded (no autotests.yml, a source that fails, a directive outside a grade cell)
the cells stay as they are and the load-time analysis refuses the assignment, saying why: a test that cannot run is
never graded as passed.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from .analysis import AUTOTEST

FILENAME = "autotests.yml"
TIMEOUT = 600          # seconds for the whole source to run once (nbgrader gives generate_assignment no limit)


def has_directives(nb) -> bool:
    return any(c.cell_type == "code" and AUTOTEST.search(c.source) for c in nb.cells)


def templates_file(folder: Path, course: Path | None) -> Path | None:
    """nbgrader's lookup: autotests.yml beside the notebook, else in the course's root folder."""
    for where in [folder, course]:
        if where is not None and (Path(where) / FILENAME).is_file():
            return Path(where) / FILENAME
    return None


def expand(nb, folder: Path, course: Path | None = None, timeout: float = TIMEOUT):
    """(the notebook with its directives instantiated, None), or (the notebook unchanged, why not)."""
    if not has_directives(nb):
        return nb, None
    folder, course = Path(folder).resolve(), (Path(course).resolve() if course is not None else None)
    templates = templates_file(folder, course)
    if templates is None:
        where = f"{folder}" + (f" or in the course folder {course}" if course else "")
        return nb, f"there is no {FILENAME} beside the notebook in {where}, which they are instantiated from"
    with tempfile.TemporaryDirectory(prefix="autotest-") as tmp:
        source, out = Path(tmp) / "source.ipynb", Path(tmp) / "expanded.ipynb"
        nbformat.write(nb, source)
        try:
            proc = subprocess.run([sys.executable, "-m", "autograde.autotest", str(source), str(out), str(folder)],
                                  cwd=templates.parent, capture_output=True, text=True, timeout=timeout,
                                  env={**os.environ, "PYTHONPATH": _package_root()})
        except subprocess.TimeoutExpired:
            return nb, f"nbgrader could not instantiate them: the source ran longer than {timeout:g} s"
        if proc.returncode != 0 or not out.exists():
            lines = [line for line in (proc.stderr or "").splitlines() if line.strip()
                     and "without encryption" not in line]
            return nb, "nbgrader could not instantiate them (" + (lines[-1][:300] if lines else "no message") + ")"
        return nbformat.read(out, as_version=4), None


def _package_root() -> str:
    root = str(Path(__file__).resolve().parent.parent)
    return os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)


def main(argv: list[str]) -> int:
    """`python -m autograde.autotest SOURCE OUT FOLDER`, run with the folder of autotests.yml as the working folder
    (nbgrader's fallback reads it from there); the kernel starts in FOLDER, beside the notebook's files."""
    import logging
    from nbgrader.preprocessors import InstantiateTests
    source, out, folder = argv
    nb = nbformat.read(source, as_version=4)
    preprocessor = InstantiateTests()
    preprocessor.log.setLevel(logging.ERROR)
    nb, _ = preprocessor.preprocess(nb, {"metadata": {"path": folder}})
    nbformat.write(nb, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
