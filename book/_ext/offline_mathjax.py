"""Serve MathJax from the built site instead of a CDN, so the book's formulas render offline.

MathJax 3 ships inside the `django-static-mathjax` wheel (pinned in requirements.txt); this extension copies the
one bundle the book uses, its fonts and the TeX extensions it loads on demand (``\boldsymbol`` autoloads one: without
it MathJax stops and a page shows raw TeX) into `_static/mathjax/` and points Sphinx at it.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import mathjax

BUNDLE = "tex-mml-chtml.js"


def _es5() -> Path:
    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def _copy(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(_es5() / BUNDLE, target / BUNDLE)
    shutil.copytree(_es5() / "output" / "chtml" / "fonts" / "woff-v2", target / "output" / "chtml" / "fonts" / "woff-v2",
                    dirs_exist_ok=True)
    shutil.copytree(_es5() / "input" / "tex" / "extensions", target / "input" / "tex" / "extensions",
                    dirs_exist_ok=True)


def setup(app):
    app.config.mathjax_path = f"mathjax/{BUNDLE}"
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
