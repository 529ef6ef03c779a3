"""Period keys: which day, ISO week or month a moment belongs to, written once.

A check-in is stored per period (``CheckIn.period_key``), the outbox is unique per kind,
period and target, buttons carry their period, and streaks, stats and nudges count
periods. The scheduler names the period of a due instant (``schedules.timing``) and the
core names the period of a member's local day (``bot.prompts``, ``/mentor checkin``);
both call :func:`period_of`, so a prompt and its answer can never disagree about which
period they are for. Pure and standard-library only, so any layer may import it.

Keys: daily ``2027-03-28``, weekly ``2027-W12`` (ISO week, weeks start on Monday, and
the ISO year: 2026-12-31 is ``2026-W53``, 2027-01-01 too), monthly ``2027-03``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_PERIOD = {
    "daily": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "weekly": re.compile(r"\d{4}-W\d{2}"),
    "monthly": re.compile(r"\d{4}-\d{2}"),
}


def period_of(cadence: str, day: date) -> str:
    """The key of the ``cadence`` period a local day belongs to."""
    if cadence == "daily":
        return day.isoformat()
    if cadence == "weekly":
        return week_key(day)
    return f"{day.year:04d}-{day.month:02d}"


def week_key(day: date) -> str:
    """The ISO week of a local day, ``2027-W12``: a weekly period's key."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def period_start(cadence: str, key: str) -> date:
    """The first local day of a period; raises ValueError for a malformed key.

    Strict, because period keys also arrive inside button values that a client could
    forge: only a well-formed, real period may reach the database.
    """
    pattern = _PERIOD.get(cadence)
    if pattern is None or not pattern.fullmatch(key):
        raise ValueError(f"not a {cadence} period: {key!r}")
    if cadence == "daily":
        return date.fromisoformat(key)
    if cadence == "weekly":
        year, week = key.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    year, month = key.split("-")
    return date(int(year), int(month), 1)


def period_end(cadence: str, key: str) -> date:
    """The last local day of a period."""
    start = period_start(cadence, key)
    if cadence == "daily":
        return start
    if cadence == "weekly":
        return start + timedelta(days=6)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - timedelta(days=1)
