"""Student-controlled text made safe to store and show: no terminal escapes, no lone surrogates, bounded length.

Everything a submission can put into a report (exception names and messages, notes, student ids) passes through
``clean`` before it reaches a results file, a feedback page, the CSV or the terminal.
"""
from __future__ import annotations

import re
import unicodedata

MAX_TEXT = 4000
# C0 and C1 control characters except tab and newline; this removes ANSI/VT escape sequences' introducers too.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")


def clean(text, limit: int = MAX_TEXT) -> str:
    """Printable text of at most ``limit`` characters (a cut is marked with '...')."""
    text = str(text) if not isinstance(text, str) else text
    if len(text) > 4 * limit:           # bound the work before the regexes run
        text = text[: 4 * limit]
    text = text.encode("utf-8", "replace").decode("utf-8")     # lone surrogates become '?'
    text = _CONTROL.sub("", _ANSI.sub("", text))
    return text if len(text) <= limit else text[:limit] + "..."


def student_id(name: str) -> str:
    """A student id as given, in Unicode NFC, with control characters removed."""
    return clean(unicodedata.normalize("NFC", name), 200)


def csv_cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text: cells starting with = + - @ (formulas) get a leading quote."""
    text = clean(value, 1000) if isinstance(value, str) else value
    if isinstance(text, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
