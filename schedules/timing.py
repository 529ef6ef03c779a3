"""When is a member's routine next due?

Pure, synchronous time arithmetic so the scheduler (and its tests) can ask the question for
100,000 members without touching I/O or a running event loop.

Members think in their own wall clock ("09:00 on weekdays, Berlin time"), while the scheduler
sleeps on absolute instants.  The hard part is the translation across daylight-saving changes,
and the rules chosen here are:

* **Gap** (spring forward: the chosen local time does not exist that day): the routine fires
  once, at the first real instant after the gap.  Europe/Berlin 02:30 on 2027-03-28 fires at
  03:00 CEST = 01:00 UTC.  If that instant already belongs to the *next* period (only
  possible when a gap swallows the rest of a day, e.g. Pacific/Apia skipped 2011-12-30
  entirely), the occurrence is dropped rather than fired twice in the next period.
* **Overlap** (fall back: the chosen local time happens twice): the routine fires once, at
  the first occurrence (``fold=0``).
* **Short months**: a monthly routine on the 29th-31st fires on the last day of months that
  are too short.

Why APScheduler's ``CronTrigger`` is not used with the member's zone directly
------------------------------------------------------------------------------
APScheduler 3.11.3's ``CronTrigger(timezone=ZoneInfo(...))`` does its field arithmetic on the
local wall clock and then attaches the zone, which (verified by reading
``apscheduler/triggers/cron/__init__.py`` and pinned by tests in
``tests/schedules/test_timing.py``) gives:

* Gap inside the day: ``_set_field_value`` returns the *non-existent* wall time with
  ``fold=0``, which zoneinfo maps with the pre-transition offset: Berlin 02:30 becomes
  01:30 UTC (03:30 CEST) instead of 03:00 CEST; Lord Howe 02:15 becomes 02:45 local.
* Gap at midnight: ``_increment_field_value`` adds the one-day step in UTC, landing at
  01:00 local, so an hour-0 routine *skips the whole day* (America/Santiago 00:00 on
  2027-09-05 never fires).
* Overlap: it fires twice (``fold=0`` and then ``fold=1``).
* ``day=31`` skips every month shorter than 31 days.

So the trigger is used for what it does well, calendar matching, on a clock that never jumps:
it runs in UTC over the member's *wall-clock* time (a naive local time labelled UTC).  Each
wall-clock candidate it yields is then turned into a real instant by :func:`_resolve`, which
implements the gap/overlap rules above with zoneinfo.  Short months are handled by a second
``day="last"`` trigger restricted to the months that can be too short; see
:func:`_build_triggers`.
"""

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from bot.periods import period_of

__all__ = [
    "Cadence",
    "RoutineSpec",
    "current_period",
    "is_valid_timezone",
    "next_due",
    "parse_hhmm",
    "period_key",
    "upcoming",
]

Cadence = Literal["daily", "weekly", "monthly"]

_CADENCES: frozenset[str] = frozenset(get_args(Cadence))
_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ONE_SECOND = timedelta(seconds=1)
# CronTrigger's year field starts at 1970 and would silently jump an earlier start to 1970.
_CRON_MIN_YEAR = 1970
_HHMM = re.compile(r"([0-9]{1,2}):([0-9]{2})")
# Loadable by zoneinfo but not a place a member can live in: "localtime" is whatever the host
# is set to, "posixrules" is a compiler input and "Factory" means "zone not configured".
_PSEUDO_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_PSEUDO_ZONE_PREFIXES = ("posix/", "right/")


@dataclass(frozen=True, slots=True)
class RoutineSpec:
    """A member's routine as they chose it, in their own wall-clock time.

    Frozen and hashable so it can key the trigger cache; validated on construction so a bad
    value fails where it was entered rather than deep inside the scheduler loop.
    """

    cadence: Cadence
    hour: int  # local time
    minute: int
    tz: str  # IANA zone name
    weekdays_only: bool = True  # daily: Mon-Fri only, else every day
    weekday: int = 4  # weekly: 0=Monday .. 6=Sunday
    day_of_month: int = 1  # monthly: 1..31; in a shorter month it falls on the last day

    def __post_init__(self) -> None:
        """Reject impossible routines early, where the caller can still tell the member."""
        if self.cadence not in _CADENCES:
            raise ValueError(f"cadence must be one of {sorted(_CADENCES)}, got {self.cadence!r}")
        _check_int("hour", self.hour, 0, 23)
        _check_int("minute", self.minute, 0, 59)
        _check_int("weekday", self.weekday, 0, 6)
        _check_int("day_of_month", self.day_of_month, 1, 31)
        if not isinstance(self.weekdays_only, bool):
            raise TypeError(f"weekdays_only must be a bool, got {self.weekdays_only!r}")
        if not is_valid_timezone(self.tz):
            raise ValueError(f"unknown IANA time zone {self.tz!r}")


