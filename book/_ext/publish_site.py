"""Publishing details of the site that Jupyter Book has no setting for.

Colab opens only ``.ipynb`` files from GitHub, while the pages are MyST Markdown notebooks (``book/<id>.md``).
The deployment workflow publishes each page as ``book/<id>.ipynb`` on a branch of its own
(``publish_colab_branch``, made by ``tools/colab_notebooks.py``); this extension points the theme's Colab button
there. Binder and JupyterHub keep opening ``book/<id>.md`` on the main branch (jupytext opens it as a notebook).
It also drops a script that sphinx-thebe adds twice (a console error in every page), and the CDN link to Font
Awesome 4 in matplotlib's animation HTML (the theme serves Font Awesome itself).
"""
from __future__ import annotations

import re

from docutils import nodes

COLAB_LINK = re.compile(r"^(?P<base>.*/github/[^/]+/[^/]+/blob/)[^/]+/(?P<path>.+)\.md$")


def colab_url(url: str, branch: str) -> str:
    """The theme's Colab link to ``blob/<main>/book/x.md``, pointed at ``blob/<branch>/book/x.ipynb``."""
    match = COLAB_LINK.match(url)
    return f"{match['base']}{branch}/{match['path']}.ipynb" if match else url


def _retarget_colab(app, pagename, templatename, context, doctree) -> None:
    branch = app.config.publish_colab_branch
    if not branch:
        return
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if isinstance(group, dict) else []:
            if button.get("text") == "Colab" and button.get("url"):
                button["url"] = colab_url(button["url"], branch)


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """sphinx-thebe's inline script (``const THEBE_JS_URL = ...``) lands twice on every page, and the second
    ``const`` is a SyntaxError in the browser's console: keep the first copy of each script."""
    seen, kept = set(), []
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", script) or "", getattr(script, "attributes", {}).get("body"))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


# matplotlib's animation HTML (Animation.to_jshtml) links Font Awesome 4 from a CDN for its buttons' icons; the
# theme already serves Font Awesome 6, which draws the same `fa fa-play` icons, so the remote link only fails offline.
REMOTE_FONT_AWESOME = re.compile(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*"\s*/?>\s*')


def _drop_remote_font_awesome(app, doctree, docname) -> None:
    for raw in list(doctree.findall(nodes.raw)):
        if "html" in raw.get("format", "") and REMOTE_FONT_AWESOME.search(raw.astext()):
            text = REMOTE_FONT_AWESOME.sub("", raw.astext())
            raw.replace_self(nodes.raw(text, text, **{k: raw[k] for k in ("format", "classes") if k in raw}))


def setup(app):
    app.add_config_value("publish_colab_branch", "", "html")
    # After sphinx-book-theme's add_launch_buttons (priority 501) has filled the header buttons.
    app.connect("html-page-context", _retarget_colab, priority=510)
    app.connect("html-page-context", _drop_duplicate_scripts, priority=510)
    app.connect("doctree-resolved", _drop_remote_font_awesome)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
