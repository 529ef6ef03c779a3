"""Tests for schedules.timing.

The property tests compare the implementation with a deliberately naive oracle written here:
it walks the local calendar one date at a time, decides from plain date arithmetic whether the
routine is scheduled that day, and resolves a non-existent wall time by stepping through UTC
minute by minute.  It shares no code with the module, so agreement over many zones and dates
is evidence that the CronTrigger-based implementation is right, not merely self-consistent.
"""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

import pytest
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given, settings
from hypothesis import strategies as st

from schedules import timing
from schedules.timing import (
    RoutineSpec,
    current_period,
    is_valid_timezone,
    next_due,
    parse_hhmm,
    period_key,
    upcoming,
)

BERLIN = ZoneInfo("Europe/Berlin")

# Zones with unusual transitions: 30-minute DST (Lord_Howe), midnight transitions (Santiago,
# Havana), transitions at xx:01 and overlaps that cross midnight (St_Johns, Casey), a skipped
# calendar day (Apia, Fakaofo 2011-12-30), Ramadan DST suspensions (Casablanca), negative DST
# (Dublin), odd offsets (Chatham +12:45, Kathmandu +5:45) and zones without DST as controls.
CURATED_ZONES = (
    "Africa/Casablanca",
    "America/Havana",
    "America/New_York",
    "America/Nuuk",
    "America/Santiago",
    "America/St_Johns",
    "Antarctica/Casey",
    "Asia/Dhaka",
    "Asia/Gaza",
    "Asia/Ho_Chi_Minh",
    "Asia/Kathmandu",
    "Asia/Tehran",
    "Australia/Lord_Howe",
    "Australia/Sydney",
    "Europe/Berlin",
    "Europe/Dublin",
    "Europe/London",
    "Pacific/Apia",
    "Pacific/Chatham",
    "Pacific/Fakaofo",
    "Pacific/Kiritimati",
    "UTC",
)
DST_ZONES = (
    "Africa/Casablanca",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Europe/Berlin",
    "Pacific/Apia",
)
ALL_ZONES = tuple(sorted(z for z in available_timezones() if is_valid_timezone(z)))

zones = st.one_of(st.sampled_from(CURATED_ZONES), st.sampled_from(ALL_ZONES))
cadences = st.sampled_from(("daily", "weekly", "monthly"))
instants = st.datetimes(
    min_value=datetime(2000, 1, 3), max_value=datetime(2037, 10, 1), timezones=st.just(UTC)
)
PROPERTY = settings(max_examples=60, deadline=None)


@st.composite
def specs(draw: st.DrawFn, cadence: st.SearchStrategy[str] = cadences) -> RoutineSpec:
    return RoutineSpec(
        cadence=draw(cadence),
        hour=draw(st.integers(0, 23)),
        minute=draw(st.sampled_from((0, 1, 15, 30, 45, 59))),
        tz=draw(zones),
        weekdays_only=draw(st.booleans()),
        weekday=draw(st.integers(0, 6)),
        day_of_month=draw(st.one_of(st.integers(1, 31), st.integers(28, 31))),
    )


# ---------------------------------------------------------------------------------------
# The oracle
# ---------------------------------------------------------------------------------------


