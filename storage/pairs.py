"""Queries of learning pairs (``bot/features/pairs.py``; tables in
``storage.pairs_models``).

Who meets whom is decided in the core (``bot.pairing.pair_up``); here a drawn round is
stored once per workspace and round key (the first to store it wins, the others read
theirs), opt-ins and answers are kept, and the counts the digest and the admin view
show are read. Member-facing functions are scoped by member.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import func, select, update

from storage.models import Member, Workspace
from storage.pairs_models import PairMember, PairOptIn, PairRhythm, PairRound
from storage.repo import Store
from storage.upsert import get_or_create


@dataclass(frozen=True, slots=True)
class Drawn:
    """A stored round: its id and key, and its pairs as (pair_no, [(member_id, role)])."""

    round_id: int
    round_key: str
    day: date
    pairs: dict[int, list[tuple[int, str]]]


# -- rhythms and opt-ins ------------------------------------------------------------------


async def rhythm_of(store: Store, workspace_id: int) -> PairRhythm | None:
    async with store.session() as s:
        return await s.get(PairRhythm, workspace_id)


async def set_rhythm(
    store: Store, workspace_id: int, *, every_weeks: int, anchor: date, now: datetime
) -> None:
    async with store.session() as s:
        await get_or_create(
            s,
            PairRhythm,
            {"workspace_id": workspace_id},
            values={"every_weeks": every_weeks, "anchor": anchor, "updated_at": now},
        )


async def delete_rhythm(store: Store, workspace_id: int) -> None:
    async with store.session() as s:
        row = await s.get(PairRhythm, workspace_id)
        if row is not None:
            await s.delete(row)


async def rhythms(store: Store) -> list[tuple[PairRhythm, Workspace]]:
    """Every rhythm of a workspace that is not disabled, with its workspace."""
    async with store.session() as s:
        rows = await s.execute(
            select(PairRhythm, Workspace)
            .join(Workspace, Workspace.id == PairRhythm.workspace_id)
            .where(Workspace.disabled_reason.is_(None))
        )
        return [(r, w) for r, w in rows]


async def optin_of(store: Store, member_id: int) -> PairOptIn | None:
    async with store.session() as s:
        return await s.scalar(select(PairOptIn).where(PairOptIn.member_id == member_id))


async def optins_of(store: Store, member_ids: Collection[int]) -> dict[int, PairOptIn]:
    """The opt-in rows of these members (opted in or out), by member."""
    if not member_ids:
        return {}
    async with store.session() as s:
        rows = await s.scalars(select(PairOptIn).where(PairOptIn.member_id.in_(list(member_ids))))
        return {o.member_id: o for o in rows}


async def set_optin(store: Store, member_id: int, opted_in: bool, *, now: datetime) -> None:
    async with store.session() as s:
        await get_or_create(
            s,
            PairOptIn,
            {"member_id": member_id},
            defaults={"waiting": False},
            values={"opted_in": opted_in, "updated_at": now},
        )


async def opted_in_members(store: Store, workspace_id: int) -> list[Member]:
    async with store.session() as s:
        rows = await s.scalars(
            select(Member)
            .join(PairOptIn, PairOptIn.member_id == Member.id)
            .where(Member.workspace_id == workspace_id, PairOptIn.opted_in.is_(True))
        )
        return list(rows)


# -- rounds -------------------------------------------------------------------------------


async def recent_groups(
    store: Store, workspace_id: int, *, before: str, rounds: int
) -> list[list[int]]:
    """The member ids of each pair of the last ``rounds`` rounds before round key
    ``before``."""
    async with store.session() as s:
        ids = list(
            await s.scalars(
                select(PairRound.id)
                .where(PairRound.workspace_id == workspace_id, PairRound.round_key < before)
                .order_by(PairRound.round_key.desc())
                .limit(rounds)
            )
        )
        rows = await s.execute(
            select(PairMember.round_id, PairMember.pair_no, PairMember.member_id).where(
                PairMember.round_id.in_(ids)
            )
        )
    groups: dict[tuple[int, int], list[int]] = {}
    for round_id, pair_no, member_id in rows:
        groups.setdefault((round_id, pair_no), []).append(member_id)
    return list(groups.values())


async def load_round(store: Store, workspace_id: int, round_key: str) -> Drawn | None:
    async with store.session() as s:
        found = await s.scalar(
            select(PairRound).where(
                PairRound.workspace_id == workspace_id, PairRound.round_key == round_key
            )
        )
        if found is None:
            return None
        rows = await s.execute(
            select(PairMember.pair_no, PairMember.member_id, PairMember.role)
            .where(PairMember.round_id == found.id)
            .order_by(PairMember.pair_no, PairMember.role.desc(), PairMember.member_id)
        )
    pairs: dict[int, list[tuple[int, str]]] = {}
    for pair_no, member_id, role in rows:
        pairs.setdefault(pair_no, []).append((member_id, role))
    return Drawn(found.id, found.round_key, found.day, pairs)


async def save_round(
    store: Store,
    workspace_id: int,
    round_key: str,
    day: date,
    pairs: Sequence[tuple[int, Sequence[int]]],
    *,
    waiting: Collection[int],
    now: datetime,
) -> Drawn:
    """Store a drawn round, ``pairs`` as (mentor, mentees), once: when another worker
    stored this round first, theirs stands and this one is dropped whole. The members
    placed stop waiting and ``waiting`` ones go first next time, with the round."""
    async with store.session() as s:
        row, created = await get_or_create(
            s,
            PairRound,
            {"workspace_id": workspace_id, "round_key": round_key},
            defaults={"day": day, "created_at": now},
        )
        if created:
            for pair_no, (mentor, mentees) in enumerate(pairs):
                s.add(PairMember(round_id=row.id, pair_no=pair_no, member_id=mentor, role="mentor"))
                for mentee in mentees:
                    s.add(
                        PairMember(
                            round_id=row.id, pair_no=pair_no, member_id=mentee, role="mentee"
                        )
                    )
            placed = [m for mentor, mentees in pairs for m in (mentor, *mentees)]
            for ids, flag in ((placed, False), (list(waiting), True)):
                if ids:
                    await s.execute(
                        update(PairOptIn)
                        .where(PairOptIn.member_id.in_(ids))
                        .values(waiting=flag, updated_at=now)
                    )
    drawn = await load_round(store, workspace_id, round_key)
    assert drawn is not None  # stored above or by the worker that won
    return drawn


async def group_of(store: Store, round_id: int, pair_no: int) -> list[tuple[Member, str]]:
    """The members of one pair still known (a forgotten one is gone), mentor first."""
    async with store.session() as s:
        rows = await s.execute(
            select(Member, PairMember.role)
            .join(PairMember, PairMember.member_id == Member.id)
            .where(PairMember.round_id == round_id, PairMember.pair_no == pair_no)
            .order_by(PairMember.role.desc(), Member.id)
        )
        return [(m, role) for m, role in rows]


async def latest_pair(store: Store, member_id: int) -> tuple[int, int, str] | None:
    """(round id, pair number, round key) of the member's latest round."""
    async with store.session() as s:
        row = (
            await s.execute(
                select(PairMember.round_id, PairMember.pair_no, PairRound.round_key)
                .join(PairRound, PairRound.id == PairMember.round_id)
                .where(PairMember.member_id == member_id)
                .order_by(PairRound.round_key.desc())
                .limit(1)
            )
        ).first()
    return (row[0], row[1], row[2]) if row is not None else None