def _check_int(name: str, value: object, low: int, high: int) -> None:
    """Bools are ints in Python; refuse them so ``hour=True`` is not silently 1 o'clock."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high}, got {value}")


def parse_hhmm(text: str) -> tuple[int, int]:
    """Parse a member-typed time of day ("8:30", "08:30") into ``(hour, minute)``.

    Strict (24-hour clock, ASCII digits, two-digit minutes) so that typos such as "8:3" or
    "830" are bounced back to the member instead of silently scheduling the wrong time.
    Surrounding whitespace is tolerated because chat clients add it.
    """
    match = _HHMM.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected a time like 8:30 or 08:30, got {text!r}")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"no such time of day: {text!r}")
    return hour, minute


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    """ZoneInfo's own strong cache holds only 8 zones; members span hundreds."""
    return ZoneInfo(name)


def is_valid_timezone(name: str) -> bool:
    """Whether ``name`` is a real IANA zone a member can be in.

    Never raises, so it can sit behind user input; rejects host-dependent pseudo-zones that
    zoneinfo would happily load (``localtime``, ``posix/...``) because they would make a
    routine's meaning depend on the machine it runs on.
    """
    if not isinstance(name, str) or name in _PSEUDO_ZONES:
        return False
    if name.startswith(_PSEUDO_ZONE_PREFIXES):
        return False
    try:
        _zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@lru_cache(maxsize=8192)
def _build_triggers(
    cadence: Cadence, hour: int, minute: int, weekdays_only: bool, weekday: int, day_of_month: int
) -> tuple[CronTrigger, ...]:
    """Build (once per distinct schedule) the UTC triggers that enumerate wall-clock times.

    The key deliberately omits the zone and any field the cadence ignores: the triggers run
    on the wall clock, so every Berlin and Tokyo member with "weekdays at 09:00" shares one.

    Monthly on the 29th-31st: ``CronTrigger(day=31)`` silently skips every month shorter than
    31 days.  We pair it with ``day="last"`` limited to the months that can be shorter than
    the chosen day (February for 29/30, plus April/June/September/November for 31).  In those
    months the first trigger either does not fire or fires on the same last day (Feb 29 in a
    leap year for day 29), so taking the earliest candidate of the two yields exactly one
    occurrence per month.
    """
    common = {"hour": hour, "minute": minute, "second": 0, "timezone": UTC}
    if cadence == "daily":
        return (CronTrigger(day_of_week="mon-fri" if weekdays_only else "*", **common),)
    if cadence == "weekly":
        return (CronTrigger(day_of_week=_WEEKDAY_NAMES[weekday], **common),)
    triggers = [CronTrigger(day=day_of_month, **common)]
    # 2001 is not a leap year, so February counts as short for day 29 too.
    short_months = [m for m in range(1, 13) if monthrange(2001, m)[1] < day_of_month]
    if short_months:
        months = ",".join(str(m) for m in short_months)
        triggers.append(CronTrigger(month=months, day="last", **common))
    return tuple(triggers)


def _triggers(spec: RoutineSpec) -> tuple[CronTrigger, ...]:
    """Normalise the spec to the fields its cadence uses, to share cache entries."""
    if spec.cadence == "daily":
        return _build_triggers("daily", spec.hour, spec.minute, spec.weekdays_only, 0, 1)
    if spec.cadence == "weekly":
        return _build_triggers("weekly", spec.hour, spec.minute, False, spec.weekday, 1)
    return _build_triggers("monthly", spec.hour, spec.minute, False, 0, spec.day_of_month)


