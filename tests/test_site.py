"""The built site (`make book`, which `make test` runs first): no raw TeX outside rendered math and code, figures
with alt texts, text progress bars instead of widgets, the download links of the site and the student kit.

Set DLBOOK_SITE to check a site built elsewhere (default `_build/html`). Without a built site these tests skip,
unless DLBOOK_REQUIRE_SITE=1 (set by `make test`), where they fail.
"""
from __future__ import annotations

import functools
import os
import re
import zipfile
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from .assignments import REPO

SITE = Path(os.environ.get("DLBOOK_SITE", REPO / "_build" / "html"))
PAGES = sorted((SITE / "book").glob("*.html"))
CHAPTERS = [p for p in PAGES if re.match(r"ch\d\d-", p.name)]
# TeX that MathJax would have typeset: a command or a dollar-delimited formula left in the text.
TEX = re.compile(r"\\(frac|partial|mathbf|mathcal|mathbb|boldsymbol|sum|prod|nabla|sigma|eta|alpha|beta|theta|"
                 r"delta|Delta|lambda|mu|phi|ell|cdot|times|odot|top|sqrt|left|right|begin|end|hat|tilde|log|exp|"
                 r"tanh|operatorname|text|mathrm|quad|le|ge|neq|approx|infty|in)\b|\$[^$\s][^$]*\$|\$\$")
# Elements whose text is meant to be verbatim or is typeset by MathJax.
SKIP = ("script", "style", "code", "pre", "kbd", "samp", ".math", ".MathJax", "mjx-container", ".highlight",
        "div.cell_output", "div.output", "svg", "[class*=tex2jax_ignore]")


@functools.lru_cache(maxsize=None)
def _soup(page: Path) -> BeautifulSoup:
    """A page parsed once (read only: _prose parses its own copy)."""
    return BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")


def _prose(page: Path) -> str:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    body = soup.select_one("main, article, div.bd-content") or soup
    for element in body.select(", ".join(SKIP)):
        element.decompose()
    return body.get_text(" ")


def test_the_checker_finds_raw_tex_and_ignores_math_and_code(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<main><p>A formula <span class="math notranslate">\\(\\frac{a}{b}\\)</span> typeset.</p>'
                    '<div class="highlight"><pre>x = "$a$"  # \\partial</pre></div><p>Price: 5 dollars.</p></main>')
    assert not TEX.search(_prose(page))
    page.write_text('<main><p>Left raw: $\\mathbf{w}$ and \\partial L.</p></main>')
    assert [m.group(0) for m in TEX.finditer(_prose(page))] == ["$\\mathbf{w}$", "\\partial"]


def require_site() -> None:
    """Skip when the site is not built, except where `make test` requires it (DLBOOK_REQUIRE_SITE): then fail."""
    if not CHAPTERS:
        if os.environ.get("DLBOOK_REQUIRE_SITE"):
            pytest.fail(f"no built site in {SITE}: run `make book` first")
        pytest.skip(f"no built site in {SITE} (run `make book`)")


@pytest.fixture(scope="module")
def site():
    require_site()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_no_raw_tex_outside_math_and_code(site, page):
    found = [m.group(0) for m in TEX.finditer(_prose(page))]
    assert not found, f"{page.name}: raw TeX in the rendered text: {found[:10]}"
    title = _soup(page).title.get_text()
    assert not TEX.search(title), f"{page.name}: raw TeX in the page title: {title}"


