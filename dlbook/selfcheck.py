"""Self-check from inside a notebook: ``import dlbook; dlbook.validate()`` in a new cell.

It runs ``python -m autograde validate NOTEBOOK`` with the notebook's own Python (Jupyter's terminal may start
another one) and prints what it says. It reads the saved file: save the notebook first.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent      # the course folder: where `autograde` lives
SESSION_VARIABLES = ("JPY_SESSION_NAME", "__session")   # set by Jupyter Server (and some front-ends) for a kernel


def find_notebook(path: str | os.PathLike | None = None) -> Path:
    """The notebook to check: the argument, the editor's current notebook, or the only one in this folder."""
    if path:
        return Path(path)
    for candidate in _session_paths():
        for where in (Path(candidate), Path.cwd() / Path(candidate).name):   # relative to the server's root
            if where.suffix == ".ipynb" and where.is_file():
                return where
    found = sorted(Path.cwd().glob("*.ipynb"))
    if len(found) == 1:
        return found[0]
    raise FileNotFoundError("could not tell which notebook this is: call dlbook.validate('NAME.ipynb') "
                            f"with your notebook's file name ({len(found)} notebooks in {Path.cwd()})")


def _session_paths() -> list[str]:
    paths = [os.environ[v] for v in SESSION_VARIABLES if os.environ.get(v)]
    try:  # VS Code puts the notebook's path in the kernel's namespace
        from IPython import get_ipython
        shell = get_ipython()
        if shell is not None and shell.user_ns.get("__vsc_ipynb_file__"):
            paths.insert(0, shell.user_ns["__vsc_ipynb_file__"])
    except ImportError:
        pass
    return paths


def validate(path: str | os.PathLike | None = None, timeout: float | None = None) -> int:
    """Check the saved notebook against its visible tests, printing each part as it finishes; returns the exit code."""
    if os.environ.get("DLBOOK_GRADING"):      # this cell is being graded or validated: no grader inside a grader
        print("(self-check skipped: the notebook is being graded)")
        return 0
    notebook = find_notebook(path).resolve()
    command = [sys.executable, "-m", "autograde", "validate", str(notebook)]
    if timeout is not None:
        command += ["--timeout", str(timeout)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    print(f"Checking the saved file {notebook.name} (save the notebook first to check your latest changes).",
          flush=True)
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                          cwd=ROOT) as proc:
        for line in proc.stdout:          # line by line: each part shows as soon as it is checked
            print(line, end="", flush=True)
    return proc.returncode
