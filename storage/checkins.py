"""Queries of check-ins (``bot/features/checkin.py``, ``bot/features/talk.py``).

A check-in is one row per member, cadence and period (``CheckIn``'s unique key), so a
second click or sentence for the same period changes that row instead of adding one;
rows two requests create at once go through :func:`storage.upsert.get_or_create`. Every
function is scoped by member, so a forged button value never reaches another's row.
The rules (what a click adds, which periods count) stay in the core; these only read and
write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select

from storage.models import CheckIn, Delivery, DeliveryReceipt
from storage.repo import Store
from storage.upsert import get_or_create


def _key(member_id: int, cadence: str, period: str) -> dict[str, object]:
    return {"member_id": member_id, "cadence": cadence, "period_key": period}


async def get_checkin(store: Store, member_id: int, cadence: str, period: str) -> CheckIn | None:
    async with store.session() as s:
        return await s.scalar(select(CheckIn).filter_by(**_key(member_id, cadence, period)))


async def change_activities(
    store: Store,
    member_id: int,
    cadence: str,
    period: str,
    change: Callable[[Sequence[str]], list[str]],
    *,
    now: datetime,
) -> CheckIn:
    """Set the period's activities to ``change(activities)``, creating the check-in
    (from no activities) on the first answer. A found row is read ``FOR UPDATE``, so two
    clicks at once both count."""
    async with store.session() as s:
        row, created = await get_or_create(
            s,
            CheckIn,
            _key(member_id, cadence, period),
            defaults={
                "activities": change([]),
                "shared": False,
                "answered_at": now,
                "updated_at": now,
            },
            lock=True,
        )
        if not created:
            row.activities = change(row.activities or [])
            row.updated_at = now
        return row


async def add_checkin_once(
    store: Store,
    member_id: int,
    cadence: str,
    period: str,
    *,
    activities: Sequence[str],
    minutes: int | None,
    note: str | None,
    now: datetime,
) -> CheckIn | None:
    """Insert the period's check-in; None when it exists already (nothing is saved
    twice: the unique key decides, so two sentences sent at once cannot both land)."""
    async with store.session() as s:
        row, created = await get_or_create(
            s,
            CheckIn,
            _key(member_id, cadence, period),
            defaults={
                "activities": list(activities),
                "minutes": minutes,
                "note": note,
                "shared": False,
                "answered_at": now,
                "updated_at": now,
            },
        )
        return row if created else None


async def replace_activity(
    store: Store,
    member_id: int,
    cadence: str,
    period: str,
    activity: str,
    *,
    minutes: int | None,
    now: datetime,
) -> CheckIn:
    """Make the period's check-in say ``activity`` alone (a correction), creating it if
    it was undone meanwhile; ``minutes`` replaces the stored minutes when given, and a
    skipped period has none."""
    async with store.session() as s:
        row, _ = await get_or_create(
            s,
            CheckIn,
            _key(member_id, cadence, period),
            defaults={"shared": False, "answered_at": now},
            values={"activities": [activity], "updated_at": now},
            lock=True,
        )
        if minutes is not None:
            row.minutes = minutes
        if activity == "skipped":
            row.minutes = None
        return row


async def delete_checkin(store: Store, member_id: int, cadence: str, period: str) -> bool:
    """Remove the period's check-in; False when there was none."""
    async with store.session() as s:
        result = await s.execute(delete(CheckIn).filter_by(**_key(member_id, cadence, period)))
        return bool(result.rowcount)


async def save_details(
    store: Store,
    member_id: int,
    cadence: str,
    period: str,
    *,
    minutes: int | None,
    note: str | None,
    shared: bool,
    now: datetime,
) -> CheckIn | None:
    """Minutes, note and sharing of an existing check-in; None when there is none."""
    async with store.session() as s:
        row = await s.scalar(
            select(CheckIn).filter_by(**_key(member_id, cadence, period)).with_for_update()
        )
        if row is None:
            return None
        row.minutes = minutes
        row.note = note
        row.shared = shared
        row.updated_at = now
        return row


async def answered_periods(store: Store, member_id: int, cadence: str) -> set[str]:
    async with store.session() as s:
        rows = await s.scalars(
            select(CheckIn.period_key).where(
                CheckIn.member_id == member_id, CheckIn.cadence == cadence
            )
        )
        return set(rows)


async def answer_times(store: Store, member_id: int, cadence: str) -> dict[str, datetime]:
    """Each answered period with the time of its first answer (for the 24-hour repair)."""
    async with store.session() as s:
        rows = await s.execute(
            select(CheckIn.period_key, CheckIn.answered_at).where(
                CheckIn.member_id == member_id, CheckIn.cadence == cadence
            )
        )
        return {period: at for period, at in rows}


async def asked_periods(store: Store, member_id: int, cadence: str) -> set[str]:
    """Periods whose prompt (or its snooze) really reached the member."""
    async with store.session() as s:
        rows = await s.scalars(
            select(Delivery.period_key).where(
                Delivery.member_id == member_id,
                Delivery.kind.in_((f"prompt:{cadence}", f"snooze:{cadence}")),
                or_(
                    Delivery.sent_at.is_not(None),
                    # Sent, still a receipt until the tick folds it into the row.
                    Delivery.id.in_(select(DeliveryReceipt.delivery_id)),
                ),
            )
        )
        return set(rows)


async def checkins_from(
    store: Store, member_id: int, first_periods: Mapping[str, str]
) -> list[CheckIn]:
    """Check-ins of each cadence in ``first_periods`` from that cadence's period key on
    (keys of one cadence sort as their periods do)."""
    bounds = [
        (CheckIn.cadence == cadence) & (CheckIn.period_key >= first)
        for cadence, first in first_periods.items()
    ]
    if not bounds:
        return []
    async with store.session() as s:
        rows = await s.scalars(select(CheckIn).where(CheckIn.member_id == member_id, or_(*bounds)))
        return list(rows)