def _local(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _period(cadence: str, day: date) -> str:
    if cadence == "daily":
        return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    if cadence == "weekly":
        iso_year, iso_week, _ = day.isocalendar()
        return f"{iso_year}-W{iso_week:02d}"
    return f"{day.year:04d}-{day.month:02d}"


def _scheduled_on(spec: RoutineSpec, day: date) -> bool:
    if spec.cadence == "daily":
        return not spec.weekdays_only or day.weekday() < 5
    if spec.cadence == "weekly":
        return day.weekday() == spec.weekday
    return day.day == min(spec.day_of_month, calendar.monthrange(day.year, day.month)[1])


def _instants_with_wall(wall: datetime, zone: ZoneInfo) -> list[datetime]:
    """Every real instant whose local clock reads ``wall`` (0, 1 or 2 of them)."""
    found = set()
    for fold in (0, 1):
        instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if _local(instant, zone) == wall:
            found.add(instant)
    return sorted(found)


def _first_instant_past(wall: datetime, zone: ZoneInfo) -> datetime:
    """Brute force: step through UTC minutes until the local clock reads later than wall."""
    instant = wall.replace(tzinfo=UTC) - timedelta(hours=15)  # local clock still < wall
    while _local(instant, zone) <= wall:
        instant += timedelta(minutes=1)
    return instant


def _oracle_fire(spec: RoutineSpec, day: date) -> datetime | None:
    zone = ZoneInfo(spec.tz)
    wall = datetime.combine(day, time(spec.hour, spec.minute))
    real = _instants_with_wall(wall, zone)
    if real:
        return real[0]  # an overlap fires at its first occurrence only
    instant = _first_instant_past(wall, zone)
    if _period(spec.cadence, instant.astimezone(zone).date()) != _period(spec.cadence, day):
        return None
    return instant


def _oracle_upcoming(spec: RoutineSpec, after: datetime, count: int) -> list[datetime]:
    day = after.astimezone(ZoneInfo(spec.tz)).date() - timedelta(days=2)
    result: list[datetime] = []
    while len(result) < count:
        if _scheduled_on(spec, day):
            instant = _oracle_fire(spec, day)
            if instant is not None and instant > after:
                result.append(instant)
        day += timedelta(days=1)
    return result


@cache
def _transitions(name: str) -> tuple[tuple[datetime, timedelta, timedelta], ...]:
    """(instant, offset before, offset after) of each offset change 2000-2037, by bisection."""
    zone = ZoneInfo(name)
    found = []
    instant = datetime(2000, 1, 10, tzinfo=UTC)
    offset = instant.astimezone(zone).utcoffset()
    while instant < datetime(2037, 12, 1, tzinfo=UTC):
        later = instant + timedelta(days=7)
        new_offset = later.astimezone(zone).utcoffset()
        if new_offset != offset:
            low, high = int(instant.timestamp()), int(later.timestamp())
            while high - low > 1:
                mid = (low + high) // 2
                if datetime.fromtimestamp(mid, zone).utcoffset() == offset:
                    low = mid
                else:
                    high = mid
            found.append((datetime.fromtimestamp(high, UTC), offset, new_offset))
            offset = new_offset
        instant = later
    return tuple(found)


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------

COUNTS = {"daily": 60, "weekly": 20, "monthly": 14}


@PROPERTY
@given(spec=specs(), after=instants, as_local=st.booleans())
def test_upcoming_matches_the_calendar_oracle(
    spec: RoutineSpec, after: datetime, as_local: bool
) -> None:
    if as_local:  # the member's own clock, fold=1 when in a repeated hour
        after = after.astimezone(ZoneInfo(spec.tz))
    count = COUNTS[spec.cadence]
    assert upcoming(spec, after, count) == _oracle_upcoming(spec, after, count)


@PROPERTY
@given(data=st.data(), cadence=cadences)
def test_routines_set_inside_a_transition_match_the_oracle(
    data: st.DataObject, cadence: str
) -> None:
    """Random times almost never land in a gap or overlap, so aim straight at them."""
    name = data.draw(zones, label="zone")
    if not _transitions(name):
        name = data.draw(st.sampled_from(DST_ZONES), label="zone with transitions")
    zone = ZoneInfo(name)
    moment, before, after_change = data.draw(st.sampled_from(_transitions(name)))
    # The wall-clock interval that is skipped (gap) or repeated (overlap).
    start = moment.replace(tzinfo=None) + min(before, after_change)
    width = abs(after_change - before) // timedelta(minutes=1)
    wall = start + timedelta(minutes=data.draw(st.integers(0, width - 1), label="minute"))
    spec = RoutineSpec(
        cadence=cadence,
        hour=wall.hour,
        minute=wall.minute,
        tz=name,
        weekdays_only=False,
        weekday=wall.weekday(),
        day_of_month=wall.day,
    )
    begin = moment - timedelta(days=3)
    dues = upcoming(spec, begin, 6)
    assert dues == _oracle_upcoming(spec, begin, 6)

    if after_change > before:  # gap: once, at the transition itself, if still in the period
        same_period = _period(cadence, moment.astimezone(zone).date()) == _period(
            cadence, wall.date()
        )
        if same_period:
            assert moment in dues
            assert _oracle_fire(spec, wall.date()) == moment
        else:  # the gap swallowed the rest of the period (Apia, Fakaofo 2011-12-30)
            assert _oracle_fire(spec, wall.date()) is None
            assert _period(cadence, wall.date()) not in {period_key(spec, d) for d in dues}
    else:  # overlap: once, at the first of the two instants with that wall-clock time
        first, second = _instants_with_wall(wall, zone)
        assert first in dues
        assert second not in dues

    # Ask from inside the transition too, as the member's local time (fold=1 in the repeated
    # hour), and from just around it.
    for probe in (moment - timedelta(minutes=1), moment, moment + timedelta(minutes=1)):
        for after in (probe, probe.astimezone(zone)):
            assert next_due(spec, after) == _oracle_upcoming(spec, after, 1)[0]
    if after_change < before:
        for instant in _instants_with_wall(wall, zone):
            assert next_due(spec, instant.astimezone(zone)) == _oracle_upcoming(spec, instant, 1)[0]


@PROPERTY
@given(spec=specs(cadence=st.just("daily")), after=instants)
def test_daily_fires_once_per_local_day_at_the_chosen_time(
    spec: RoutineSpec, after: datetime
) -> None:
    zone = ZoneInfo(spec.tz)
    dues = []
    due = next_due(spec, after)
    while due < after + timedelta(days=60):
        dues.append(due)
        due = next_due(spec, due)

    chosen = time(spec.hour, spec.minute)
    local_days = [d.astimezone(zone).date() for d in dues]
    assert len(set(local_days)) == len(local_days)
    assert len({period_key(spec, d) for d in dues}) == len(dues)

    # Every scheduled local date in the window has its occurrence, except a date whose
    # chosen time fell into a gap that swallowed the rest of the day (Apia 2011-12-30).
    day, expected = local_days[0], []
    while day <= local_days[-1]:
        if _scheduled_on(spec, day) and _oracle_fire(spec, day) is not None:
            expected.append(day)
        day += timedelta(days=1)
    assert local_days == expected

    for due in dues:
        local = _local(due, zone)
        if local.time() != chosen:  # only allowed when the chosen time did not exist
            wall = datetime.combine(local.date(), chosen)
            assert _instants_with_wall(wall, zone) == []
            assert _local(due - timedelta(seconds=1), zone) < wall < local
        if spec.weekdays_only:
            assert local.weekday() < 5


@PROPERTY
@given(spec=specs(cadence=st.just("weekly")), after=instants)
def test_weekly_fires_once_per_iso_week_on_the_chosen_weekday(
    spec: RoutineSpec, after: datetime
) -> None:
    zone = ZoneInfo(spec.tz)
    dues = upcoming(spec, after, 20)
    weeks = [date.fromisocalendar(*d.astimezone(zone).isocalendar()[:2], 1) for d in dues]
    assert all(b - a == timedelta(weeks=1) for a, b in pairwise(weeks))
    assert len({period_key(spec, d) for d in dues}) == len(dues)
    for due in dues:
        local = _local(due, zone)
        if local.weekday() != spec.weekday or local.time() != time(spec.hour, spec.minute):
            # Moved off the chosen day/time only by a gap (Apia's skipped Friday).
            wall = datetime.combine(local.date(), time(spec.hour, spec.minute))
            wall -= timedelta(days=(local.weekday() - spec.weekday) % 7)
            assert _instants_with_wall(wall, zone) == []


@PROPERTY
@given(spec=specs(cadence=st.just("monthly")), after=instants)
def test_monthly_fires_once_per_month_on_the_day_or_the_last_day(
    spec: RoutineSpec, after: datetime
) -> None:
    zone = ZoneInfo(spec.tz)
    dues = upcoming(spec, after, 14)
    months = [d.astimezone(zone).year * 12 + d.astimezone(zone).month for d in dues]
    assert all(b - a == 1 for a, b in pairwise(months))
    assert len({period_key(spec, d) for d in dues}) == len(dues)
    for due in dues:
        local = _local(due, zone)
        day = min(spec.day_of_month, calendar.monthrange(local.year, local.month)[1])
        if (local.day, local.time()) != (day, time(spec.hour, spec.minute)):
            wall = datetime.combine(local.date().replace(day=day), time(spec.hour, spec.minute))
            assert _instants_with_wall(wall, zone) == []


@PROPERTY
@given(
    spec=specs(),
    after=st.datetimes(
        min_value=datetime(2000, 1, 3),
        max_value=datetime(2037, 10, 1),
        timezones=st.sampled_from(CURATED_ZONES).map(ZoneInfo),
    ),
    fold=st.integers(0, 1),
    count=st.integers(0, 8),
)
def test_next_due_is_strictly_later_and_upcoming_strictly_increases(
    spec: RoutineSpec, after: datetime, fold: int, count: int
) -> None:
    # `after` may be any aware datetime: another zone, either pass of an overlap, or a wall
    # time that does not exist (hypothesis generates those too).
    after = after.replace(fold=fold)
    due = next_due(spec, after)
    assert due > after
    assert due.tzinfo is UTC
    dues = upcoming(spec, after, count)
    assert len(dues) == count
    assert all(a < b for a, b in zip([after, *dues], dues, strict=False))
    assert dues[:1] == [due][:count]
    assert current_period(spec, due) == period_key(spec, due)


@settings(max_examples=200, deadline=None)
@given(hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_parse_hhmm_round_trips(hour: int, minute: int) -> None:
    assert parse_hhmm(f"{hour}:{minute:02d}") == (hour, minute)
    assert parse_hhmm(f"{hour:02d}:{minute:02d}") == (hour, minute)


# ---------------------------------------------------------------------------------------
# Examples
# ---------------------------------------------------------------------------------------


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def daily(hour: int, minute: int, tz: str = "Europe/Berlin", **kw: object) -> RoutineSpec:
    return RoutineSpec("daily", hour, minute, tz, weekdays_only=False, **kw)


def test_spring_forward_gap_fires_once_at_the_end_of_the_gap() -> None:
    spec = daily(2, 30)
    assert upcoming(spec, utc(2027, 3, 27, 12), 2) == [utc(2027, 3, 28, 1), utc(2027, 3, 29, 0, 30)]
    assert next_due(spec, utc(2027, 3, 28, 1)) == utc(2027, 3, 29, 0, 30)


def test_fall_back_overlap_fires_once_at_the_first_occurrence() -> None:
    spec = daily(2, 30)
    first, nxt = utc(2027, 10, 31, 0, 30), utc(2027, 11, 1, 1, 30)
    assert upcoming(spec, utc(2027, 10, 30, 12), 2) == [first, nxt]
    assert next_due(spec, first) == nxt  # not 01:30 UTC, the repeated 02:30
    second_pass = datetime(2027, 10, 31, 2, 15, fold=1, tzinfo=BERLIN)
    assert next_due(spec, second_pass) == nxt
    first_pass = datetime(2027, 10, 31, 2, 15, fold=0, tzinfo=BERLIN)
    assert next_due(spec, first_pass) == first


@pytest.mark.parametrize(
    ("spec", "after", "expected"),
    [
        # New York: 02:30 missing on 2027-03-14 -> 03:00 EDT; 01:30 repeated on 2027-11-07.
        (daily(2, 30, "America/New_York"), utc(2027, 3, 13, 12), utc(2027, 3, 14, 7)),
        (daily(1, 30, "America/New_York"), utc(2027, 11, 6, 12), utc(2027, 11, 7, 5, 30)),
        # Lord Howe moves only 30 minutes: 02:15 missing -> 02:30 +11; 01:45 repeated.
        (daily(2, 15, "Australia/Lord_Howe"), utc(2027, 10, 2), utc(2027, 10, 2, 15, 30)),
        (daily(1, 45, "Australia/Lord_Howe"), utc(2027, 4, 3), utc(2027, 4, 3, 14, 45)),
        # Santiago springs forward at midnight: 00:00 missing on 2027-09-05 -> 01:00 -03.
        (daily(0, 0, "America/Santiago"), utc(2027, 9, 4, 5), utc(2027, 9, 5, 4)),
        # Santiago falls back at midnight: 23:30 happens twice on 2027-04-03.
        (daily(23, 30, "America/Santiago"), utc(2027, 4, 3, 12), utc(2027, 4, 4, 2, 30)),
        (daily(23, 30, "America/Santiago"), utc(2027, 4, 4, 2, 30), utc(2027, 4, 5, 3, 30)),
        # No DST at all.
        (daily(8, 0, "Asia/Ho_Chi_Minh"), utc(2027, 3, 27), utc(2027, 3, 27, 1)),
    ],
)
def test_transition_examples(spec: RoutineSpec, after: datetime, expected: datetime) -> None:
    assert next_due(spec, after) == expected


def test_apia_skipped_day_drops_daily_but_keeps_weekly() -> None:
    # Samoa jumped from 2011-12-29 23:59:59 -10:00 straight to 2011-12-31 00:00 +14:00.
    spec = daily(12, 0, "Pacific/Apia")
    dues = upcoming(spec, utc(2011, 12, 28), 4)
    # Noon on the 30th is not moved to midnight on the 31st: that day has its own noon.
    assert dues == [
        utc(2011, 12, 28, 22),
        utc(2011, 12, 29, 22),
        utc(2011, 12, 30, 22),
        utc(2011, 12, 31, 22),
    ]
    assert [period_key(spec, d) for d in dues] == [
        "2011-12-28",
        "2011-12-29",
        "2011-12-31",
        "2012-01-01",
    ]
    weekly = RoutineSpec("weekly", 12, 0, "Pacific/Apia", weekday=4)  # Friday 30th
    due = next_due(weekly, utc(2011, 12, 25))
    assert due == utc(2011, 12, 30, 10)  # first instant of Saturday, same ISO week
    assert period_key(weekly, due) == "2011-W52"
    assert next_due(weekly, due) == utc(2012, 1, 5, 22)


def test_weekdays_only_skips_the_weekend() -> None:
    spec = RoutineSpec("daily", 9, 0, "Europe/Berlin")
    dues = upcoming(spec, utc(2027, 3, 26, 9), 2)  # after Friday 09:00 CET
    assert [d.astimezone(BERLIN).strftime("%a %H:%M") for d in dues] == ["Mon 09:00", "Tue 09:00"]
    assert dues[0] == utc(2027, 3, 29, 7)  # CEST by then


def test_weekly_on_the_chosen_weekday_keeps_local_time_across_dst() -> None:
    spec = RoutineSpec("weekly", 9, 0, "Europe/Berlin", weekday=4)
    assert upcoming(spec, utc(2027, 3, 20), 2) == [utc(2027, 3, 26, 8), utc(2027, 4, 2, 7)]


def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    spec = RoutineSpec("monthly", 9, 0, "Europe/Berlin", day_of_month=31)
    dues = upcoming(spec, utc(2027, 1, 1), 14)
    days = [d.astimezone(BERLIN).date() for d in dues]
    assert [d.day for d in days] == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 29]
    assert [period_key(spec, d) for d in dues][:3] == ["2027-01", "2027-02", "2027-03"]


@pytest.mark.parametrize(
    ("day_of_month", "year", "february"),
    [(29, 2027, 28), (29, 2028, 29), (30, 2027, 28), (30, 2028, 29), (28, 2028, 28)],
)
def test_monthly_late_days_in_february(day_of_month: int, year: int, february: int) -> None:
    spec = RoutineSpec("monthly", 9, 0, "UTC", day_of_month=day_of_month)
    dues = upcoming(spec, utc(year, 1, 1), 3)
    assert [(d.month, d.day) for d in dues] == [(1, day_of_month), (2, february), (3, day_of_month)]


def test_next_due_is_strict_at_a_due_instant() -> None:
    spec = daily(9, 0, "UTC")
    assert next_due(spec, utc(2027, 5, 3, 9)) == utc(2027, 5, 4, 9)
    assert next_due(spec, utc(2027, 5, 3, 8, 59, 59, 999999)) == utc(2027, 5, 3, 9)


def test_after_in_another_zone_is_compared_as_an_instant() -> None:
    spec = daily(9, 0, "Asia/Tokyo")
    after = datetime(2027, 5, 3, 1, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # 08:00 UTC
    assert next_due(spec, after) == utc(2027, 5, 4, 0)


def test_naive_datetimes_are_rejected() -> None:
    spec = daily(9, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_due(spec, datetime(2027, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        period_key(spec, datetime(2027, 1, 1))


def test_out_of_range_years_raise_instead_of_jumping() -> None:
    spec = daily(9, 0)
    with pytest.raises(ValueError, match="1970"):
        next_due(spec, utc(1969, 6, 1))
    with pytest.raises(OverflowError):
        next_due(spec, utc(9999, 12, 31, 12))


def test_upcoming_count() -> None:
    assert upcoming(daily(9, 0), utc(2027, 1, 1), 0) == []
    with pytest.raises(ValueError):
        upcoming(daily(9, 0), utc(2027, 1, 1), -1)


def test_period_keys() -> None:
    daily_spec = daily(2, 30)
    assert period_key(daily_spec, utc(2027, 3, 28, 1)) == "2027-03-28"
    weekly = RoutineSpec("weekly", 9, 0, "Europe/Berlin")
    assert period_key(weekly, utc(2027, 3, 26, 8)) == "2027-W12"
    assert period_key(weekly, utc(2027, 1, 1, 8)) == "2026-W53"  # ISO year, not calendar year
    monthly = RoutineSpec("monthly", 9, 0, "Europe/Berlin")
    assert period_key(monthly, utc(2027, 3, 1, 8)) == "2027-03"
    # Local date decides: 23:30 UTC on the 31st is already April in Berlin.
    assert period_key(monthly, utc(2027, 3, 31, 23, 30)) == "2027-04"


def test_current_period_uses_the_members_local_date() -> None:
    tokyo = RoutineSpec("daily", 8, 0, "Asia/Tokyo")
    sunday_utc = utc(2027, 5, 2, 23, 30)  # Monday 08:30 in Tokyo
    assert current_period(tokyo, sunday_utc) == "2027-05-03"
    assert current_period(RoutineSpec("weekly", 8, 0, "Asia/Tokyo"), sunday_utc) == "2027-W18"
    assert current_period(RoutineSpec("daily", 8, 0, "UTC"), sunday_utc) == "2027-05-02"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8:30", (8, 30)),
        ("08:30", (8, 30)),
        ("0:00", (0, 0)),
        ("23:59", (23, 59)),
        (" 7:05 ", (7, 5)),
    ],
)
def test_parse_hhmm_accepts(text: str, expected: tuple[int, int]) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "8", "830", "8:3", "8:300", "24:00", "7:60", "-1:00", "8.30", "8:30pm", "08:30:00",
     "１:３０", "٨:٣٠", "123:00", "8 :30"],
)  # fmt: skip
def test_parse_hhmm_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_hhmm(text)


@pytest.mark.parametrize("name", [*CURATED_ZONES, "Asia/Tokyo", "America/Los_Angeles"])
def test_valid_timezones(name: str) -> None:
    assert is_valid_timezone(name)


@pytest.mark.parametrize(
    "name",
    ["", "Europe", "Mars/Olympus", "europe/berlin", "Europe/Berlin ", "../../etc/passwd",
     "/etc/localtime", "localtime", "posixrules", "Factory", "posix/Europe/Berlin",
     "right/UTC", "Europe/Berlin\x00", None, 42],
)  # fmt: skip
def test_invalid_timezones(name: object) -> None:
    assert not is_valid_timezone(name)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"hour": 24}, ValueError),
        ({"minute": -1}, ValueError),
        ({"hour": True}, TypeError),
        ({"minute": 1.5}, TypeError),
        ({"weekday": 7}, ValueError),
        ({"day_of_month": 0}, ValueError),
        ({"day_of_month": 32}, ValueError),
        ({"tz": "Mars/Olympus"}, ValueError),
        ({"cadence": "hourly"}, ValueError),
        ({"weekdays_only": "yes"}, TypeError),
    ],
)
def test_routine_spec_validation(kwargs: dict[str, object], error: type[Exception]) -> None:
    base: dict[str, object] = {"cadence": "daily", "hour": 9, "minute": 0, "tz": "UTC"}
    with pytest.raises(error):
        RoutineSpec(**{**base, **kwargs})  # type: ignore[arg-type]