# -- "did you meet?" ----------------------------------------------------------------------


async def answer_met(
    store: Store,
    round_id: int,
    member_id: int,
    *,
    met: bool,
    minutes: int | None,
    now: datetime,
) -> bool:
    """Store the member's answer on their own row of the round; False when they have
    none (a forged or stale round id)."""
    async with store.session() as s:
        row = await s.scalar(
            select(PairMember).where(
                PairMember.round_id == round_id, PairMember.member_id == member_id
            )
        )
        if row is None:
            return False
        row.met, row.minutes, row.answered_at = met, minutes, now
        return True


async def meetings_since(
    store: Store, member_id: int, since: datetime
) -> list[tuple[datetime, int]]:
    """(answered at, minutes) of each meeting the member confirmed from ``since`` on."""
    async with store.session() as s:
        rows = await s.execute(
            select(PairMember.answered_at, PairMember.minutes).where(
                PairMember.member_id == member_id,
                PairMember.met.is_(True),
                PairMember.answered_at >= since,
            )
        )
        return [(at, int(minutes or 0)) for at, minutes in rows]


async def meetings_count(store: Store, member_id: int) -> int:
    """Every meeting the member ever confirmed."""
    async with store.session() as s:
        total = await s.scalar(
            select(func.count())
            .select_from(PairMember)
            .where(PairMember.member_id == member_id, PairMember.met.is_(True))
        )
        return int(total or 0)


