"""Step 1 of a tick: due routines become outbox rows, and routines move to their next
occurrence, in one transaction per chunk (:func:`write_due`), from pages of due
routines read by key (:func:`read_due`).

Rows are written per plan (``schedules.plans``), not per routine or per zone: a chunk of
5,000 routines due in thirty zones usually costs two statements. Rows for platforms this
worker serves are created already claimed by it (see
``storage.outbox.create_routine_deliveries``) and handed to the sender grouped by
render inputs (``schedules.dispatch.Fresh``), so the fan-out path writes each row twice
(created, sent) instead of three times.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from schedules.dispatch import Fresh
from schedules.plans import Plan, Plans
from storage import outbox
from storage.repo import Store
from storage.writer import Writer


@dataclass
class Due:
    """One page of due routines, planned: routine ids by plan, ``(every, writable)``."""

    parts: dict[Plan, tuple[list[int], list[int]]] = field(default_factory=dict)
    #: Due routines read; fewer than the limit means none are left.
    seen: int = 0
    #: The (next_due_at, id) key of the last routine read: where the next page starts.
    last: tuple[datetime, int] | None = None


@dataclass
class Materialised:
    """One chunk's outcome: rows to send now (one :class:`Fresh` per plan), and counts
    for the tick's report."""

    fresh: list[Fresh] = field(default_factory=list)
    created: int = 0
    missed: int = 0
    skipped: int = 0


async def read_due(
    store: Store,
    *,
    now: datetime,
    plans: Plans,
    limit: int,
    after: tuple[datetime, int] | None = None,
) -> Due:
    """Read and plan up to ``limit`` due routines after the key ``after``, in a short
    transaction of their own: with one writer (SQLite), a tick reads the next page by
    key while the previous one is written (``Scheduler._fan_out``)."""
    async with store.session() as s:
        conn = await s.connection()
        return await conn.run_sync(plan_due, now=now, plans=plans, limit=limit, after=after)


def plan_due(
    conn: Connection,
    *,
    now: datetime,
    plans: Plans,
    limit: int,
    after: tuple[datetime, int] | None = None,
    lock: bool = False,
) -> Due:
    """Read up to ``limit`` due routines after the key ``after`` on ``conn`` and group
    their ids by plan; with ``lock``, only routines no other transaction holds, locked
    until this one ends (``outbox.due_routines``)."""
    due = Due()
    groups = outbox.due_routines(conn, now=now, limit=limit, after=after, lock=lock)
    read_instant = outbox.instant_reader(conn)
    for *schedule, writable_ids, skipped_ids, count, last_id in groups:
        due.seen += count
        schedule[-1] = read_instant(schedule[-1])
        key = (schedule[-1], last_id)
        if due.last is None or key > due.last:
            due.last = key
        plan = plans(tuple(schedule))
        part = due.parts.get(plan)
        if part is None:
            part = due.parts[plan] = ([], [])
        writable = outbox.json_ids(writable_ids)
        part[0].extend(writable)
        part[0].extend(outbox.json_ids(skipped_ids))
        part[1].extend(writable)
    return due


async def write_due(
    writer: Writer,
    due: Due | None,
    *,
    now: datetime,
    claim: outbox.Claim,
    writing: contextlib.AbstractAsyncContextManager[Any] | None = None,
    read: Callable[[Connection], Due] | None = None,
) -> tuple[Due, Materialised]:
    """Create the outbox rows of a page and advance its routines, in one transaction
    handed whole to ``writer`` (``storage.writer``).

    Members who are paused or unreachable, or whose workspace is disabled, have the
    period skipped: their routines advance and no row is written.

    ``due`` is a page read beforehand (:func:`read_due`), or None to have ``read``
    take one inside this transaction, locking its routines (``plan_due`` with
    ``lock``): that is how write transactions sharing a PostgreSQL database, of one
    worker or several, take disjoint pages at once instead of all reading the same
    one. The transaction (inside ``writing``, the caller's writer lock) holds
    database work only: SQLite has one writer, and whatever runs inside it (planning,
    decoding) is time the sender's "sent" updates wait. Both writes are guarded by
    ``next_due_at``, so a routine read before another writer advanced or edited it is
    left alone; the rows created are decoded after commit.
    """
    result = Materialised()
    created_rows: list[tuple[Plan, Any]] = []

    def transaction(conn: Connection) -> Due:
        outbox.plan_by_index(conn)
        page = due
        if page is None:
            if read is None:
                raise ValueError("write_due needs a page or a way to read one")
            page = read(conn)
        for plan, (every, writable) in page.parts.items():
            if writable and plan.period_key is not None and plan.due_at is not None:
                created, claimed = outbox.create_routine_deliveries(
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
                created_rows.append((plan, claimed))
            result.skipped += len(every) - len(writable)
            outbox.advance_routines(conn, every, was_due=plan.was_due, next_due_at=plan.following)
        return page

    async with writing or contextlib.nullcontext():
        page = await writer.run(transaction)
    for plan, claimed in created_rows:
        if claimed is not None:
            result.fresh.append(_fresh(plan, outbox.json_ids(claimed)))
    return page, result


def _fresh(plan: Plan, rows: list[list[int]]) -> Fresh:
    assert plan.period_key is not None and plan.due_at is not None
    return Fresh(plan.kind, plan.period_key, plan.due_at, rows)
