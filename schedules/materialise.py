"""Step 1 of a tick: due routines become outbox rows, and routines move to their next
occurrence, in one transaction per chunk.

Rows are written per plan (``schedules.plans``), not per routine or per zone: a chunk of
5,000 routines due in thirty zones usually costs two statements. Rows for platforms this
worker serves are created already claimed by it (see
``storage.outbox.create_routine_deliveries``) and returned as :class:`Job` values, so the
fan-out path writes each row twice (created, sent) instead of three times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from schedules.dispatch import Job
from schedules.plans import Plan, Plans
from storage import outbox
from storage.repo import Store


@dataclass
class Materialised:
    """One chunk's outcome: rows to send now, and counts for the tick's report."""

    jobs: list[Job] = field(default_factory=list)
    #: Due routines read; fewer than the limit means none are left.
    seen: int = 0
    created: int = 0
    missed: int = 0
    skipped: int = 0


async def materialise(
    store: Store, *, now: datetime, plans: Plans, limit: int, claim: outbox.Claim
) -> Materialised:
    """Turn up to ``limit`` due routines into outbox rows.

    Members who are paused or unreachable, or whose workspace is disabled, have the
    period skipped: their routines advance and no row is written.
    """
    result = Materialised()
    async with store.session() as s:
        conn = await s.connection()
        await outbox.lock_materialise(conn)
        groups = await outbox.due_routines(conn, now=now, limit=limit)
        read_instant = outbox.instant_reader(conn)
        parts: dict[Plan, tuple[list[int], list[int]]] = {}
        for *schedule, writable_ids, skipped_ids, count in groups:
            result.seen += count
            schedule[-1] = read_instant(schedule[-1])
            plan = plans(tuple(schedule))
            part = parts.get(plan)
            if part is None:
                part = parts[plan] = ([], [])
            writable = outbox.json_ids(writable_ids)
            part[0].extend(writable)
            part[0].extend(outbox.json_ids(skipped_ids))
            part[1].extend(writable)
        for plan, (every, writable) in parts.items():
            if writable and plan.period_key is not None and plan.due_at is not None:
                created, claimed = await outbox.create_routine_deliveries(
                    conn,
                    writable,
                    cadence=plan.cadence,
                    was_due=plan.was_due,
                    period_key=plan.period_key,
                    due_at=plan.due_at,
                    status=plan.status,
                    now=now,
                    note=plan.note,
                    claim=claim,
                )
                if plan.status == "missed":
                    result.missed += created
                else:
                    result.created += created
                kind = plan.kind
                result.jobs += [
                    Job(did, wid, mid, None, f"m:{mid}", kind, plan.period_key, "claimed",
                        plan.due_at, 1, "{}")
                    for did, mid, wid in claimed
                ]  # fmt: skip
            result.skipped += len(every) - len(writable)
            await outbox.advance_routines(
                conn, every, was_due=plan.was_due, next_due_at=plan.following
            )
    return result
