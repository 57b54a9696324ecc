"""Late penalties: parsing --due and --late-penalty, and taking points off at the boundaries."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from autograde.lateness import LatePolicy, apply, duration, parse_policy
from autograde.results import SubmissionResult

DUE = datetime(2026, 12, 1, 23, 59, tzinfo=timezone.utc)


def result(timestamp, score=10.0):
    return SubmissionResult("ada", "a1", "graded", score, 10.0, timestamp=timestamp)


# ---------------------------------------------------------------- parsing

@pytest.mark.parametrize("due", ["2026-12-01T23:59", "2026-12-01 23:59", "2026-12-01T23:59:00Z",
                                 "2026-12-02T00:59+01:00", "2026-12-02 00:59:00 Europe/Paris"])
def test_due_dates_are_read_as_utc(due):
    assert parse_policy(due, None) == LatePolicy(DUE, 0.0, "hour", None)


@pytest.mark.parametrize("text, expected", [("1/hour", (1, "hour", None)), ("10/day", (10, "day", None)),
                                            ("2/hour,max=6", (2, "hour", 6)), (" 0.5 / hours , max = 3 ", (0.5, "hour", 3))])
def test_penalties(text, expected):
    policy = parse_policy("2026-12-01T23:59", text)
    assert (policy.points, policy.per, policy.cap) == expected and policy.due == DUE


@pytest.mark.parametrize("text", ["1/week", "hour", "-1/hour", "1/hour,max=", "1/hour,cap=3", "", "1 per hour"])
def test_bad_penalties_say_what_is_accepted(text):
    with pytest.raises(ValueError, match="'1/hour', '10/day', '2/hour,max=6'"):
        parse_policy("2026-12-01T23:59", text)


@pytest.mark.parametrize("due", ["tomorrow", "2026-13-01", "2026-12-01 23:59 Nowhere/Land", "1 2 3 4"])
def test_bad_due_dates(due):
    with pytest.raises(ValueError, match="--due"):
        parse_policy(due, "1/hour")


def test_a_penalty_needs_a_due_date_and_nothing_means_no_policy():
    with pytest.raises(ValueError, match="needs a due date"):
        parse_policy(None, "1/hour")
    assert parse_policy(None, None) is None


# ---------------------------------------------------------------- applying

POLICY = LatePolicy(DUE, 1.0, "hour", 6.0)


def test_exactly_on_time_changes_nothing():
    r = result("2026-12-01T23:59:00+00:00")
    apply(r, POLICY)
    assert (r.score, r.late_penalty, r.notes) == (10.0, 0.0, [])


def test_one_second_late_is_one_hour_started():
    r = result("2026-12-01T23:59:01+00:00")
    apply(r, POLICY)
    assert (r.score, r.late_penalty) == (9.0, 1.0)
    assert r.notes == ["Submitted 1 s after the due date (2026-12-01 23:59 UTC): 1 point off "
                       "(1 per hour started, at most 6)."]


def test_hours_round_up_and_the_note_says_how_late():
    r = result("2026-12-02T03:09:00.5+00:00")
    apply(r, POLICY)
    assert (r.score, r.late_penalty) == (6.0, 4.0)
    assert r.notes == ["Submitted 3 h 10 min after the due date (2026-12-01 23:59 UTC): 4 points off "
                       "(1 per hour started, at most 6)."]


def test_the_cap():
    r = result("2026-12-03T23:59:00+00:00")
    apply(r, POLICY)
    assert (r.score, r.late_penalty) == (4.0, 6.0)
    assert "2 days after" in r.notes[0]


def test_a_penalty_larger_than_the_score_stops_at_zero():
    r = result("2026-12-03T23:59:00+00:00", score=2.5)
    apply(r, LatePolicy(DUE, 10.0, "day", None))
    assert (r.score, r.late_penalty) == (0.0, 2.5)


def test_days_and_other_zones():
    r = result("2026-12-02T01:30:00+01:00")      # 00:30 UTC: 31 min late, one day started
    apply(r, LatePolicy(DUE, 10.0, "day", None))
    assert (r.score, r.late_penalty) == (0.0, 10.0)
    assert "31 min after" in r.notes[0] and "10 per day started)" in r.notes[0]


def test_a_due_date_without_penalty_only_records_lateness():
    r = result("2026-12-02T00:00:00+00:00")
    apply(r, parse_policy("2026-12-01T23:59", None))
    assert (r.score, r.late_penalty) == (10.0, 0.0)
    assert r.notes == ["Submitted 1 min after the due date (2026-12-01 23:59 UTC)."]


def test_no_timestamp_gets_a_note_only_with_a_due_date():
    r = result(None)
    apply(r, None)
    assert r.notes == [] and r.score == 10.0
    apply(r, POLICY)
    assert r.score == 10.0 and r.notes == ["No submission time was found, so lateness could not be checked "
                                           "(due 2026-12-01 23:59 UTC)."]


def test_applying_twice_takes_the_points_off_once():
    r = result("2026-12-02T01:00:00+00:00")
    apply(r, POLICY)
    apply(r, POLICY)
    assert (r.score, r.late_penalty, len(r.notes)) == (8.0, 2.0, 1)


@pytest.mark.parametrize("seconds, text", [(0.2, "1 s"), (59, "59 s"), (60, "1 min"), (3 * 3600, "3 h"),
                                           (86400 + 3600 + 60, "1 day 1 h"), (3 * 86400 + 5, "3 days")])
def test_durations(seconds, text):
    assert duration(seconds) == text
