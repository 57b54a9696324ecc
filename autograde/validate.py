"""A student's self-check: run their notebook against the visible tests and say which parts pass.

The tests always come from the assignment's source (its visible segments), never from the student's file: the
release a student edits in place is their own notebook, and deleting a check there must not turn a part green.
This module imports nothing Linux-only at the top, so that it loads on Windows too, where the notebook runs in a
Jupyter kernel without the grader's sandbox.
"""
from __future__ import annotations

import ast
import dataclasses
import inspect
import os
import sys
import warnings
from pathlib import Path

from . import REPO
from .assignment import Assignment, defined_names, sources_dir
from .submission import InvalidNotebook, merge, read_student_notebook

NO_SANDBOX = "note: on this system your code runs without the grader's sandbox; grading happens on Linux."


def find_assignment(notebook: Path, repo: Path = REPO) -> str | None:
    """The assignment a notebook belongs to: by file name, folder name, or the grade ids of its cells."""
    notebook = Path(notebook)
    for name in (notebook.stem, notebook.parent.name):
        if (sources_dir(repo) / name / f"{name}.ipynb").exists():
            return name
    try:
        mine = {c.grade_id for c in read_student_notebook(notebook) if c.grade_id}
    except InvalidNotebook:
        return None
    # A renamed copy ("Untitled (1).ipynb"): the source sharing most ids; cells may have been deleted.
    best, name = 0, None
    for source in sorted(sources_dir(repo).glob("*/*.ipynb")):
        shared = len(mine & _grade_ids(source))
        if shared > best:
            best, name = shared, source.stem
    return name


def _grade_ids(path: Path) -> set[str]:
    try:
        return {c.grade_id for c in Assignment.from_notebook(path.stem, path).cells if c.grade_id}
    except Exception:  # noqa: BLE001 - an unreadable source has no ids
        return set()


def visible_only(assignment: Assignment) -> Assignment:
    """The assignment with each test cell cut down to its visible segments: what the release shows."""
    parts = [dataclasses.replace(p, segments=[(h, code) for h, code in p.segments if not h])
             for p in assignment.parts]
    return dataclasses.replace(assignment, parts=parts)


def sandbox_available() -> bool:
    """The grader's sandbox needs Linux (fcntl, resource, namespaces); elsewhere validate runs without it."""
    try:
        import fcntl  # noqa: F401
        import resource  # noqa: F401
    except ImportError:
        return False
    return sys.platform.startswith("linux")


def validate(notebook: Path, timeout: float = 60.0, repo: Path = REPO) -> int:
    """Print each part's result as it finishes; 0 when every part passes, 1 when not, 2 when it cannot run."""
    notebook = Path(notebook)
    if not notebook.exists():
        print(f"{notebook}: no such file")
        return 2
    name = find_assignment(notebook, repo)
    if name is None:
        known = ", ".join(sorted(p.name for p in sources_dir(repo).glob("*") if p.is_dir()))
        print(f"{notebook} is not one of the course's assignments ({known}): name the file after its assignment "
              "(for example ch02-perceptron.ipynb) or keep it in the assignment's folder.")
        return 2
    assignment = visible_only(Assignment.load(name, repo))
    print(f"Checking {notebook} against the visible tests of {name} ({len(assignment.parts)} parts).")
    print(f"Each part may run for at most {timeout:g} s; a part that takes longer is stopped and fails.\n")
    sys.stdout.flush()
    if sandbox_available():
        return _validate_sandboxed(assignment, notebook, timeout)
    print(NO_SANDBOX + "\n")
    return _validate_in_kernel(assignment, notebook, timeout)


def _validate_sandboxed(assignment: Assignment, notebook: Path, timeout: float) -> int:
    from .engine import grade_notebook
    from .sandbox import Limits
    shown: set[str] = set()

    def show(part):
        shown.add(part.grade_id)
        _print_part(assignment, part.grade_id, part.max_points, part.passed, part.outcome, part.message)

    streaming = "on_part" in inspect.signature(grade_notebook).parameters   # older engines report at the end
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the sandbox warning is for instructors; this is the student's own code
        kwargs = {"on_part": show} if streaming else {}
        result = grade_notebook(assignment, notebook, "you", Limits(timeout=timeout), **kwargs)
    for part in result.parts:
        if part.grade_id not in shown:
            show(part)
    passed = sum(p.passed for p in result.parts)
    return _summary(passed, len(result.parts), result.notes, result.status)


