"""An assignment as the grader sees it, read from its nbgrader source notebook (the single source of truth)."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import REPO

HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"


def sources_dir(repo: Path = REPO) -> Path:
    """Where the assignments' sources are: ``solutions/`` in the course repository. The student kit has no
    ``solutions/``; its ``checks/`` holds pristine copies of the releases (visible tests only) for `validate`."""
    repo = Path(repo)
    if not (repo / "solutions").is_dir() and (repo / "checks").is_dir():
        return repo / "checks"
    return repo / "solutions"


@dataclass
class Cell:
    kind: str                 # 'markdown', 'provided', 'solution' or 'test'
    source: str
    grade_id: str | None = None
    points: float = 0.0


@dataclass
class Part:
    """A graded test cell: code segments run in order, each visible or hidden."""
    grade_id: str
    points: float
    segments: list[tuple[bool, str]]      # (hidden, code)

    @property
    def visible_source(self) -> str:
        """The cell as the release shows it (nbgrader drops the hidden block and its markers)."""
        return "\n".join(code for hidden, code in self.segments if not hidden)


@dataclass
class Assignment:
    name: str
    path: Path
    cells: list[Cell]
    parts: list[Part] = field(default_factory=list)
    student_names: list[str] = field(default_factory=list)

    @property
    def max_score(self) -> float:
        return sum(p.points for p in self.parts)

    def part(self, grade_id: str) -> Part:
        return next(p for p in self.parts if p.grade_id == grade_id)

    @classmethod
    def load(cls, name: str, repo: Path = REPO) -> "Assignment":
        path = sources_dir(repo) / name / f"{name}.ipynb"
        if not path.exists():
            known = sorted(p.name for p in sources_dir(repo).glob("*") if p.is_dir())
            raise FileNotFoundError(f"no assignment {name!r}: {path} does not exist (known: {', '.join(known)})")
        return cls.from_notebook(name, path)

    @classmethod
    def from_notebook(cls, name: str, path: Path) -> "Assignment":
        nb = nbformat.read(str(path), as_version=4)
        cells, parts, names = [], [], []
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            kind = classify(cell.cell_type, meta)
            grade_id = meta.get("grade_id")
            points = float(meta.get("points", 0) or 0) if kind == "test" else 0.0
            cells.append(Cell(kind, cell.source, grade_id, points))
            if kind == "test":
                parts.append(Part(grade_id, points, split_hidden(cell.source)))
            elif kind == "solution":
                names += [n for n in defined_names(cell.source) if n not in names]
        provided = set()
        for c in cells:
            if c.kind == "provided":
                provided.update(defined_names(c.source))
        return cls(name, path, cells, parts, [n for n in names if n not in provided])


def classify(cell_type: str, meta: dict) -> str:
    if cell_type != "code":
        return "markdown"
    if meta.get("grade") and not meta.get("solution"):
        return "test"
    if meta.get("solution"):
        return "solution"
    return "provided"


def split_hidden(source: str) -> list[tuple[bool, str]]:
    """Visible and hidden segments of a test cell, in order; the marker lines themselves are dropped."""
    segments, hidden, lines = [], False, []
    for line in source.splitlines():
        marker = line.strip()
        if marker in (HIDDEN_BEGIN, HIDDEN_END):
            segments.append((hidden, "\n".join(lines)))
            hidden, lines = marker == HIDDEN_BEGIN, []
            continue
        lines.append(line)
    segments.append((hidden, "\n".join(lines)))
    return [(h, code) for h, code in segments if code.strip()]


def defined_names(source: str) -> list[str]:
    """Names bound at the top level of a cell: functions, classes and assigned variables."""
    try:
        tree = ast.parse(strip_magics(source))
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return names


_MAGIC = re.compile(r"^(\s*)(?=[%!])|^(\s*)(?=\?\??[\w.]+\s*$|[\w.]+\?\??\s*$)")   # `%time f()`, `!ls`, `np.mean?`
_CAPTURE = re.compile(r"^(\s*[\w.]+\s*=\s*)(?=[%!])")                 # `files = !ls`, `t = %timeit -o f()`
# Cell magics whose body is Python run in this namespace: keep the body. Any other (%%bash, %%html) is not Python.
PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun")


def strip_magics(source: str) -> str:
    """IPython magics and shell escapes are meaningless to the trusted side: drop them, keep the Python."""
    lines = source.splitlines()
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        name = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        body = lines[1:] if name in PYTHON_CELL_MAGICS else []
        return "\n".join(["pass  # " + first] + body)
    return "\n".join(_strip_line(line) for line in lines)


def _strip_line(line: str) -> str:
    match = _MAGIC.match(line)
    if match:
        return match.group(0) + "pass  # " + line[match.end():]
    return _CAPTURE.sub(r"\1None  # ", line)
