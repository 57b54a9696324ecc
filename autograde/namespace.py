"""Which names a test cell sees in the secure mode, besides its own and the provided cells'.

The tests run in the grader's process; the student's code runs in the sandbox. Before each test the grader binds:
the graded names (what the answers define, fetched from the sandbox as data or proxies), the provided variables the
answers change in place (fetched back as data only), and the modules only the answers import (imported by the grader
itself, the import statement alone), so that a test reads what it would read in a kernel.
"""
from __future__ import annotations

import ast

from .analysis import _bound, _mutated
from .assignment import Assignment, defined_names, strip_magics


def _answers(assignment: Assignment, plan) -> list[str]:
    """The code of every answer: the source's solution cells and the student's own cells."""
    return [c.source for c in assignment.cells if c.kind == "solution"] + \
        [step.code for step in plan.steps if step.kind == "student"]


def answer_names(assignment: Assignment, plan) -> list[str]:
    """The graded names: those the source's answers define, and those the student's own cells define (an
    nbgrader source may hold released answers, `raise NotImplementedError()`, that define nothing)."""
    provided = set()          # names the provided and test cells bind (imports included): the grader's own
    for cell in assignment.cells:
        if cell.kind in ("provided", "test"):
            provided.update(_bound(cell.source))
    names = list(assignment.student_names)
    for step in plan.steps:
        if step.kind == "student":
            names += [n for n in defined_names(step.code) if n not in names and n not in provided]
    return names


def changed_provided_names(assignment: Assignment, plan) -> list[str]:
    """Names a provided cell binds that the answers (the source's or the student's) change in place
    (`data.append(...)`, `table[k] = ...`): the test must see the student's copy, as in a kernel."""
    provided = set()
    for cell in assignment.cells:
        if cell.kind == "provided":
            provided.update(_assigned(cell.source))
    changed = set()
    for code in _answers(assignment, plan):
        changed |= _mutated(code) & provided
    return sorted(changed)


def _assigned(source: str) -> set[str]:
    """Names a cell binds to a value by assignment (`data = [1, 2]`), not by import, def or class."""
    try:
        tree = ast.parse(strip_magics(source))
    except SyntaxError:
        return set()
    targets = [t for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign))
               for t in (n.targets if isinstance(n, ast.Assign) else [n.target])]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


# Modules whose import does something (opens a browser, prints, starts a GUI, runs a program's main: any
# `__main__` module, `import unittest.__main__` runs unittest and exits): never imported for an answer.
_NOT_IMPORTED = {"antigravity", "this", "__hello__", "__phello__", "__main__", "idlelib", "turtledemo", "turtle",
                 "tkinter"}


def _harmless(module: str) -> bool:
    parts = module.split(".")
    return parts[0] not in _NOT_IMPORTED and "__main__" not in parts


def answer_imports(assignment: Assignment, plan, graded) -> list[tuple[str, frozenset]]:
    """Top-level imports in the answers (the source's and the student's cells) that bind names no provided or test
    cell binds: (the import statement alone, the names it binds). A test may use a module the student's cell
    imported (`np` where only the answer imports numpy), as in a kernel; the grader then imports that module itself
    (its own copy: the statement alone, never the rest of the student's cell)."""
    bound = set(graded)
    for cell in assignment.cells:
        if cell.kind in ("provided", "test"):
            bound |= _bound(cell.source)
    found = {}
    for code in _answers(assignment, plan):
        try:
            body = ast.parse(strip_magics(code)).body
        except SyntaxError:
            continue
        for node in body:
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
                names = {a.asname or a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                    all(a.name != "*" for a in node.names):
                modules = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
                names = {a.asname or a.name for a in node.names}
            else:
                continue
            if all(_harmless(m) for m in modules) and names - bound:
                found.setdefault(ast.unparse(node), frozenset(names - bound))
    return list(found.items())
