"""The book serves MathJax itself: the bundle, its fonts and the TeX extensions MathJax loads on demand (a page
using \\boldsymbol showed raw TeX when the extensions were missing, since MathJax stops on a failed load)."""
from __future__ import annotations

import importlib.util
from types import SimpleNamespace

from .assignments import REPO


def test_the_bundle_fonts_and_autoloaded_extensions_are_copied(tmp_path):
    spec = importlib.util.spec_from_file_location("offline_mathjax", REPO / "book" / "_ext" / "offline_mathjax.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._copy(SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html")), None)
    mathjax = tmp_path / "_static" / "mathjax"
    assert (mathjax / "tex-mml-chtml.js").is_file()
    assert list((mathjax / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    for extension in ("boldsymbol", "cancel", "color", "mathtools"):
        assert (mathjax / "input" / "tex" / "extensions" / f"{extension}.js").is_file(), extension
