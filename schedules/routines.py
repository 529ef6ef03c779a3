"""A member's routines: the defaults on first contact, changes, and what comes next.

``/mentor schedule`` (``bot/features/schedule.py``) calls these; the tick only reads
``Routine.next_due_at``. So every change here recomputes ``next_due_at`` at once, in the
member's current time zone, and the tick never has to know a routine was edited.

Changing a routine never causes a second prompt in a period: if the new time falls later
on a day whose prompt already went out, the outbox row for that period exists and the
unique constraint turns the new one into nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from schedules.timing import Cadence, RoutineSpec, is_valid_timezone, next_due, upcoming
from storage import outbox
from storage.models import Member, Routine
from storage.repo import Store

log = logging.getLogger(__name__)

CADENCES: tuple[Cadence, ...] = ("daily", "weekly", "monthly")
_TINY = datetime.resolution


@dataclass(frozen=True, slots=True)
class RoutineDefaults:
    """A routine's fields as first contact sets them."""

    hour: int
    minute: int
    weekdays_only: bool = True
    weekday: int = 4
    day_of_month: int = 1


#: Daily on weekdays at 09:00, weekly on Friday at 16:00, monthly on the 1st at 10:00,
#: all in the member's time zone (which first contact takes from the workspace).
DEFAULTS: Mapping[str, RoutineDefaults] = MappingProxyType(
    {
        "daily": RoutineDefaults(hour=9, minute=0, weekdays_only=True),
        "weekly": RoutineDefaults(hour=16, minute=0, weekday=4),
        "monthly": RoutineDefaults(hour=10, minute=0, day_of_month=1),
    }
)


def spec_of(routine: Routine, timezone: str) -> RoutineSpec:
    """The timing spec of a stored routine.

    A zone the timing module refuses (only possible through data written around the
    validation) falls back to UTC with a warning rather than stopping the member's
    routines without a word.
    """
    if not is_valid_timezone(timezone):
        log.warning("routine %s: unusable time zone %r, using UTC", routine.id, timezone)
        timezone = "UTC"
    return RoutineSpec(
        cadence=routine.cadence,  # type: ignore[arg-type]
        hour=routine.hour,
        minute=routine.minute,
        tz=timezone,
        weekdays_only=bool(routine.weekdays_only),
        weekday=routine.weekday,
        day_of_month=routine.day_of_month,
    )


def _cadence(cadence: str) -> Cadence:
    if cadence not in CADENCES:
        raise ValueError(f"cadence must be one of {CADENCES}, got {cadence!r}")
    return cadence  # type: ignore[return-value]


async def _load(store: Store, member_id: int) -> list[Routine]:
    async with store.session() as s:
        return await _read(s, member_id)


async def _read(session: AsyncSession, member_id: int) -> list[Routine]:
    found = {
        r.cadence: r
        for r in await session.scalars(select(Routine).where(Routine.member_id == member_id))
    }
    return [found[c] for c in CADENCES if c in found]


async def ensure_routines(store: Store, member: Member, *, now: datetime) -> list[Routine]:
    """The member's routines (daily, weekly, monthly), creating the defaults on first
    contact. Idempotent and safe to race: creation ignores rows that already exist."""
    existing = await _load(store, member.id)
    if len(existing) == len(CADENCES):
        return existing
    have = {r.cadence for r in existing}
    async with store.session() as s:
        conn = await s.connection()
        zone = await outbox.member_timezone(conn, member.id)
        rows: list[dict[str, Any]] = []
        for cadence in CADENCES:
            if cadence in have:
                continue
            fields = asdict(DEFAULTS[cadence])
            spec = RoutineSpec(cadence=cadence, tz=_zone_or_utc(zone), **fields)
            rows.append(
                {
                    "member_id": member.id,
                    "cadence": cadence,
                    "enabled": True,
                    "next_due_at": next_due(spec, now),
                    **fields,
                }
            )
        await outbox.insert_routines(conn, rows)
        # Read back in the same transaction: it sees its own rows and any a racing
        # first contact committed, and saves a transaction on every member's first event.
        return await _read(s, member.id)


def _zone_or_utc(zone: str) -> str:
    return zone if is_valid_timezone(zone) else "UTC"


