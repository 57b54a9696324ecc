"""Late penalties as nbgrader computes them: points off per hour (or day) started after the due date, capped.

`parse_policy` reads the command line's --due and --late-penalty; `apply` takes the points off one result and tells
the student why in a note. Pure functions: no files, no clock.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from .intake import parse_time
from .results import SubmissionResult, fmt_points

UNIT_SECONDS = {"hour": 3600, "day": 86400}
_PENALTY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(hour|day)s?\s*(?:,\s*max\s*=\s*(\d+(?:\.\d+)?)\s*)?$")
PENALTY_FORMS = "'POINTS/hour' or 'POINTS/day', optionally with ',max=POINTS' (e.g. '1/hour', '10/day', '2/hour,max=6')"


@dataclass(frozen=True)
class LatePolicy:
    due: datetime                  # aware, UTC
    points: float = 0.0            # off per unit started; 0: lateness is only recorded
    per: str = "hour"              # 'hour' or 'day'
    cap: float | None = None       # at most this many points off in all


def parse_policy(due: str | None, penalty: str | None) -> LatePolicy | None:
    """The policy from --due and --late-penalty; None when neither is given. ValueError says what is wrong."""
    if due is None:
        if penalty is not None:
            raise ValueError("--late-penalty needs a due date: add --due (e.g. --due 2026-12-01T23:59)")
        return None
    try:
        when = parse_time(due.strip())
    except (ValueError, OverflowError) as err:
        raise ValueError(f"--due {due!r} is not a date and time: use ISO 8601 (2026-12-01T23:59, UTC unless a "
                         f"zone is given) or '2026-12-01 23:59:00 Europe/Paris' ({err})") from None
    if penalty is None:
        return LatePolicy(when)
    match = _PENALTY.match(penalty)
    if not match:
        raise ValueError(f"--late-penalty {penalty!r} is not understood: use {PENALTY_FORMS}")
    points, per, cap = float(match[1]), match[2], None if match[3] is None else float(match[3])
    return LatePolicy(when, points, per, cap)


def seconds_late(policy: LatePolicy, timestamp: str) -> float:
    """Seconds after the due date (<= 0: on time). ValueError for a timestamp that is not ISO 8601."""
    when = datetime.fromisoformat(timestamp)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)        # our timestamps are UTC; a naive one means UTC too
    return (when - policy.due).total_seconds()


def penalty(policy: LatePolicy, late: float, score: float) -> float:
    """Points off: per unit started (nbgrader rounds hours up), at most the cap, never more than the score."""
    if late <= 0:
        return 0.0
    off = policy.points * math.ceil(late / UNIT_SECONDS[policy.per])
    if policy.cap is not None:
        off = min(off, policy.cap)
    return max(0.0, min(off, score))


def apply(result: SubmissionResult, policy: LatePolicy | None) -> None:
    """Take the late penalty off result.score and say why in its notes; on time or no policy: nothing changes.

    Safe to apply twice: the penalty is worked out from the score before any earlier penalty.
    """
    if policy is None:
        return
    if result.timestamp is None:
        _note(result, f"No submission time was found, so lateness could not be checked (due {when(policy.due)}).")
        return
    try:
        late = seconds_late(policy, result.timestamp)
    except ValueError:
        _note(result, f"The submission time {result.timestamp!r} could not be read, so lateness was not checked.")
        return
    if late <= 0:
        return
    before = result.score + result.late_penalty
    result.late_penalty = penalty(policy, late, before)
    result.score = before - result.late_penalty
    _note(result, late_note(policy, late, result.late_penalty))


def late_note(policy: LatePolicy, late: float, off: float) -> str:
    head = f"Submitted {duration(late)} after the due date ({when(policy.due)})"
    if policy.points == 0:
        return head + "."
    rule = f"{fmt_points(policy.points)} per {policy.per} started"
    if policy.cap is not None:
        rule += f", at most {fmt_points(policy.cap)}"
    return f"{head}: {fmt_points(off)} point{'' if off == 1 else 's'} off ({rule})."


def duration(seconds: float) -> str:
    """'3 h 10 min', '2 days 1 h', '45 s': the two largest units, rounded down (the penalty rounds up)."""
    s = int(seconds)
    if s < 60:
        return f"{max(s, 1)} s"
    units = [(s // 86400, "day"), (s % 86400 // 3600, "h"), (s % 3600 // 60, "min")]
    shown = [(n, u) for n, u in units if n][:2]
    return " ".join(f"{n} {u}{'s' if u == 'day' and n > 1 else ''}" for n, u in shown)


def when(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if t.second == 0 \
        else t.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _note(result: SubmissionResult, text: str) -> None:
    if text not in result.notes:
        result.notes.append(text)
