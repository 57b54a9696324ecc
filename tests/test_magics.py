"""Magics and shell escapes a student leaves in a notebook cost no points: harmless ones run, shell ones are skipped."""
from __future__ import annotations

import nbformat
import pytest

from autograde import REPO
from autograde.assignment import Assignment, defined_names, strip_magics
from autograde.client import Session
from autograde.engine import grade_notebook
from autograde.sandbox import Limits

NAME = "ch02-perceptron"
# What students paste at the top of answer cells, from tutorials and their own habits.
PREFIXES = [
    "%matplotlib inline\n%config InlineBackend.figure_format = 'retina'",
    "%load_ext autoreload\n%autoreload 2",
    "!pip install numpy\n%pip install numpy",
    "np.mean?",
    "%matplotlib\n%time _ = np.zeros(3)\n%who",
]


def _with_magics(tmp_path):
    """The full-marks solution notebook with magics at the tops of its answer cells, one `%%time` cell."""
    nb = nbformat.read(str(REPO / "solutions" / NAME / f"{NAME}.ipynb"), as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    answers[0].source = "%%time\n" + answers[0].source
    for i, cell in enumerate(answers[1:]):
        cell.source = PREFIXES[i % len(PREFIXES)] + "\n" + cell.source
    path = tmp_path / f"{NAME}.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_magics_in_answer_cells_keep_full_marks(tmp_path):
    assignment = Assignment.load(NAME)
    result = grade_notebook(assignment, _with_magics(tmp_path), "s", Limits(timeout=30))
    assert result.score == assignment.max_score, [(p.grade_id, p.message) for p in result.parts if not p.passed]
    assert not any("raised" in note for note in result.notes), result.notes


@pytest.fixture
def session():
    s = Session(Limits(timeout=20))
    yield s
    s.close()


def test_shell_lines_are_skipped_and_reported(session):
    reply, _ = session.request({"op": "run", "code": "!pip install torch\n%pip install numpy\nfiles = !ls\nx = 1"})
    assert reply["ok"] is True and reply["skipped"] == ["!pip install torch", "%pip install numpy", "!ls"]
    reply, _ = session.request({"op": "run", "code": "%%bash\nrm -rf /\n"})
    assert reply == {"ok": True, "skipped": ["%%bash"], "seq": reply["seq"]}
    reply, _ = session.request({"op": "run", "code": "%matplotlib inline\nimport matplotlib\nb = matplotlib.get_backend()"})
    assert "skipped" not in reply and reply["ok"] is True
    reply, _ = session.request({"op": "get", "name": "b"})
    assert reply["value"].lower() == "agg"
    reply, _ = session.request({"op": "get", "name": "x"})    # the cell went on after its skipped lines
    assert reply["value"] == 1


def test_strip_magics_keeps_the_python_of_cell_magics():
    assert defined_names("%%time\ndef f():\n    return 1") == ["f"]
    assert defined_names("%%capture out\nx = 2") == ["x"]
    assert strip_magics("%%bash\nls -l\nrm x") == "pass  # %%bash"        # not Python: dropped whole
    code = strip_magics("files = !ls\nnp.mean?\n??f\nif True:\n    %time g()\ny = 3\nprint(y != 2)")
    compile(code, "<cell>", "exec")
    assert code.splitlines()[-2:] == ["y = 3", "print(y != 2)"]