def test_the_offline_mathjax_is_configured_and_served(site):
    for page in PAGES:
        if not _soup(page).select("main .math"):
            continue                                   # Sphinx loads MathJax only on pages with math
        scripts = [s.get("src", "") for s in _soup(page).select("script")]
        assert any(s.split("?")[0].endswith("_static/mathjax/tex-mml-chtml.js") for s in scripts), page.name
        assert not any("mathjax" in s.lower() and s.startswith(("http:", "https:", "//")) for s in scripts), page.name
    mathjax = SITE / "_static" / "mathjax"
    assert (mathjax / "tex-mml-chtml.js").is_file()
    assert (mathjax / "input" / "tex" / "extensions" / "boldsymbol.js").is_file()


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_every_figure_has_an_alt_text_that_is_not_a_file_name(site, page):
    body = _soup(page).select_one("main, article") or _soup(page)
    for img in body.select("img"):
        alt = (img.get("alt") or "").strip()
        if img.get("src", "").startswith("../_static/"):           # the theme's logos and icons
            continue
        assert alt and not re.search(r"\.(png|svg|jpe?g|gif)$", alt) and len(alt.split()) >= 3, \
            f"{page.name}: {img.get('src')} has no alt text saying what it shows (alt={alt!r})"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_nothing_loads_from_the_network(site, page):
    """The site works offline: every script, stylesheet, image and frame comes from the site itself (a
    matplotlib animation's HTML, for one, links Font Awesome from a CDN)."""
    soup, remote = _soup(page), []
    for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
        for element in soup.select(f"{tag}[{attr}]"):
            url = element[attr].strip()
            if tag == "link" and not {"stylesheet", "preload", "icon"} & set(element.get("rel", [])):
                continue                                           # canonical and other plain links
            if url.startswith(("http:", "https:", "//")):
                remote.append(url)
    assert not remote, f"{page.name} loads from the network: {remote}"


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_no_widget_outputs(site, page):
    """Widgets (tqdm.auto's progress bar) need a CDN and show blank offline: executed pages use text bars."""
    assert "application/vnd.jupyter.widget-view+json" not in page.read_text(encoding="utf-8"), \
        f"{page.name}: a widget output (use `from tqdm.std import tqdm`, a text bar)"


def test_the_student_kit_is_published_and_linked(site):
    kit = SITE / "student-kit.zip"
    assert kit.is_file(), "make book writes _build/html/student-kit.zip"
    assert not any("solutions/" in n for n in zipfile.ZipFile(kit).namelist())
    links = [a.get("href") for a in _soup(SITE / "book" / "intro.html").select("a")]
    assert "../student-kit.zip" in links, "the introduction's Exercises section links the kit"


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_downloads_and_launch_buttons_point_at_this_page(site, page):
    soup, stem = _soup(page), page.stem
    hrefs = [a.get("href", "") for a in soup.select("a")]
    assert f"../_sources/book/{stem}.ipynb" in hrefs and f"../_sources/book/{stem}.md" in hrefs
    assert (SITE / "_sources" / "book" / f"{stem}.ipynb").is_file()
    assert any(h.startswith("https://mybinder.org/v2/gh/") and h.endswith(f"/book/{stem}.md") for h in hrefs)
    assert any("/hub/user-redirect/git-pull?" in h and f"/book/{stem}.md" in h for h in hrefs)
    assert any(h.startswith("https://colab.research.google.com/github/") and h.endswith(f"/book/{stem}.ipynb")
               for h in hrefs)
    repo = yaml.safe_load((REPO / "_config.yml").read_text())["repository"]["url"]
    assert repo in hrefs and any(h.startswith(f"{repo}/issues/new?") for h in hrefs), "repository and issue buttons"
    assert "CC BY-SA 4.0" in soup.get_text() and "MIT" in soup.get_text(), "the licence in the footer"
    for href in hrefs:                                             # every download on the site exists
        if "_downloads/" in href:
            assert (page.parent / href).resolve().is_file(), f"{page.name}: {href} is missing"


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_the_exercises_section_links_the_release_notebook(site, page):
    """From the site, not the repository: {download}`...<../exercises/<id>/<id>.ipynb>` (CONVENTIONS.md)."""
    if not (REPO / "exercises" / page.stem / f"{page.stem}.ipynb").exists():
        pytest.skip(f"{page.stem} has no assignment")
    links = [a.get("href", "") for a in _soup(page).select("main a")]
    wanted = [h for h in links if "_downloads/" in h and h.endswith(f"/{page.stem}.ipynb")]
    assert wanted, f"{page.name}: the Exercises section does not link the assignment notebook for download"
    assert (page.parent / wanted[0]).resolve().read_bytes() == \
        (REPO / "exercises" / page.stem / f"{page.stem}.ipynb").read_bytes(), "the site's copy is not the release"
