"""What the core's features read of the outbox (the scheduler's own queries are in
``storage.outbox``): the rows addressed to a member, for ``/mentor export``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.models import Delivery, DeliveryReceipt
from storage.repo import Store


async def deliveries_of(store: Store, member_id: int) -> list[tuple[Delivery, datetime | None]]:
    """Every outbox row addressed to the member, by due time, each with the sent time of
    its receipt: a send stays a receipt until the tick folds it into the row, and it has
    been sent all the same."""
    async with store.session() as s:
        rows = await s.execute(
            select(Delivery, DeliveryReceipt.sent_at)
            .outerjoin(DeliveryReceipt, DeliveryReceipt.delivery_id == Delivery.id)
            .where(Delivery.member_id == member_id)
            .order_by(Delivery.due_at, Delivery.id)
        )
        return [(row, receipt) for row, receipt in rows]