async def update_routine(
    store: Store,
    member: Member,
    cadence: str,
    *,
    now: datetime,
    hour: int | None = None,
    minute: int | None = None,
    weekdays_only: bool | None = None,
    weekday: int | None = None,
    day_of_month: int | None = None,
    enabled: bool | None = None,
) -> Routine:
    """Change one routine and recompute when it is next due.

    Fields left as ``None`` keep their value. Invalid values raise ``ValueError`` or
    ``TypeError`` (from ``RoutineSpec``) before anything is written, so the command can
    answer with the valid form. A disabled routine has no ``next_due_at``; enabling it
    again schedules it from ``now``, never for a time already past.
    """
    cadence = _cadence(cadence)
    await ensure_routines(store, member, now=now)
    async with store.session() as s:
        conn = await s.connection()
        zone = _zone_or_utc(await outbox.member_timezone(conn, member.id))
        routine = await s.scalar(
            select(Routine)
            .where(Routine.member_id == member.id, Routine.cadence == cadence)
            .with_for_update()
        )
        if routine is None:  # pragma: no cover - ensure_routines just created it
            raise LookupError(f"member {member.id} has no {cadence} routine")
        changes = {
            "hour": hour,
            "minute": minute,
            "weekdays_only": weekdays_only,
            "weekday": weekday,
            "day_of_month": day_of_month,
            "enabled": enabled,
        }
        merged = {
            name: getattr(routine, name) if value is None else value
            for name, value in changes.items()
        }
        spec = RoutineSpec(
            cadence=cadence,
            hour=merged["hour"],
            minute=merged["minute"],
            tz=zone,
            weekdays_only=bool(merged["weekdays_only"]),
            weekday=merged["weekday"],
            day_of_month=merged["day_of_month"],
        )
        if not isinstance(merged["enabled"], bool):
            raise TypeError(f"enabled must be a bool, got {merged['enabled']!r}")
        for name, value in merged.items():
            setattr(routine, name, value)
        routine.next_due_at = next_due(spec, now) if routine.enabled else None
        return routine


async def reschedule_member(store: Store, member: Member, *, now: datetime) -> list[Routine]:
    """Recompute every enabled routine in the member's (new) time zone.

    Call after the zone changed: "09:00" means 09:00 where the member is now. A prompt
    already sent today in the old zone is not repeated in the new one, because the local
    date, and so the period key, is the same.
    """
    async with store.session() as s:
        conn = await s.connection()
        zone = await outbox.member_timezone(conn, member.id)
        routines = list(await s.scalars(select(Routine).where(Routine.member_id == member.id)))
        for routine in routines:
            routine.next_due_at = next_due(spec_of(routine, zone), now) if routine.enabled else None
    order = {c: i for i, c in enumerate(CADENCES)}
    return sorted(routines, key=lambda r: order.get(r.cadence, len(order)))


async def upcoming_for(
    store: Store, member: Member, *, now: datetime, count: int = 3
) -> list[tuple[str, datetime]]:
    """The next ``count`` prompts the member will actually get, as (cadence, local time),
    creating the default routines first if the member has none yet.

    "Actually" means what the tick will do: disabled routines are left out, nothing is
    listed while the member is paused without an end date or cannot be reached, and with
    ``pause until`` the list starts on the resume date.
    """
    routines = await ensure_routines(store, member, now=now)
    fresh = await store.get_member(member.id)
    if fresh is None:
        raise LookupError(f"no member {member.id}")
    if fresh.unreachable or (fresh.paused and fresh.paused_until is None):
        return []
    zone_name = _zone_or_utc(fresh.timezone)
    zone = ZoneInfo(zone_name)
    resume = fresh.paused_until if fresh.paused else None
    merged: list[tuple[datetime, str]] = []
    for routine in routines:
        if not routine.enabled:
            continue
        spec = spec_of(routine, zone_name)
        start = now
        if resume is not None:
            midnight = datetime(resume.year, resume.month, resume.day, tzinfo=zone)
            start = max(start, midnight.astimezone(now.tzinfo) - _TINY)
        first = routine.next_due_at
        if first is not None and first > start:
            times = [first, *upcoming(spec, first, count - 1)] if count else []
        else:
            times = upcoming(spec, start, count)
        merged.extend((t, routine.cadence) for t in times)
    merged.sort()
    return [(cadence, due.astimezone(zone)) for due, cadence in merged[:count]]
