"""Daylight saving at the engine level: the whole tick, not only the arithmetic.

``test_timing.py`` proves the arithmetic against an independent oracle. These tests run
the real scheduler on a simulated clock across transitions and check what a member
receives: one prompt per local day, at the chosen local time, or at the first instant
after a spring-forward gap, and once, not twice, in a fall-back overlap.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import SimClock
from bot.content import load_library
from bot.context import Services
from schedules.engine import Scheduler
from schedules.routines import update_routine
from schedules.timing import RoutineSpec, period_key, upcoming
from storage.db import create_engine, sessionmaker
from storage.repo import Store
from tests.schedules.helpers import Inbox, add_member, plain_render, rows

BERLIN = ZoneInfo("Europe/Berlin")
STEP = timedelta(minutes=15)


async def run_berlin_0230(services: Services, clock: SimClock, first: str, last: str) -> list:
    """A Berlin member, daily at 02:30 every day, ticking every 15 minutes from local
    midnight of ``first`` to the end of ``last``; returns their rows."""
    start = datetime.fromisoformat(first).replace(tzinfo=BERLIN).astimezone(UTC)
    end = (datetime.fromisoformat(last) + timedelta(days=1)).replace(tzinfo=BERLIN)
    member = await add_member(services, tz="Europe/Berlin", now=start - STEP)
    for cadence in ("weekly", "monthly"):
        await update_routine(services.store, member, cadence, now=start, enabled=False)
    await update_routine(
        services.store, member, "daily", now=start, hour=2, minute=30, weekdays_only=False
    )
    scheduler = Scheduler(services, outlets={"console": Inbox()}, render=plain_render)
    clock.set(start)
    while clock.now() < end:
        await scheduler.tick()
        clock.advance(STEP)
    return await rows(services, member.id)


def local_times(found: list) -> list[str]:
    return [r.due_at.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M %Z") for r in found]


async def test_spring_forward_fires_once_at_the_first_instant_after_the_gap(
    services: Services, clock: SimClock
) -> None:
    found = await run_berlin_0230(services, clock, "2027-03-26", "2027-03-30")
    assert local_times(found) == [
        "2027-03-26 02:30 CET",
        "2027-03-27 02:30 CET",
        "2027-03-28 03:00 CEST",  # 02:30 does not exist that night
        "2027-03-29 02:30 CEST",
        "2027-03-30 02:30 CEST",
    ]
    assert [r.period_key for r in found] == [f"2027-03-{d}" for d in range(26, 31)]
    assert all(r.status == "sent" and r.sent_at == r.due_at for r in found)


async def test_fall_back_fires_once_in_the_repeated_hour(
    services: Services, clock: SimClock
) -> None:
    found = await run_berlin_0230(services, clock, "2027-10-29", "2027-11-02")
    assert local_times(found) == [
        "2027-10-29 02:30 CEST",
        "2027-10-30 02:30 CEST",
        "2027-10-31 02:30 CEST",  # the first of the two 02:30s, not both
        "2027-11-01 02:30 CET",
        "2027-11-02 02:30 CET",
    ]
    assert all(r.status == "sent" and r.sent_at == r.due_at for r in found)


DST_ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/St_Johns",
    "Europe/London",
    "Africa/Casablanca",
)


@cache
def transitions_2027(name: str) -> tuple[datetime, ...]:
    """The hours of 2027 (UTC) after which the zone's offset changes."""
    zone = ZoneInfo(name)
    hours = [datetime(2027, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(365 * 24 + 1)]
    offsets = [h.astimezone(zone).utcoffset() for h in hours]
    return tuple(h for h, a, b in zip(hours, offsets, offsets[1:], strict=False) if a != b)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[RoutineSpec, datetime, list[timedelta]]:
    """A routine in a zone with daylight saving, a start within a day of one of that
    zone's 2027 transitions, and irregular tick intervals covering four days."""
    zone = ZoneInfo(draw(st.sampled_from(DST_ZONES)))
    pivot = draw(st.sampled_from(transitions_2027(str(zone))))
    start = pivot - timedelta(minutes=draw(st.integers(0, 36 * 60)))
    spec = RoutineSpec(
        cadence="daily",
        hour=draw(st.integers(0, 23)),
        minute=draw(st.sampled_from((0, 15, 30, 45, 59))),
        tz=str(zone),
        weekdays_only=False,
    )
    steps = draw(
        st.lists(st.integers(1, 180).map(lambda m: timedelta(minutes=m)), min_size=40, max_size=80)
    )
    return spec, start, steps


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_the_engine_agrees_with_the_timing_module_across_transitions(
    scenario, migrated_sqlite: Callable[[Path], Awaitable[str]]
) -> None:
    """Whatever the tick rhythm, each occurrence the timing module names becomes exactly
    one row for its local day, and nothing else is created."""
    spec, start, steps = scenario
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "dst.db"
        asyncio.run(_agree(spec, start, steps, lambda: migrated_sqlite(database)))


async def _agree(
    spec: RoutineSpec, start: datetime, steps: list, database: Callable[[], Awaitable[str]]
) -> None:
    engine = create_engine(await database())
    try:
        clock = SimClock(start)
        services = Services(store=Store(sessionmaker(engine)), content=load_library(), clock=clock)
        member = await add_member(services, tz=spec.tz, now=start)
        for cadence in ("weekly", "monthly"):
            await update_routine(services.store, member, cadence, now=start, enabled=False)
        await update_routine(
            services.store,
            member,
            "daily",
            now=start,
            hour=spec.hour,
            minute=spec.minute,
            weekdays_only=False,
        )
        scheduler = Scheduler(services, outlets={"console": Inbox()}, render=plain_render)
        for step in steps:
            clock.advance(step)
            await scheduler.tick()
        end = clock.now()
        expected = [t for t in upcoming(spec, start, 12) if t <= end]
        found = await rows(services, member.id)
        assert [(r.due_at, r.period_key) for r in found] == [
            (t, period_key(spec, t)) for t in expected
        ]
        assert len({r.period_key for r in found}) == len(found)
        grace = timedelta(hours=6)
        for r in found:
            assert r.status == ("sent" if r.sent_at and r.sent_at - r.due_at <= grace else "missed")
    finally:
        await engine.dispose()
