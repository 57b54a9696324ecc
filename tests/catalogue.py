"""Runs an assignment's catalogue of realistic mistakes against its hidden tests.

    .venv/bin/python -m tests.catalogue ch05-losses [MISTAKE ...]     # a line per mistake; exit 1 if one is missed

``solutions/<id>/mistakes.py`` defines ``MISTAKES``, a list of dicts:

    {"name": "mean-not-sum",               # short, unique
     "code": "def mse(pred, target): ...",  # a wrong version of one or more graded functions, as a student writes it
     "loses": ["test_mse"],                 # the parts (test cell grade_ids) that must lose their points
     "hint": ["mean"]}                      # words the failing part's message must contain (any case)

How: the source notebook's cells run once, in order, in one process (provided and answer cells with the tests,
as the grader's two sides together). Just before the test cell of a mistake's first lost part, a forked child
runs the mistake's code, which replaces the right function, then the test cells up to its last lost part, and
reports which parts failed and with what message; a hidden check's message is the one the student would read
(without the expected value). The reference run itself must pass every part.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import signal
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")      # forked children and OpenMP thread pools do not mix
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TQDM_DISABLE", "1")

from autograde.assignment import Assignment, strip_magics  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CHILD_SECONDS = 120
KEYS = {"name", "code", "loses", "hint"}


def load_mistakes(name: str, repo: Path = REPO) -> list[dict]:
    path = repo / "solutions" / name / "mistakes.py"
    spec = importlib.util.spec_from_file_location(f"mistakes_{name.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.MISTAKES)


def problems_with(assignment: Assignment, mistakes: list[dict]) -> list[str]:
    """What is wrong with the catalogue itself (keys, unknown parts, duplicate names)."""
    parts = {p.grade_id for p in assignment.parts}
    found, names = [], set()
    for m in mistakes:
        if set(m) != KEYS:
            found.append(f"{m.get('name')}: keys must be {sorted(KEYS)}, not {sorted(m)}")
            continue
        if m["name"] in names:
            found.append(f"{m['name']}: duplicate name")
        names.add(m["name"])
        unknown = set(m["loses"]) - parts
        if unknown or not m["loses"]:
            found.append(f"{m['name']}: loses {sorted(unknown) or 'nothing'}, not parts of {assignment.name}")
    return found


def run(name: str, only: set[str] | None = None, repo: Path = REPO) -> list[dict]:
    """One report per mistake: {"name", "parts": {grade_id: {"failed", "message"}}, "error"}."""
    assignment = Assignment.load(name, repo)
    mistakes = [m for m in load_mistakes(name, repo) if only is None or m["name"] in only]
    order = [p.grade_id for p in assignment.parts]
    by_first: dict[str, list[dict]] = {}
    for m in mistakes:
        by_first.setdefault(min(m["loses"], key=order.index), []).append(m)
    namespace: dict = {"__name__": "__main__"}
    reports, children = [], []
    for cell in assignment.cells:
        if cell.kind in ("provided", "solution"):
            with _quiet():
                exec(compile(strip_magics(cell.source), f"<{cell.kind} cell>", "exec"), namespace)
        elif cell.kind == "test":
            part = assignment.part(cell.grade_id)
            for m in by_first.get(part.grade_id, []):
                children.append(_fork(assignment, m, namespace, order))
            outcome = _run_part(part, namespace)
            if outcome["failed"]:
                raise RuntimeError(f"the reference solution fails {part.grade_id}: {outcome['message']}")
    for m, pid, fd in children:
        reports.append(_collect(m, pid, fd))
    return reports


def _fork(assignment: Assignment, mistake: dict, namespace: dict, order: list[str]):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                   # the child: apply the mistake, run its parts, report
        os.close(read)
        report = {"name": mistake["name"], "parts": {}, "error": None}
        try:
            with _quiet():
                exec(compile(mistake["code"], f"<mistake {mistake['name']}>", "exec"), namespace)
            last = max(order.index(g) for g in mistake["loses"])
            first = min(order.index(g) for g in mistake["loses"])
            for grade_id in order[first:last + 1]:
                outcome = _run_part(assignment.part(grade_id), namespace)
                if grade_id in mistake["loses"]:
                    report["parts"][grade_id] = outcome
        except BaseException as err:  # noqa: BLE001 - reported, never raised in the child
            report["error"] = f"{type(err).__name__}: {err}"
        with os.fdopen(write, "w") as f:
            f.write(json.dumps(report))
        os._exit(0)
    os.close(write)
    return mistake, pid, read


def _collect(mistake: dict, pid: int, fd: int) -> dict:
    deadline = time.monotonic() + CHILD_SECONDS
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)
            return {"name": mistake["name"], "parts": {}, "error": f"took longer than {CHILD_SECONDS} s"}
        time.sleep(0.02)
    with os.fdopen(fd) as f:
        text = f.read()
    try:
        return json.loads(text)
    except ValueError:
        return {"name": mistake["name"], "parts": {}, "error": f"the child died (status {status})"}


def _run_part(part, namespace: dict) -> dict:
    """Like the grader: the part's segments in order; the first failure ends it, with the student's message."""
    for hidden, code in part.segments:
        try:
            with _quiet():
                exec(compile(code, f"<test {part.grade_id}>", "exec"), namespace)
        except Exception as err:  # noqa: BLE001 - any failure loses the part
            return {"failed": True, "message": _message(err, hidden)}
    return {"failed": False, "message": ""}


def _message(err: BaseException, hidden: bool) -> str:
    if hasattr(err, "message") and hasattr(err, "what"):          # dlbook.testing.CheckFailed
        return err.message(reveal_expected=not hidden)
    return f"{type(err).__name__}: {err}"


@contextlib.contextmanager
def _quiet():
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def verdicts(mistakes: list[dict], reports: list[dict]) -> list[str]:
    """One line per mistake that was not caught as the catalogue says (empty: all caught)."""
    by_name = {r["name"]: r for r in reports}
    missed = []
    for m in mistakes:
        report = by_name.get(m["name"])
        if report is None or report["error"]:
            missed.append(f"{m['name']}: {report['error'] if report else 'not run'}")
            continue
        words = [m["hint"]] if isinstance(m["hint"], str) else list(m["hint"])
        for grade_id in m["loses"]:
            outcome = report["parts"].get(grade_id, {"failed": False, "message": ""})
            if not outcome["failed"]:
                missed.append(f"{m['name']}: {grade_id} passed (the mistake would earn its points)")
            elif not all(w.lower() in outcome["message"].lower() for w in words):
                missed.append(f"{m['name']}: {grade_id} failed without the hint {words}: "
                              f"{outcome['message'][:300]!r}")
    return missed


def main(argv: list[str]) -> int:
    name, only = argv[0], set(argv[1:]) or None
    import torch
    torch.set_num_threads(1)
    start = time.monotonic()
    mistakes = [m for m in load_mistakes(name) if only is None or m["name"] in only]
    reports = run(name, only)
    missed = verdicts(mistakes, reports)
    for r in reports:
        mark = "MISSED" if any(line.startswith(r["name"] + ":") for line in missed) else "caught"
        print(f"{mark:7} {r['name']}")
    for line in missed:
        print("  " + line)
    print(f"{name}: {len(mistakes) - len({m.split(':')[0] for m in missed})} of {len(mistakes)} mistakes caught "
          f"in {time.monotonic() - start:.1f} s")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
