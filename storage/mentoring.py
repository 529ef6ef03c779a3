"""Queries for goals, reviews, career metrics, nudges and the team digest.

Kept beside ``storage.repo`` rather than in it so the mentoring features stay a unit:
every function takes the ``Store`` and is scoped by member (or workspace), so a forged
button value can never reach another member's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select, tuple_, union_all

from storage.models import (
    Assessment,
    CheckIn,
    Goal,
    Member,
    MetricEntry,
    Nudge,
    PitfallMute,
    Review,
    Workspace,
)
from storage.repo import Store
from storage.upsert import get_or_create, insert_missing

# -- goals --------------------------------------------------------------------------------


async def goals_of(store: Store, member_id: int, quarter: str | None = None) -> list[Goal]:
    query = select(Goal).where(Goal.member_id == member_id)
    if quarter is not None:
        query = query.where(Goal.quarter == quarter)
    async with store.session() as s:
        return list(await s.scalars(query.order_by(Goal.quarter, Goal.id)))


async def save_goal(
    store: Store,
    member_id: int,
    *,
    quarter: str,
    area: str,
    goal: str,
    plan: str | None,
    metric: str | None,
    now: datetime,
) -> Goal:
    """Set (or replace) the member's goal for one area of a quarter; the same form
    submitted twice at once updates the one row."""
    values = {"goal": goal, "plan": plan, "metric": metric, "status": "open", "closed_at": None}
    async with store.session() as s:
        row, _ = await get_or_create(
            s,
            Goal,
            {"member_id": member_id, "quarter": quarter, "area": area},
            defaults={"created_at": now},
            values={**values, "updated_at": now},
        )
    return row


async def settle_goal(
    store: Store, member_id: int, goal_id: int, *, carry_to: str | None, now: datetime
) -> tuple[Goal | None, Goal | None]:
    """Close a goal, or carry it into ``carry_to`` (copied there unless that quarter
    already has a goal for the area). Returns (the goal, its copy or None)."""
    async with store.session() as s:
        row = await s.scalar(select(Goal).where(Goal.id == goal_id, Goal.member_id == member_id))
        if row is None:
            return None, None
        copy = None
        if carry_to is None:
            row.status = "closed"
        else:
            row.status = "carried"
            made, created = await get_or_create(
                s,
                Goal,
                {"member_id": member_id, "quarter": carry_to, "area": row.area},
                defaults={
                    "goal": row.goal,
                    "plan": row.plan,
                    "metric": row.metric,
                    "status": "open",
                    "created_at": now,
                    "updated_at": now,
                },
            )
            copy = made if created else None
        row.closed_at = row.updated_at = now
        return row, copy


async def members_with_open_goals(store: Store, quarter: str) -> list[int]:
    async with store.session() as s:
        rows = await s.scalars(
            select(Goal.member_id).where(Goal.status == "open", Goal.quarter == quarter).distinct()
        )
        return list(rows)


# -- reviews ------------------------------------------------------------------------------


async def save_review(
    store: Store,
    member_id: int,
    *,
    period: str,
    worked: str,
    didnt: str,
    adjust: str,
    now: datetime,
) -> Review:
    async with store.session() as s:
        row, _ = await get_or_create(
            s,
            Review,
            {"member_id": member_id, "period": period},
            defaults={"created_at": now},
            values={"worked": worked, "didnt": didnt, "adjust": adjust, "updated_at": now},
        )
    return row


async def reviews_of(store: Store, member_id: int, *, limit: int = 6) -> list[Review]:
    async with store.session() as s:
        rows = await s.scalars(
            select(Review)
            .where(Review.member_id == member_id)
            .order_by(Review.period.desc())
            .limit(limit)
        )
        return list(rows)


async def get_review(store: Store, member_id: int, period: str) -> Review | None:
    async with store.session() as s:
        return await s.scalar(
            select(Review).where(Review.member_id == member_id, Review.period == period)
        )


# -- metrics ------------------------------------------------------------------------------


async def add_metric(
    store: Store,
    member_id: int,
    *,
    metric: str,
    value: float,
    unit: str,
    note: str | None,
    quarter: str,
    now: datetime,
) -> MetricEntry:
    async with store.session() as s:
        row = MetricEntry(
            member_id=member_id,
            metric=metric,
            value=value,
            unit=unit,
            note=note,
            quarter=quarter,
            source="manual",
            created_at=now,
        )
        s.add(row)
    return row


async def metric_entries(
    store: Store,
    member_ids: Collection[int],
    *,
    quarters: Collection[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[MetricEntry]:
    if not member_ids:
        return []
    query = select(MetricEntry).where(MetricEntry.member_id.in_(list(member_ids)))
    if quarters is not None:
        query = query.where(MetricEntry.quarter.in_(list(quarters)))
    if since is not None:
        query = query.where(MetricEntry.created_at >= since)
    if until is not None:
        query = query.where(MetricEntry.created_at < until)
    async with store.session() as s:
        return list(await s.scalars(query.order_by(MetricEntry.created_at, MetricEntry.id)))


@dataclass(frozen=True, slots=True)
class Derived:
    """A metric entry implied by a check-in (a "read" answer is a paper read)."""

    member_id: int
    metric: str
    source_key: str
    quarter: str
    created_at: datetime


async def sync_derived_metrics(
    store: Store,
    member_ids: Collection[int],
    derive: Callable[[list[CheckIn]], Iterable[Derived]],
) -> None:
    """Make the ``source='checkin'`` entries of these members match their check-ins.

    ``derive(checkins) -> Iterable[Derived]`` says what their check-ins imply. Recomputing
    instead of appending means an edited or corrected check-in never counts twice.
    """
    if not member_ids:
        return
    ids = list(member_ids)
    async with store.session() as s:
        checkins = await s.scalars(select(CheckIn).where(CheckIn.member_id.in_(ids)))
        wanted = {(d.member_id, d.metric, d.source_key): d for d in derive(list(checkins))}
        existing = await s.execute(
            select(
                MetricEntry.id,
                MetricEntry.member_id,
                MetricEntry.metric,
                MetricEntry.source_key,
            ).where(MetricEntry.member_id.in_(ids), MetricEntry.source == "checkin")
        )
        have: dict[tuple[int, str, str], int] = {
            (m, metric, key or ""): entry_id for entry_id, m, metric, key in existing
        }
        stale = [entry_id for key, entry_id in have.items() if key not in wanted]
        if stale:
            await s.execute(delete(MetricEntry).where(MetricEntry.id.in_(stale)))
        # A concurrent sync may insert the same rows meanwhile: they are the same facts,
        # so a conflict on (member, metric, source key) is skipped, not retried.
        await insert_missing(
            s,
            MetricEntry.__table__,
            [
                {
                    "member_id": d.member_id,
                    "metric": d.metric,
                    "value": 1.0,
                    "unit": "",
                    "note": None,
                    "quarter": d.quarter,
                    "source": "checkin",
                    "source_key": d.source_key,
                    "created_at": d.created_at,
                }
                for key, d in wanted.items()
                if key not in have
            ],
            key=("member_id", "metric", "source_key"),
        )


# -- nudges -------------------------------------------------------------------------------


async def muted_pitfalls(store: Store, member_id: int) -> set[str]:
    async with store.session() as s:
        rows = await s.scalars(
            select(PitfallMute.pitfall).where(PitfallMute.member_id == member_id)
        )
        return set(rows)


async def set_muted(
    store: Store, member_id: int, pitfall: str, *, muted: bool, now: datetime
) -> bool:
    """Mute or unmute; returns False when it already was so (also when a second click
    muted it a moment before)."""
    async with store.session() as s:
        key = {"member_id": member_id, "pitfall": pitfall}
        if muted:
            _, created = await get_or_create(s, PitfallMute, key, defaults={"created_at": now})
            return created
        result = await s.execute(delete(PitfallMute).filter_by(**key))
        return bool(result.rowcount)


async def last_nudges(store: Store, member_id: int) -> dict[str, datetime]:
    async with store.session() as s:
        rows = await s.execute(
            select(Nudge.pitfall, func.max(Nudge.fired_at))
            .where(Nudge.member_id == member_id)
            .group_by(Nudge.pitfall)
        )
        return {pitfall: fired for pitfall, fired in rows}


async def record_nudge(
    store: Store, member_id: int, pitfall: str, *, now: datetime, evidence: Mapping[str, Any]
) -> Nudge:
    async with store.session() as s:
        row = Nudge(member_id=member_id, pitfall=pitfall, fired_at=now, evidence=dict(evidence))
        s.add(row)
    return row


async def nudges_of(store: Store, member_id: int) -> list[Nudge]:
    async with store.session() as s:
        rows = await s.scalars(
            select(Nudge).where(Nudge.member_id == member_id).order_by(Nudge.fired_at)
        )
        return list(rows)


async def changed_members(store: Store, *, since: datetime, until: datetime) -> dict[int, datetime]:
    """Members whose check-ins changed, or who logged a metric, in [since, until), with
    the latest such instant of each.

    One statement (the two reads in a ``UNION ALL``): the nudge hook asks at every tick
    and, on a simulated clock, before every tick too."""
    checked = (
        select(CheckIn.member_id, func.max(CheckIn.updated_at).label("at"))
        .where(CheckIn.updated_at >= since, CheckIn.updated_at < until)
        .group_by(CheckIn.member_id)
    )
    logged = (
        select(MetricEntry.member_id, func.max(MetricEntry.created_at).label("at"))
        .where(
            MetricEntry.created_at >= since,
            MetricEntry.created_at < until,
            MetricEntry.source == "manual",
        )
        .group_by(MetricEntry.member_id)
    )
    async with store.session() as s:
        rows = await s.execute(union_all(checked, logged))
        latest: dict[int, datetime] = {}
        for member_id, at in rows:
            at = _aware(at)
            if member_id not in latest or at > latest[member_id]:
                latest[member_id] = at
        return latest


async def checkins_of(
    store: Store, member_ids: Collection[int], *, periods: Iterable[tuple[str, str]] | None = None
) -> list[CheckIn]:
    """Check-ins of these members; ``periods`` limits them to (cadence, period) pairs."""
    if not member_ids:
        return []
    query = select(CheckIn).where(CheckIn.member_id.in_(list(member_ids)))
    if periods is not None:
        pairs = list(periods)
        if not pairs:
            return []
        query = query.where(tuple_(CheckIn.cadence, CheckIn.period_key).in_(pairs))
    async with store.session() as s:
        return list(await s.scalars(query.order_by(CheckIn.member_id, CheckIn.period_key)))


def _aware(value: datetime) -> datetime:
    """``max()`` over a UTCDateTime column comes back without the type's processing on
    SQLite (a naive datetime, or text): normalise it to aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# -- team ---------------------------------------------------------------------------------


