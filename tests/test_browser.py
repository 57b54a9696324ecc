"""The built site in headless Chromium (`make browser-test`; `make test` runs it too): every chapter loads without
console errors, its math is typeset by the site's own MathJax (no raw TeX left), every image has loaded, its
download and launch buttons point where they should, searching the chapter's key term finds it, and the
previous/next links lead through the book in order. Screenshots of three pages go to _build/screenshots/.

The site is served from `_build/html` (or DLBOOK_SITE) by a local http.server; nothing else is reached. The
browser is Debian's chromium with chromium-driver (`make browser-deps` installs them as root), or any Chromium or
Chrome with its chromedriver on PATH or in CHROMEWEBDRIVER (GitHub's runners).
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest
import yaml

from .assignments import REPO
from .test_site import CHAPTERS, SITE, TEX, require_site

SHOTS = REPO / "_build" / "screenshots"
# A term each chapter is about: the site's search must list the chapter among the first results.
KEY_TERMS = {"ch01-history": "Neocognitron", "ch02-perceptron": "perceptron", "ch03-backprop": "backpropagation",
             "ch04-activations": "ReLU", "ch05-losses": "cross-entropy", "ch06-regularization": "dropout",
             "ch07-optimization": "momentum", "ch08-cnns": "convolution", "ch09-architectures": "ResNet",
             "ch10-rnns": "LSTM", "ch11-autoencoders": "autoencoder", "ch12-interpretation": "saliency"}
CONFIG = yaml.safe_load((REPO / "_config.yml").read_text())


def _toc_order() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    pages = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [Path(p).name for p in pages]


def _binary(names, env_folder=None) -> str | None:
    for name in names:
        if env_folder and os.environ.get(env_folder):
            candidate = Path(os.environ[env_folder]) / name
            if candidate.exists():
                return str(candidate)
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def server():
    require_site()
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser(server):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service
    driver_path = _binary(["chromedriver"], "CHROMEWEBDRIVER")
    chrome = _binary(["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"])
    if not driver_path or not chrome:
        pytest.fail("no Chromium and chromedriver: run `make browser-deps` (as root on Debian)")
    options = webdriver.ChromeOptions()
    options.binary_location = chrome
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--disable-extensions", "--no-first-run"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    os.environ.setdefault("SE_OFFLINE", "true")      # Selenium Manager must not try to download anything
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def _open(browser, url: str) -> list[dict]:
    """Load a page, wait until MathJax has typeset it and every image has loaded; the console messages."""
    browser.get_log("browser")                                      # drop what earlier pages logged
    browser.get(url)
    browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const images = Array.from(document.images).map(img => img.complete ? Promise.resolve() :
            new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); }));
        const typeset = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
        Promise.all([typeset, ...images]).then(() => done(true), () => done(false));
    """)
    return browser.get_log("browser")


def _fetch(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as reply:
        return reply.status


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapter_loads_typeset_with_images_and_buttons(server, browser, page):
    from selenium.webdriver.common.by import By
    stem = page.stem
    url = f"{server}/book/{page.name}"
    logs = _open(browser, url)
    severe = [e["message"] for e in logs if e.get("level") == "SEVERE"]
    assert not severe, f"{stem}: console errors: {severe[:5]}"

    math = browser.execute_script("""
        const all = Array.from(document.querySelectorAll('main span.math, main div.math'));
        return [all.length, all.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80))];
    """)
    assert math[0] > 0 and not math[1], f"{stem}: {len(math[1])} of {math[0]} formulas not typeset: {math[1][:5]}"
    text = browser.execute_script("""
        const main = document.querySelector('main').cloneNode(true);
        main.querySelectorAll('pre, code, script, style, mjx-container, .math, .cell_output').forEach(e => e.remove());
        return main.innerText;
    """)
    raw = [m.group(0) for m in TEX.finditer(text)]
    assert not raw, f"{stem}: raw TeX on the page: {raw[:10]}"

    broken = browser.execute_script(
        "return Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src);")
    assert not broken, f"{stem}: images that did not load: {broken}"

    links = {a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a[href]")}
    for download in (f"{server}/_sources/book/{stem}.ipynb", f"{server}/_sources/book/{stem}.md"):
        assert download in links, f"{stem}: no download button for {download}"
        assert _fetch(download) == 200
    repo = CONFIG["repository"]["url"].removeprefix("https://github.com/")
    expected = [f"{CONFIG['launch_buttons']['binderhub_url']}/v2/gh/{repo}/main?urlpath=lab/tree/book/{stem}.md",
                f"{CONFIG['launch_buttons']['colab_url']}/github/{repo}/blob/notebooks/book/{stem}.ipynb"]
    for launch in expected:
        assert launch in links, f"{stem}: no launch button {launch}"
    hub = [h for h in links if h.startswith(CONFIG["launch_buttons"]["jupyterhub_url"])]
    assert hub and all(f"book/{stem}.md" in h and "git-pull" in h for h in hub), hub
    for href in links:                                              # the site's own downloads all exist
        if href.startswith(server) and "/_downloads/" in href:
            assert _fetch(href) == 200, href


@pytest.mark.parametrize("stem", sorted(KEY_TERMS))
def test_search_finds_the_chapter_of_its_key_term(server, browser, stem):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    if not (SITE / "book" / f"{stem}.html").exists():
        pytest.skip(f"{stem} is not in the book")
    browser.get(f"{server}/search.html?q={KEY_TERMS[stem]}")
    WebDriverWait(browser, 60).until(lambda d: d.execute_script(
        "const s = document.querySelector('#search-results'); return s && s.querySelector('p.search-summary');"))
    found = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#search-results ul.search li a")]
    pages = list(dict.fromkeys(re.sub(r"[#?].*$", "", h).rsplit("/", 1)[-1] for h in found))
    assert f"{stem}.html" in pages[:5], f"searching {KEY_TERMS[stem]!r} lists {pages[:5]}, not {stem}"
    if stem == "ch03-backprop":
        SHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SHOTS / "search.png"))


def test_previous_and_next_lead_through_the_book_in_order(server, browser):
    from selenium.webdriver.common.by import By
    order = [name for name in _toc_order() if (SITE / "book" / f"{name}.html").exists()]
    for before, page, after in zip(order, order[1:], order[2:]):
        browser.get(f"{server}/book/{page}.html")                    # the links only: no need to wait for math
        prev = browser.find_element(By.CSS_SELECTOR, "a.left-prev").get_attribute("href")
        nxt = browser.find_element(By.CSS_SELECTOR, "a.right-next").get_attribute("href")
        assert prev.endswith(f"/{before}.html") and nxt.endswith(f"/{after}.html"), (page, prev, nxt)
    _open(browser, f"{server}/book/{order[1]}.html")
    browser.find_element(By.CSS_SELECTOR, "a.right-next").click()    # and the link really leads there
    assert browser.current_url.endswith(f"/{order[2]}.html")


def test_screenshots_of_three_pages(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name in ("intro", "ch03-backprop", "ch12-interpretation"):
        if (SITE / "book" / f"{name}.html").exists():
            _open(browser, f"{server}/book/{name}.html")
            assert browser.save_screenshot(str(SHOTS / f"{name}.png"))
    assert len(list(SHOTS.glob("*.png"))) >= 3