def _print_part(assignment: Assignment, grade_id: str, points: float, passed: bool, outcome: str, message: str):
    print(f"  [{'PASS' if passed else 'FAIL'}] {grade_id} ({points:g} points)")
    if not passed:
        if outcome == "timeout":
            message += "\n" + _running_cells(assignment, grade_id)
        print("         " + message.strip().replace("\n", "\n         "))
    sys.stdout.flush()


def _running_cells(assignment: Assignment, grade_id: str) -> str:
    """A stopped test was running the student's code it calls: name those cells, where to look for the loop."""
    part = assignment.part(grade_id)
    try:
        used = {n.id for n in ast.walk(ast.parse(part.visible_source)) if isinstance(n, ast.Name)}
    except SyntaxError:
        used = set()
    cells = [c.grade_id for c in assignment.cells
             if c.kind == "solution" and used & set(defined_names(c.source)) and c.grade_id]
    if not cells:
        return "Look in your notebook for a loop that never ends or a very slow step."
    return ("The code this test calls is in your cell " + ", ".join(f"`{c}`" for c in cells) +
            ": look there for a loop that never ends or a very slow step.")


def _summary(passed: int, total: int, notes: list[str], status: str) -> int:
    if notes:
        print("\n" + "!" * 70 + "\nRead these notes: they explain failures above, or changes to your test cells.")
        for note in notes:
            print(f"  * {note}")
        print("!" * 70)
    print(f"\n{passed} of {total} parts pass their visible tests.")
    if status == "tampered" or any("test cell" in note for note in notes):
        print("Your test cells differ from the assignment's: its original tests were run instead. Restore them "
              "(copy them from a fresh release) before you submit.")
    print("Hidden tests also run when your work is graded: passing the visible ones is necessary, not sufficient.")
    sys.stdout.flush()
    return 0 if status not in ("invalid-notebook", "tampered") and passed == total else 1


# -- without the sandbox (Windows, macOS): the merged notebook runs in a Jupyter kernel of this Python

def _validate_in_kernel(assignment: Assignment, notebook: Path, timeout: float) -> int:
    import nbclient
    import nbformat
    try:
        plan = merge(assignment, read_student_notebook(notebook))
    except InvalidNotebook as err:
        print(f"Your notebook could not be checked: {err}.")
        return 2
    nb = nbformat.v4.new_notebook()
    steps = []
    for step in plan.steps:
        nb.cells.append(nbformat.v4.new_code_cell(step.part.visible_source if step.kind == "test" else step.code))
        steps.append(step)
    notes = plan.notes + [f"{t}." for t in dict.fromkeys(plan.tampering)]
    passed = []

    def done(cell, cell_index, execute_reply):
        step, error = steps[cell_index], _kernel_error(execute_reply, timeout)
        if step.kind == "student" and error:
            notes.append(f"{step.label.capitalize()} {error}")
        elif step.kind == "test":
            passed.append(error is None)
            outcome = "timeout" if error and "longer than" in error else "failed"
            _print_part(assignment, step.part.grade_id, step.part.points, error is None, outcome, error or "")

    os.environ["DLBOOK_GRADING"] = "1"    # the kernel inherits it: a `dlbook.validate()` cell must not recurse
    client = nbclient.NotebookClient(nb, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
                                     kernel_name="python3", on_cell_executed=done,
                                     resources={"metadata": {"path": str(notebook.resolve().parent)}})
    client.execute()
    status = "tampered" if plan.tampering else "graded"
    return _summary(sum(passed), len(assignment.parts), notes, status)


def _kernel_error(execute_reply, timeout: float) -> str | None:
    content = (execute_reply or {}).get("content", {})
    if content.get("status") != "error":
        return None
    if content.get("ename") == "KeyboardInterrupt":
        return f"took longer than {timeout:g} s and was stopped"
    return f"raised {content.get('ename')}: {content.get('evalue', '')}"