async def members_of(store: Store, workspace_id: int) -> list[Member]:
    async with store.session() as s:
        rows = await s.scalars(
            select(Member).where(Member.workspace_id == workspace_id).order_by(Member.id)
        )
        return list(rows)


async def members_by_id(store: Store, member_ids: Collection[int]) -> dict[int, Member]:
    if not member_ids:
        return {}
    async with store.session() as s:
        rows = await s.scalars(select(Member).where(Member.id.in_(list(member_ids))))
        return {m.id: m for m in rows}


async def digest_workspaces(store: Store) -> list[Workspace]:
    async with store.session() as s:
        rows = await s.scalars(
            select(Workspace).where(
                Workspace.digest_channel.is_not(None), Workspace.disabled_reason.is_(None)
            )
        )
        return list(rows)


# -- what the rules and the packet read ---------------------------------------------------


class History(NamedTuple):
    """A member's recent rows, as the pitfall rules read them (``bot.features.nudges``)."""

    checkins: list[CheckIn]
    metrics: list[MetricEntry]
    #: Completed and scored.
    assessments: list[Assessment]
    goals: list[Goal]


async def history_of(store: Store, member_id: int, *, since: datetime) -> History:
    """Check-ins answered and metrics logged from ``since`` on, scored assessments and
    all goals, in one transaction. A period starts no later than its answer, so a
    check-in answered before ``since`` is of an older period anyway."""
    async with store.session() as s:
        checkins = await s.scalars(
            select(CheckIn).where(CheckIn.member_id == member_id, CheckIn.answered_at >= since)
        )
        metrics = await s.scalars(
            select(MetricEntry).where(
                MetricEntry.member_id == member_id, MetricEntry.created_at >= since
            )
        )
        assessments = await s.scalars(
            select(Assessment).where(
                Assessment.member_id == member_id,
                Assessment.completed_at.is_not(None),
                Assessment.score.is_not(None),
            )
        )
        goals = await s.scalars(select(Goal).where(Goal.member_id == member_id))
        return History(list(checkins), list(metrics), list(assessments), list(goals))


class Evidence(NamedTuple):
    """What the promotion packet quotes (``bot.features.packet``): the member's own words."""

    #: Check-ins with a note.
    checkins: list[CheckIn]
    #: Metrics logged by hand (not implied by check-ins).
    metrics: list[MetricEntry]
    #: Completed.
    assessments: list[Assessment]


async def evidence_of(store: Store, member_id: int) -> Evidence:
    async with store.session() as s:
        checkins = await s.scalars(
            select(CheckIn).where(CheckIn.member_id == member_id, CheckIn.note.is_not(None))
        )
        metrics = await s.scalars(
            select(MetricEntry).where(
                MetricEntry.member_id == member_id, MetricEntry.source == "manual"
            )
        )
        assessments = await s.scalars(
            select(Assessment).where(
                Assessment.member_id == member_id, Assessment.completed_at.is_not(None)
            )
        )
        return Evidence(list(checkins), list(metrics), list(assessments))