def test_triggers_are_cached_and_shared_across_zones() -> None:
    berlin = RoutineSpec("daily", 9, 0, "Europe/Berlin")
    tokyo = RoutineSpec("daily", 9, 0, "Asia/Tokyo", weekday=2, day_of_month=5)
    assert timing._triggers(berlin) is timing._triggers(tokyo)
    assert timing._triggers(berlin) is not timing._triggers(daily(9, 0))
    assert len(timing._triggers(RoutineSpec("monthly", 9, 0, "UTC", day_of_month=31))) == 2
    assert len(timing._triggers(RoutineSpec("monthly", 9, 0, "UTC", day_of_month=28))) == 1


# ---------------------------------------------------------------------------------------
# What APScheduler 3.11.3's CronTrigger does on its own, and why timing.py does not use it
# with the member's zone directly.  If an upgrade changes any of these, timing.py is still
# correct (it does not rely on them) but the workaround may have become unnecessary.
# ---------------------------------------------------------------------------------------


def _cron_fires(trigger: CronTrigger, start: datetime, count: int) -> list[datetime]:
    fires, previous = [], None
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, previous or start)
        fires.append(previous.astimezone(UTC))
    return fires


def test_cron_trigger_fires_late_in_a_gap() -> None:
    trigger = CronTrigger(hour=2, minute=30, timezone=BERLIN)
    assert _cron_fires(trigger, utc(2027, 3, 27, 12), 1) == [utc(2027, 3, 28, 1, 30)]  # 03:30


def test_cron_trigger_fires_twice_in_an_overlap() -> None:
    trigger = CronTrigger(hour=2, minute=30, timezone=BERLIN)
    fires = _cron_fires(trigger, utc(2027, 10, 30, 12), 2)
    assert fires == [utc(2027, 10, 31, 0, 30), utc(2027, 10, 31, 1, 30)]


def test_cron_trigger_skips_a_day_whose_midnight_is_missing() -> None:
    trigger = CronTrigger(hour=0, minute=0, timezone=ZoneInfo("America/Santiago"))
    fires = _cron_fires(trigger, utc(2027, 9, 4, 5), 1)
    assert fires == [utc(2027, 9, 6, 3)]  # 2027-09-05 never fires


def test_cron_trigger_day_31_skips_short_months() -> None:
    trigger = CronTrigger(day=31, hour=9, minute=0, timezone=UTC)
    assert [f.month for f in _cron_fires(trigger, utc(2027, 1, 1), 3)] == [1, 3, 5]