# -- counts for the digest and for admins -------------------------------------------------


async def month_rows(
    store: Store, workspace_id: int, *, first: date, last: date, start: datetime, end: datetime
) -> tuple[list[tuple[int, int, bool | None]], list[tuple[datetime, int]]]:
    """For the digest: (round id, pair number, met) of every member row of the rounds
    drawn on local days [first, last), and (answered at, minutes) of the meetings
    confirmed in [start, end)."""
    async with store.session() as s:
        pairs = await s.execute(
            select(PairMember.round_id, PairMember.pair_no, PairMember.met)
            .join(PairRound, PairRound.id == PairMember.round_id)
            .where(
                PairRound.workspace_id == workspace_id,
                PairRound.day >= first,
                PairRound.day < last,
            )
        )
        answers = await s.execute(
            select(PairMember.answered_at, PairMember.minutes)
            .join(PairRound, PairRound.id == PairMember.round_id)
            .where(
                PairRound.workspace_id == workspace_id,
                PairMember.met.is_(True),
                PairMember.answered_at >= start,
                PairMember.answered_at < end,
            )
        )
        return (
            [(r, p, met) for r, p, met in pairs],
            [(at, int(minutes or 0)) for at, minutes in answers],
        )


class Overview(NamedTuple):
    """What ``/mentor team pairs`` shows: never who said what."""

    opted_in: int
    waiting: int
    #: The latest rounds, newest first.
    rounds: list[PairRound]
    #: (round id, pair number, met) of every member row of those rounds.
    answers: list[tuple[int, int, bool | None]]


async def overview(store: Store, workspace_id: int, *, rounds: int) -> Overview:
    async with store.session() as s:
        opted = await s.scalar(
            select(func.count())
            .select_from(PairOptIn)
            .join(Member, Member.id == PairOptIn.member_id)
            .where(Member.workspace_id == workspace_id, PairOptIn.opted_in.is_(True))
        )
        latest = list(
            await s.scalars(
                select(PairRound)
                .where(PairRound.workspace_id == workspace_id)
                .order_by(PairRound.round_key.desc())
                .limit(rounds)
            )
        )
        rows = await s.execute(
            select(PairMember.round_id, PairMember.pair_no, PairMember.met).where(
                PairMember.round_id.in_([r.id for r in latest])
            )
        )
        waiting = await s.scalar(
            select(func.count())
            .select_from(PairOptIn)
            .join(Member, Member.id == PairOptIn.member_id)
            .where(
                Member.workspace_id == workspace_id,
                PairOptIn.opted_in.is_(True),
                PairOptIn.waiting.is_(True),
            )
        )
        return Overview(
            int(opted or 0), int(waiting or 0), latest, [(r, p, met) for r, p, met in rows]
        )
