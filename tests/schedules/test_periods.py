"""One period key: the scheduler (``schedules.timing``) and the core (``/mentor checkin``,
prompts, streaks) name the same period for the same instant, member and cadence, over
dates, time zones and cadences."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.features import checkin
from bot.mentoring import month_of
from bot.periods import period_end, period_of, period_start, week_key
from schedules import timing
from tests.schedules.test_timing import PROPERTY, cadences, instants, specs

days = st.dates(min_value=date(1971, 1, 1), max_value=date(2099, 12, 31))


@PROPERTY
@given(spec=specs(), now=instants)
def test_the_scheduler_and_the_core_name_the_same_current_period(spec, now) -> None:
    """What the scheduler records for an instant is what ``/mentor checkin`` shows and
    stores for the member at that instant."""
    ctx = SimpleNamespace(now=now, member=SimpleNamespace(timezone=spec.tz))
    assert timing.current_period(spec, now) == checkin.current_period(ctx, spec.cadence)


@PROPERTY
@given(spec=specs(), after=instants)
def test_a_due_prompt_is_for_the_period_its_member_is_in(spec, after) -> None:
    """A prompt due at ``due`` carries ``period_key(spec, due)``; that period contains
    the member's local day at ``due``, so an answer on that day lands in it."""
    due = timing.next_due(spec, after)
    key = timing.period_key(spec, due)
    local_day = due.astimezone(timing._zone(spec.tz)).date()
    assert period_start(spec.cadence, key) <= local_day <= period_end(spec.cadence, key)
    assert key == period_of(spec.cadence, local_day)


@given(cadence=cadences, day=days)
def test_a_period_is_the_days_from_its_start_to_its_end(cadence: str, day: date) -> None:
    key = period_of(cadence, day)
    first, last = period_start(cadence, key), period_end(cadence, key)
    assert first <= day <= last
    assert period_of(cadence, first) == period_of(cadence, last) == key
    assert period_of(cadence, first - timedelta(days=1)) != key
    assert period_of(cadence, last + timedelta(days=1)) != key


@pytest.mark.parametrize(
    ("cadence", "day", "key"),
    [
        ("daily", date(2027, 3, 28), "2027-03-28"),
        ("weekly", date(2027, 3, 28), "2027-W12"),  # a Sunday ends its ISO week
        ("weekly", date(2027, 1, 1), "2026-W53"),  # the ISO year, not the calendar's
        ("weekly", date(2024, 12, 30), "2025-W01"),
        ("monthly", date(2027, 3, 28), "2027-03"),
    ],
)
def test_keys_as_stored(cadence: str, day: date, key: str) -> None:
    assert period_of(cadence, day) == key
    if cadence == "weekly":
        assert week_key(day) == key
    if cadence == "monthly":  # the digest's and the review's month is the same key
        assert month_of(day) == key


@pytest.mark.parametrize(
    ("cadence", "key"),
    [("daily", "2027-02-30"), ("weekly", "2027-12"), ("monthly", "2027-W12"), ("yearly", "2027")],
)
def test_a_malformed_or_impossible_key_is_refused(cadence: str, key: str) -> None:
    with pytest.raises(ValueError):
        period_start(cadence, key)
