"""Queries of if-then plans (``bot/features/plans.py``, table in ``storage.plan_models``).

Scoped by member: a forged plan id in a button value finds nothing of another member's.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from storage.plan_models import IfThenPlan
from storage.repo import Store


async def plans_of(store: Store, member_id: int) -> list[IfThenPlan]:
    """A member's plans, oldest first."""
    async with store.session() as s:
        rows = await s.scalars(
            select(IfThenPlan)
            .where(IfThenPlan.member_id == member_id)
            .order_by(IfThenPlan.created_at, IfThenPlan.id)
        )
        return list(rows)


async def add_plan(
    store: Store,
    member_id: int,
    *,
    source: str,
    about: str | None,
    cue: str,
    action: str,
    check_on: date,
    now: datetime,
) -> IfThenPlan:
    """Store a new plan; the returned row has its id (the check-up's payload names it)."""
    async with store.session() as s:
        plan = IfThenPlan(
            member_id=member_id,
            source=source,
            about=about,
            cue=cue,
            action=action,
            check_on=check_on,
            created_at=now,
        )
        s.add(plan)
        await s.flush()
        return plan


async def set_outcome(
    store: Store, member_id: int, plan_id: int, outcome: str, *, now: datetime
) -> IfThenPlan | None:
    """Record how the plan went; None when the member has no plan of that id."""
    async with store.session() as s:
        plan = await s.scalar(
            select(IfThenPlan).where(IfThenPlan.id == plan_id, IfThenPlan.member_id == member_id)
        )
        if plan is not None:
            plan.outcome = outcome
            plan.answered_at = now
        return plan
