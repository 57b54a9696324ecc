"""Per-student feedback as a small self-contained HTML page."""
from __future__ import annotations

import html

from .results import SubmissionResult, fmt_points as _fmt
from .text import clean

MAX_NOTES = 50

_STATUS_WORDS = {
    "graded": "Graded.",
    "timeout": "Graded; some of your code was stopped at the time limit.",
    "memory": "Graded; some of your code was stopped for using too much memory.",
    "crashed": "Graded; your code crashed the Python process at least once, or the grader failed (see the notes).",
    "invalid-notebook": "Not graded: the file could not be read as a notebook.",
    "modified": "Graded; test cells missing or duplicated in your notebook were restored, at no cost.",
    "tampered": "Graded; test cells were edited or their points or tags changed: the originals were used.",
}

_CSS = """body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.5rem;
text-align:left;vertical-align:top}.passed{color:#16713a;font-weight:600}.failed{color:#b3261e;font-weight:600}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem;margin:0;font-size:.85rem}.notes li{margin:.3rem 0}"""


def esc(text, limit: int = 4000) -> str:
    """Student-controlled text for the page: cleaned (no control characters, bounded) and HTML-escaped."""
    return html.escape(clean(text, limit))


def render_html(result: SubmissionResult) -> str:
    rows = []
    for p in result.parts:
        css = "passed" if p.passed else "failed"
        word = "passed" if p.passed else {"error": "error", "failed": "failed"}.get(p.outcome, p.outcome)
        detail = "" if p.passed else f"<pre>{esc(p.message)}</pre>"
        rows.append(f"<tr><td><code>{esc(p.grade_id, 200)}</code></td>"
                    f"<td>{_fmt(p.points)} / {_fmt(p.max_points)}</td>"
                    f"<td class='{css}'>{esc(word, 40)}</td><td>{detail}</td></tr>")
    notes = "".join(f"<li>{esc(n, 1000)}</li>" for n in result.notes[:MAX_NOTES])
    if len(result.notes) > MAX_NOTES:
        notes += f"<li>... and {len(result.notes) - MAX_NOTES} more notes</li>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(result.assignment, 200)}: feedback for
{esc(result.student, 200)}</title>
<style>{_CSS}</style></head><body>
<h1>{esc(result.assignment, 200)}: {_fmt(result.score)} / {_fmt(result.max_score)} points</h1>
<p>Student: <b>{esc(result.student, 200)}</b>. {esc(_STATUS_WORDS.get(result.status, result.status), 200)}</p>
{f'<h2>Notes</h2><ul class="notes">{notes}</ul>' if notes else ''}
<h2>Parts</h2>
<table><tr><th>part</th><th>points</th><th>result</th><th>what to fix</th></tr>
{''.join(rows)}
</table>
<p>Failed hidden tests show what your code returned and a hint, not the expected answer: run the visible tests
in your notebook and <code>python -m autograde validate</code> to check your work before submitting.</p>
</body></html>
"""
