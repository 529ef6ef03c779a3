"""What to do with routines that are due: which period, whether still worth it, and when
they are due next. Pure time arithmetic on top of ``schedules.timing``, no I/O.

At fan-out, 100,000 routines due in one minute share a handful of schedules (cadence,
local time, zone, due instant); :class:`Plans` decides once per schedule and hands back
the same :class:`Plan` object for schedules that come to the same decision (Berlin and
Paris at 09:00 on the same day), so the caller can write each decision with one
statement.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from schedules import policy
from schedules.timing import RoutineSpec, is_valid_timezone, next_due, period_key

log = logging.getLogger(__name__)

_TINY = timedelta(microseconds=1)

#: (cadence, hour, minute, weekdays_only, weekday, day_of_month, timezone, next_due_at),
#: in the order of ``storage.outbox.SCHEDULE_COLUMNS``.
Schedule = tuple[Any, ...]


def latest_due(spec: RoutineSpec, *, since: datetime, now: datetime) -> datetime | None:
    """The routine's last occurrence in ``[since, now]``, or None.

    After downtime a routine may be many periods behind; only this occurrence can still
    be worth a prompt. Scanning starts at most one period's gap (``policy.LOOKBACK``)
    before ``now``, so a year of downtime costs what a day does.
    """
    cursor = max(since - _TINY, now - policy.LOOKBACK[spec.cadence])
    found: datetime | None = None
    while True:
        following = next_due(spec, cursor)
        if following > now:
            return found
        found = cursor = following


@dataclass(frozen=True, slots=True)
class Plan:
    """The decision for routines that were due at ``was_due``: the period's row to
    create (none when ``period_key`` is None) and its status, and when they are due next
    (None disables routines whose schedule cannot be computed)."""

    cadence: str
    was_due: datetime
    following: datetime | None
    period_key: str | None = None
    due_at: datetime | None = None
    status: str = "pending"
    note: str | None = None

    @property
    def kind(self) -> str:
        return f"prompt:{self.cadence}"


def plan_for(schedule: Schedule, now: datetime) -> Plan:
    """Decide for one schedule at ``now``: only the latest occurrence up to ``now`` can
    get a row, ``pending`` inside its grace window and ``missed`` after it; older ones
    are skipped, so downtime never turns into a burst of stale prompts."""
    cadence, hour, minute, weekdays_only, weekday, day_of_month, zone, was_due = schedule
    try:
        spec = RoutineSpec(
            cadence=cadence,
            hour=hour,
            minute=minute,
            tz=zone if is_valid_timezone(zone) else "UTC",
            weekdays_only=bool(weekdays_only),
            weekday=weekday,
            day_of_month=day_of_month,
        )
        latest = latest_due(spec, since=was_due, now=now)
        following = next_due(spec, now)
    except (ValueError, TypeError, OverflowError):
        # Not a schedule the timing module accepts: stop it rather than fail on it every
        # tick; the member sees the routine as off in /mentor schedule.
        log.exception("schedule %s cannot be computed; disabling its routines", schedule)
        return Plan(cadence=cadence, was_due=was_due, following=None)
    if latest is None:
        return Plan(cadence=cadence, was_due=was_due, following=following)
    late = now - latest
    grace = policy.GRACE[cadence]
    on_time = late <= grace
    return Plan(
        cadence=cadence,
        was_due=was_due,
        following=following,
        period_key=period_key(spec, latest),
        due_at=latest,
        status="pending" if on_time else "missed",
        note=None if on_time else f"{late} late, past the {grace} grace window",
    )


class Plans:
    """Plans of one tick, by schedule, interned: equal decisions are one object, so a
    dict keyed by plan groups rows by identity instead of comparing fields per row."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._by_schedule: dict[Schedule, Plan] = {}
        self._interned: dict[Plan, Plan] = {}

    def __call__(self, schedule: Schedule) -> Plan:
        plan = self._by_schedule.get(schedule)
        if plan is None:
            decided = plan_for(schedule, self.now)
            plan = self._by_schedule[schedule] = self._interned.setdefault(decided, decided)
        return plan