def _next_wall(triggers: tuple[CronTrigger, ...], start: datetime) -> datetime:
    """First scheduled wall-clock time at or after ``start`` (naive, local)."""
    if start.year < _CRON_MIN_YEAR:
        raise ValueError(f"cannot schedule before {_CRON_MIN_YEAR}, got {start.isoformat()}")
    # fold must be cleared: CronTrigger copies it onto the time it returns, and a wall time
    # taken from the second pass of an overlap (fold=1) would otherwise resolve to the
    # repeated instant instead of the first one.
    label = start.replace(tzinfo=UTC, fold=0)
    candidates = [t.get_next_fire_time(None, label) for t in triggers]
    found = [c for c in candidates if c is not None]
    if not found:  # CronTrigger stops at year 9999.
        raise OverflowError(f"no occurrence after {start.isoformat()}")
    return min(found).replace(tzinfo=None, fold=0)


def _first_instant_after_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    """The transition instant that ends the gap ``wall`` falls into.

    zoneinfo does not expose transitions, but around a gap it brackets one: ``fold=1`` maps
    the missing wall time with the post-transition offset (an instant *before* the change)
    and ``fold=0`` with the pre-transition offset (an instant *at or after* it).  Bisecting
    on whole seconds (tzdata transitions are whole seconds) finds the first instant whose
    local clock has jumped past ``wall``; at most ~17 steps even for Apia's 24-hour gap.
    """
    low = int(wall.replace(tzinfo=zone, fold=1).timestamp())  # clock still before the gap
    high = int(wall.replace(tzinfo=zone, fold=0).timestamp())  # clock already past it
    while high - low > 1:
        mid = (low + high) // 2
        if datetime.fromtimestamp(mid, zone).replace(tzinfo=None) > wall:
            high = mid
        else:
            low = mid
    return datetime.fromtimestamp(high, UTC)


def _resolve(wall: datetime, zone: ZoneInfo, cadence: Cadence) -> datetime | None:
    """Turn a scheduled local wall-clock time into the instant it fires, in UTC.

    Returns ``None`` when a gap pushes the occurrence into the next period, because firing
    there would give that period two occurrences (and two identical period keys).
    """
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)  # first of an overlap
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    instant = _first_instant_after_gap(wall, zone)
    local_day = instant.astimezone(zone).date()
    if period_of(cadence, local_day) != period_of(cadence, wall.date()):
        return None
    return instant


def _as_utc(value: datetime, name: str) -> datetime:
    """Naive datetimes are ambiguous about the instant; refuse them instead of guessing."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)


def next_due(spec: RoutineSpec, after: datetime) -> datetime:
    """The first instant (aware, UTC) strictly after ``after`` at which the routine fires.

    Scanning starts at ``after``'s own wall-clock time: the wall-to-instant mapping is
    monotonic, so no earlier wall time can fire later than ``after``.  Candidates can still
    fail to be later (``after`` sits in the second pass of an overlap) or be dropped (gap
    pushes them into the next period), hence the loop; in practice it runs once or twice.
    """
    after_utc = _as_utc(after, "after")
    zone = _zone(spec.tz)
    triggers = _triggers(spec)
    wall = _next_wall(triggers, after_utc.astimezone(zone).replace(tzinfo=None))
    while True:
        instant = _resolve(wall, zone, spec.cadence)
        if instant is not None and instant > after_utc:
            return instant
        wall = _next_wall(triggers, wall + _ONE_SECOND)


def upcoming(spec: RoutineSpec, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` due instants (UTC, strictly increasing), e.g. for a preview."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"count must be a non-negative int, got {count!r}")
    result: list[datetime] = []
    cursor = after
    for _ in range(count):
        cursor = next_due(spec, cursor)
        result.append(cursor)
    return result


def period_key(spec: RoutineSpec, due: datetime) -> str:
    """Name the period ``due`` belongs to, so one occurrence per period can be recorded.

    Taken from the *local* date because that is what the member experiences: a Tokyo
    member's Monday 08:00 routine is still "Monday" although it is Sunday in UTC.
    """
    local_day = _as_utc(due, "due").astimezone(_zone(spec.tz)).date()
    return period_of(spec.cadence, local_day)


def current_period(spec: RoutineSpec, now: datetime) -> str:
    """The key of the period ``now`` lies in, to tell whether this period's routine ran."""
    return period_key(spec, now)
