"""A member's routines: defaults on first contact, changes, time-zone moves, previews."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import SimClock
from bot.context import Services
from schedules.engine import Scheduler
from schedules.routines import (
    DEFAULTS,
    ensure_routines,
    reschedule_member,
    upcoming_for,
    update_routine,
)
from tests.schedules.helpers import MONDAY_8AM, Inbox, add_member, at, plain_render, routine

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")


def daily(inbox: Inbox) -> list[str]:
    return [text for text in inbox.texts if text.startswith("prompt:daily")]


def local(text: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


async def test_first_contact_gets_the_defaults_in_the_members_zone(services: Services) -> None:
    member = await add_member(services, tz="Asia/Ho_Chi_Minh")
    routines = await ensure_routines(services.store, member, now=MONDAY_8AM)
    assert [r.cadence for r in routines] == ["daily", "weekly", "monthly"]
    daily, weekly, monthly = routines
    assert (daily.hour, daily.minute, daily.weekdays_only) == (9, 0, True)
    assert (weekly.hour, weekly.weekday) == (16, 4)
    assert (monthly.hour, monthly.day_of_month) == (10, 1)
    assert DEFAULTS["weekly"].weekday == 4
    # 08:00 UTC on Monday is 15:00 in Ho Chi Minh City: the next 09:00 is Tuesday's.
    assert daily.next_due_at == local("2027-03-02T09:00", SAIGON)
    assert weekly.next_due_at == local("2027-03-05T16:00", SAIGON)
    assert monthly.next_due_at == local("2027-04-01T10:00", SAIGON)


async def test_ensure_routines_is_idempotent_and_safe_to_race(services: Services) -> None:
    member = await add_member(services)
    first = await ensure_routines(services.store, member, now=MONDAY_8AM)
    raced = await asyncio.gather(
        *(ensure_routines(services.store, member, now=MONDAY_8AM) for _ in range(4))
    )
    assert all([r.id for r in found] == [r.id for r in first] for found in raced)


async def test_update_recomputes_next_due(services: Services) -> None:
    member = await add_member(services, tz="Europe/Berlin")
    now = MONDAY_8AM  # 09:00 in Berlin
    daily = await update_routine(
        services.store, member, "daily", now=now, hour=8, minute=30, weekdays_only=False
    )
    assert (daily.hour, daily.minute, daily.weekdays_only) == (8, 30, False)
    assert daily.next_due_at == local("2027-03-02T08:30", BERLIN)
    weekly = await update_routine(
        services.store, member, "weekly", now=now, weekday=0, hour=9, minute=30
    )
    assert weekly.next_due_at == local("2027-03-01T09:30", BERLIN)
    monthly = await update_routine(services.store, member, "monthly", now=now, day_of_month=31)
    assert monthly.next_due_at == local("2027-03-31T10:00", BERLIN)
    after_march = await update_routine(
        services.store, member, "monthly", now=local("2027-03-31T11:00", BERLIN)
    )
    assert after_march.next_due_at == local("2027-04-30T10:00", BERLIN)  # last day of April


@pytest.mark.parametrize(
    "change",
    [{"hour": 24}, {"minute": -1}, {"weekday": 7}, {"day_of_month": 0}, {"hour": "9"}],
)
async def test_invalid_values_change_nothing(services: Services, change: dict) -> None:
    member = await add_member(services)
    before = await routine(services, member.id, "daily")
    with pytest.raises((ValueError, TypeError)):
        await update_routine(services.store, member, "daily", now=MONDAY_8AM, **change)
    after = await routine(services, member.id, "daily")
    assert (after.hour, after.minute, after.next_due_at) == (
        before.hour,
        before.minute,
        before.next_due_at,
    )
    with pytest.raises(ValueError):
        await update_routine(services.store, member, "hourly", now=MONDAY_8AM)


async def test_off_and_on_again(services: Services) -> None:
    member = await add_member(services)
    off = await update_routine(services.store, member, "weekly", now=MONDAY_8AM, enabled=False)
    assert off.next_due_at is None and not off.enabled
    due = await upcoming_for(services.store, member, now=MONDAY_8AM, count=10)
    assert "weekly" not in {cadence for cadence, _ in due}
    later = at("2027-03-10T12:00")
    on = await update_routine(services.store, member, "weekly", now=later, enabled=True)
    assert on.next_due_at == at("2027-03-12T16:00")  # from now, never in the past


async def test_moving_zone_reschedules_in_the_new_zone(services: Services) -> None:
    member = await add_member(services, tz="Europe/Berlin")
    await update_routine(services.store, member, "monthly", now=MONDAY_8AM, enabled=False)
    await services.store.update_member(member.id, timezone="Asia/Ho_Chi_Minh")
    routines = await reschedule_member(services.store, member, now=MONDAY_8AM)
    daily, weekly, monthly = routines
    assert daily.next_due_at == local("2027-03-02T09:00", SAIGON)
    assert weekly.next_due_at == local("2027-03-05T16:00", SAIGON)
    assert monthly.next_due_at is None


async def test_upcoming_lists_the_next_prompts_in_local_time(services: Services) -> None:
    member = await add_member(services, tz="Asia/Ho_Chi_Minh")
    due = await upcoming_for(services.store, member, now=at("2027-03-04T10:00"), count=3)
    assert due == [
        ("daily", local("2027-03-05T09:00", SAIGON)),
        ("weekly", local("2027-03-05T16:00", SAIGON)),
        ("daily", local("2027-03-08T09:00", SAIGON)),
    ]
    assert all(when.tzinfo == SAIGON for _, when in due)


async def test_upcoming_reflects_pauses_and_unreachable_members(services: Services) -> None:
    member = await add_member(services)
    await services.store.update_member(member.id, paused=True, paused_until=date(2027, 3, 10))
    due = await upcoming_for(services.store, member, now=MONDAY_8AM, count=2)
    assert due == [("daily", at("2027-03-10T09:00")), ("daily", at("2027-03-11T09:00"))]
    await services.store.update_member(member.id, paused_until=None)
    assert await upcoming_for(services.store, member, now=MONDAY_8AM) == []
    await services.store.update_member(member.id, paused=False, unreachable="dm closed")
    assert await upcoming_for(services.store, member, now=MONDAY_8AM) == []


async def test_changing_the_time_never_sends_a_period_twice(
    services: Services, clock: SimClock
) -> None:
    inbox = Inbox()
    scheduler = Scheduler(services, outlets={"console": inbox}, render=plain_render)
    member = await add_member(services)
    clock.set(at("2027-03-01T09:00"))
    await scheduler.tick()
    later = await update_routine(
        services.store, member, "daily", now=at("2027-03-01T10:00"), hour=17
    )
    assert later.next_due_at == at("2027-03-01T17:00")
    clock.set(at("2027-03-01T17:00"))
    await scheduler.tick()
    assert daily(inbox) == ["prompt:daily 2027-03-01"]
    assert (await routine(services, member.id, "daily")).next_due_at == at("2027-03-02T17:00")


async def test_flying_west_does_not_repeat_todays_prompt(
    services: Services, clock: SimClock
) -> None:
    inbox = Inbox()
    scheduler = Scheduler(services, outlets={"console": inbox}, render=plain_render)
    member = await add_member(services, tz="Europe/Berlin")
    clock.set(at("2027-03-01T08:00"))  # 09:00 in Berlin
    await scheduler.tick()
    await services.store.update_member(member.id, timezone="America/New_York")
    await reschedule_member(services.store, member, now=at("2027-03-01T12:00"))
    clock.set(at("2027-03-01T14:00"))  # 09:00 in New York, the same local date
    await scheduler.tick()
    clock.set(at("2027-03-02T14:00"))
    await scheduler.tick()
    assert daily(inbox) == ["prompt:daily 2027-03-01", "prompt:daily 2027-03-02"]
