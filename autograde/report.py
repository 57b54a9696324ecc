"""A class summary from a grading folder: per-part means and pass rates, a score histogram, failure reasons."""
from __future__ import annotations

import base64
import html
import io
from collections import Counter
from pathlib import Path

from .results import SubmissionResult, load_results, write_atomic
from .text import clean


def summarize(results: list[SubmissionResult]) -> dict:
    parts: dict[str, dict] = {}
    reasons = Counter()
    for r in results:
        for p in r.parts:
            entry = parts.setdefault(p.grade_id, {"max": p.max_points, "points": 0.0, "passed": 0, "n": 0})
            entry["points"] += p.points
            entry["passed"] += p.passed
            entry["n"] += 1
            if not p.passed:
                reasons[(p.grade_id, p.outcome, _first_line(p.message))] += 1
    return {"n": len(results), "statuses": Counter(clean(r.status, 40) for r in results), "parts": parts,
            "reasons": reasons, "scores": [r.score for r in results],
            "max_score": max((r.max_score for r in results), default=0.0)}


def _first_line(message: str) -> str:
    """The first line, cleaned and cut before splitting: a message may be megabytes of student output."""
    lines = clean(message or "", 400).splitlines()
    return lines[0][:120] if lines else ""


def histogram_png(scores: list[float], max_score: float) -> bytes:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    bins = max(1, min(20, int(max_score) + 1))
    ax.hist(scores, bins=bins, range=(0, max_score or 1), color="#0072B2", edgecolor="white")
    ax.set_xlabel("score")
    ax.set_ylabel("students")
    ax.set_title(f"Scores of {len(scores)} submissions")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def report(out: Path) -> str:
    """Write OUT/report.html and OUT/score_histogram.png; return the text summary."""
    out = Path(out)
    results = list(load_results(out).values())
    if not results:
        raise FileNotFoundError(f"no graded results in {out}/results: run `python -m autograde grade` first")
    s = summarize(results)
    lines = [f"{s['n']} submissions, mean {sum(s['scores']) / s['n']:.2f} / {s['max_score']:g}",
             "status: " + ", ".join(f"{k} {v}" for k, v in sorted(s["statuses"].items())), "",
             f"{'part':32} {'mean':>8} {'max':>5} {'pass rate':>10}"]
    for gid, e in s["parts"].items():
        lines.append(f"{clean(gid, 60):32} {e['points'] / e['n']:8.2f} {e['max']:5g} "
                     f"{e['passed'] / e['n']:10.0%}")
    lines += ["", "most common failures:"]
    lines += [f"  {n:4d} x {clean(gid, 60)} ({clean(outcome, 40)}): {msg}"
              for (gid, outcome, msg), n in s["reasons"].most_common(10)]
    text = "\n".join(lines)
    png = histogram_png(s["scores"], s["max_score"])
    (out / "score_histogram.png").write_bytes(png)
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>Class report</title></head><body "
            f"style='font-family:system-ui;max-width:60rem;margin:2rem auto'><h1>Class report</h1>"
            f"<img alt='score histogram' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"
            f"<pre>{html.escape(text)}</pre></body></html>")
    write_atomic(out / "report.html", page)
    return text
