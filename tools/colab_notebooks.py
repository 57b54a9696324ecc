"""Write each page of the book as a plain .ipynb for Colab: ``python tools/colab_notebooks.py OUT``.

Colab opens only ``.ipynb`` files from GitHub, and it has neither ``dlbook`` nor this repository. The deployment
workflow (.github/workflows/book.yml) runs this script and pushes OUT to the ``notebooks`` branch, where the
site's Colab buttons point (book/_ext/publish_site.py). Each notebook is the page without outputs, with one
set-up cell in front that installs ``dlbook`` from the repository when it is missing (Colab already has torch,
numpy, matplotlib, scikit-learn and tqdm).
"""
from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat
import yaml

REPO = Path(__file__).resolve().parent.parent
EXTRAS = ["captum==0.9.0"]   # pinned in requirements.txt, not preinstalled on Colab


def pages(repo: Path = REPO) -> list[Path]:
    """The executable pages of the toc (MyST notebooks, with a jupytext header)."""
    toc = yaml.safe_load((repo / "_toc.yml").read_text())
    files = [entry["file"] for part in toc.get("parts", []) for entry in part.get("chapters", [])]
    paths = [repo / f"{name}.md" for name in files]
    return [p for p in paths if p.is_file() and p.read_text().lstrip().startswith("---\njupytext:")]


def setup_cell(repository: str, branch: str) -> nbformat.NotebookNode:
    url = f"git+{repository}@{branch}"
    source = (
        "# Set-up for Colab (or any Jupyter without the course's packages): installs the book's helper library.\n"
        "import importlib.util\n"
        "if importlib.util.find_spec(\"dlbook\") is None:\n"
        f"    %pip install -q \"dlbook @ {url}\" {' '.join(EXTRAS)}\n"
    )
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["colab-setup"]})


def write(out: Path, repo: Path = REPO) -> list[Path]:
    config = yaml.safe_load((repo / "_config.yml").read_text())
    repository = config["repository"]["url"].rstrip("/") + ".git"
    branch = config["repository"].get("branch", "main")
    written = []
    for page in pages(repo):
        nb = jupytext.read(page)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nb.cells.insert(0, setup_cell(repository, branch))
        target = out / page.relative_to(repo).with_suffix(".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(target))
        written.append(target)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/colab_notebooks.py OUT")
    for path in write(Path(sys.argv[1])):
        print(path)
