"""Forwarding what a test cell does to the student's namespace and process state into the sandbox (secure mode).

A test that deletes a student name (`del squares`) and later rebinds it (`squares = orig_squares`) checks how the
student's code behaves without it: the deletion and the rebinding must happen where that code runs. A test that
seeds the global random generator at its top level (`np.random.seed(0)`) means the student's code to draw from it.
The test's code is rewritten (its AST, line numbers kept) so that each such statement also happens in the sandbox:

* `del X` of a student name also deletes X in the sandbox; an assignment to a name the test deletes somewhere also
  binds it there (to the same object: a proxy goes back as its handle, data as a copy);
* a top-level seeding call with constant arguments (numpy, random, torch) is run in the sandbox too.

Tests that only read student names are compiled unchanged.
"""
from __future__ import annotations

import ast

FORWARDER = "__autograde_forward__"
_SEED_MODULES = {"np": "numpy", "numpy": "numpy", "random": "random", "torch": "torch"}
SEEDERS = {("random", "seed"), ("manual_seed",), ("random", "set_state")}


def deleted_names(code: str, student_names) -> set[str]:
    """Student names a test deletes with `del`."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {t.id for n in ast.walk(tree) if isinstance(n, ast.Delete) for t in n.targets
            if isinstance(t, ast.Name) and t.id in student_names}


def seed_source(call: ast.Call) -> str | None:
    """Code that repeats a top-level seeding call in the sandbox, or None when it cannot be repeated there
    (arguments that are not constants, a module we do not know)."""
    parts = []
    node = call.func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in _SEED_MODULES:
        return None
    rest = tuple(reversed(parts))
    module = _SEED_MODULES[node.id]
    if not (rest in SEEDERS or (module == "random" and rest == ("seed",))):
        return None
    if rest == ("random", "set_state") or not all(isinstance(a, ast.Constant) for a in call.args) or call.keywords:
        return None
    args = ", ".join(repr(a.value) for a in call.args)
    return f"import {module} as _m\n_m.{'.'.join(rest)}({args})\ndel _m"


def needs_forwarding(code: str, student_names) -> bool:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return bool(deleted_names(code, student_names)) or any(
        isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) and seed_source(n.value) for n in tree.body)


def instrument(code: str, deleted: set[str]) -> ast.Module:
    """The test's AST with forwarding calls after each `del`, rebinding of a deleted name and top-level seed."""
    tree = ast.parse(code)
    tree = _Rewriter(deleted).visit(tree)
    body = []
    for stmt in tree.body:
        body.append(stmt)
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            src = seed_source(stmt.value)
            if src:
                body.append(_call("run", stmt, ast.Constant(src)))
    tree.body = body
    return ast.fix_missing_locations(tree)


def _call(method: str, where: ast.AST, *args: ast.expr) -> ast.Expr:
    node = ast.Expr(ast.Call(ast.Attribute(ast.Name(FORWARDER, ast.Load()), method, ast.Load()), list(args), []))
    return ast.copy_location(node, where)


class _Rewriter(ast.NodeTransformer):
    def __init__(self, deleted: set[str]):
        self.deleted = deleted

    def _after(self, node, stmts):
        return [node, *stmts] if stmts else node

    def visit_Delete(self, node):
        names = [t.id for t in node.targets if isinstance(t, ast.Name) and t.id in self.deleted]
        return self._after(node, [_call("delete", node, ast.Constant(n)) for n in names])

    def _rebind(self, node, targets):
        names = [t.id for t in targets if isinstance(t, ast.Name) and t.id in self.deleted]
        return self._after(node, [_call("set", node, ast.Constant(n), ast.Name(n, ast.Load())) for n in names])

    def visit_Assign(self, node):
        self.generic_visit(node)
        return self._rebind(node, node.targets)

    def visit_AnnAssign(self, node):
        self.generic_visit(node)
        return self._rebind(node, [node.target])

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        return self._rebind(node, [node.target])


class Forwarder:
    """Bound in the test's namespace as __autograde_forward__: sends each forwarded statement to the sandbox."""

    def __init__(self, session):
        self._session = session

    def delete(self, name: str) -> None:
        self._ask({"op": "del", "name": name})

    def set(self, name: str, value) -> None:
        tree, blobs = self._session.encode(value)
        self._ask({"op": "set", "name": name, "value": tree}, blobs)

    def run(self, code: str) -> None:
        self._ask({"op": "run", "code": code})

    def _ask(self, header, blobs=()):
        from .client import student_error
        reply, _ = self._session.request(header, blobs)
        if reply.get("ok") is not True:
            raise student_error("forwarding the test's statement", reply.get("error", {}))
