"""Execution time of every chapter page and of every assignment's tests.

    .venv/bin/python bench/bench_chapters.py [CHAPTER_ID ...]

For each chapter: the page executed top to bottom by nbclient (wall and CPU seconds, kernel start included; the
budget is 60 s on a 2-core CPU), the assignment's test cells (visible + hidden) when the solution notebook runs
(budget 20 s), and the time our grader takes for the solution notebook. CPU seconds are less sensitive than wall
seconds to other load on the machine; the load average is printed with the table.
"""
from __future__ import annotations

import os
import resource
import sys
import time
from datetime import datetime
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograde.assignment import Assignment  # noqa: E402
from autograde.engine import grade_notebook  # noqa: E402


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def execute(nb) -> tuple[float, float, object]:
    cpu0, start = _children_cpu(), time.perf_counter()
    client = NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(ROOT / "book")}})
    client.execute()
    return time.perf_counter() - start, _children_cpu() - cpu0, nb


def _cell_seconds(cell) -> float:
    timing = cell.get("metadata", {}).get("execution", {})
    try:
        begin = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return 0.0
    return (end - begin).total_seconds()


def test_cell_seconds(nb) -> float:
    return sum(_cell_seconds(c) for c in nb.cells
               if c.get("metadata", {}).get("nbgrader", {}).get("grade") and c.cell_type == "code")


def main(ids: list[str]) -> None:
    pages = sorted((ROOT / "book").glob("ch*.md"))
    ids = ids or [p.stem for p in pages]
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'chapter':22} {'page wall':>10} {'page CPU':>9} {'tests':>7} {'grader':>7}")
    for chapter in ids:
        page = ROOT / "book" / f"{chapter}.md"
        wall, cpu, _ = execute(jupytext.read(page)) if page.exists() else (float("nan"),) * 3
        source = ROOT / "solutions" / chapter / f"{chapter}.ipynb"
        tests = grader = float("nan")
        if source.exists():
            _, _, nb = execute(nbformat.read(str(source), as_version=4))
            tests = test_cell_seconds(nb)
            start = time.perf_counter()
            result = grade_notebook(Assignment.load(chapter, ROOT), source, "bench")
            grader = time.perf_counter() - start
            assert result.score == result.max_score, [(p.grade_id, p.message) for p in result.parts if not p.passed]
        print(f"{chapter:22} {wall:9.1f}s {cpu:8.1f}s {tests:6.1f}s {grader:6.1f}s", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
