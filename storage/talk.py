"""Queries of free-text talk (``bot/features/talk.py``): which check-in a sentence
would answer.

Every function takes the ``Store`` and is scoped by member. Both looks at what is open
run in one session, one connection and one transaction: a message that reads as a
check-in answer costs one round trip more than a question, not two.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from storage.models import Delivery, DeliveryReceipt
from storage.repo import Store
from storage.talk_models import AskedCheckin
from storage.upsert import insert_for


async def remember_asked_checkin(
    store: Store, member_id: int, cadence: str, period: str, *, now: datetime, until: datetime
) -> None:
    """Open ``(cadence, period)`` for a sentence until ``until``; replaces an earlier ask."""
    values = {"cadence": cadence, "period_key": period, "asked_at": now, "expires_at": until}
    stmt = insert_for(store.bind.dialect.name, AskedCheckin).values(member_id=member_id, **values)
    stmt = stmt.on_conflict_do_update(index_elements=[AskedCheckin.member_id], set_=values)
    async with store.session() as s:
        await s.execute(stmt)


async def checkin_in_view(
    store: Store, member_id: int, *, now: datetime, prompts_since: datetime
) -> tuple[str, str] | None:
    """``(kind, period)`` of the check-in a sentence would answer: the one the member
    asked for (kind ``asked:CADENCE``) while it has not expired, else the latest check-in
    prompt or snooze (``prompt:CADENCE``, ``snooze:CADENCE``) that reached them since
    ``prompts_since``, answered or not. None when there is neither."""
    sent = func.coalesce(Delivery.sent_at, DeliveryReceipt.sent_at)
    async with store.session() as s:
        asked = (
            await s.execute(
                select(AskedCheckin.cadence, AskedCheckin.period_key).where(
                    AskedCheckin.member_id == member_id, AskedCheckin.expires_at > now
                )
            )
        ).first()
        if asked is not None:
            return f"asked:{asked.cadence}", asked.period_key
        row = (
            await s.execute(
                select(Delivery.kind, Delivery.period_key)
                .outerjoin(DeliveryReceipt, DeliveryReceipt.delivery_id == Delivery.id)
                .where(
                    Delivery.member_id == member_id,
                    or_(Delivery.kind.like("prompt:%"), Delivery.kind.like("snooze:%")),
                    sent >= prompts_since,
                )
                .order_by(sent.desc())
                .limit(1)
            )
        ).first()
    return (row.kind, row.period_key) if row is not None else None
