"""Get a row by its unique key, or create it: the one place that does this.

Two callers creating the same row at once (a double click, two workers, two processes
installing one workspace) must both end with that row and neither with an error. The
old way was written out at every such place: select, insert in a new transaction, catch
``IntegrityError``, select again, and give up after two rounds. Here it is once, with
``INSERT … ON CONFLICT (key) DO NOTHING RETURNING``, which SQLite (3.35+) and PostgreSQL
both speak:

1. select by the key: the common case (the row exists) writes nothing, takes no write
   lock on SQLite and spends no PostgreSQL sequence value;
2. otherwise insert, doing nothing on a conflict with that key. On PostgreSQL a
   concurrent insert of the same key that has not committed yet makes this one wait for
   it, so it never reports a conflict with a row that then vanishes in a rollback;
3. nothing inserted means another transaction committed the row: select it (a new
   statement sees it under READ COMMITTED, and SQLite serialises writers anyway).

All in the caller's transaction, so the caller can change the row it gets and commit
once. A conflict on another unique constraint still raises: that is a real error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import Base

M = TypeVar("M", bound=Base)

#: Rounds of insert-then-read before giving up. A second round is needed only when the
#: conflicting row is deleted between the insert and the read (``/mentor forget`` racing
#: first contact); a third would mean the database is not doing what it says.
ROUNDS = 3


def insert_for(dialect: str, table: Any) -> Any:
    """An INSERT of ``table`` (a model or a ``Table``) that knows ``on_conflict_do_nothing``
    on this backend."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"no ON CONFLICT for the {dialect!r} dialect")


async def get_or_create(
    session: AsyncSession,
    model: type[M],
    key: Mapping[str, Any],
    *,
    defaults: Mapping[str, Any] | None = None,
    values: Mapping[str, Any] | None = None,
    lock: bool = False,
) -> tuple[M, bool]:
    """The ``model`` row whose unique key is ``key``, created with ``defaults`` and
    ``values`` when missing; returns ``(row, created)``.

    ``values`` are what the row ends with either way: set on a row that was found (an
    upsert: "set my goal for this quarter"), so NOT NULL columns are in the insert too.
    ``key`` must name exactly the columns of one unique constraint (or the primary key)
    of the table: that constraint is the conflict target. ``lock`` is for a caller about
    to change the row from its own value (merging a click into a list), so that two such
    changes queue instead of one losing: the row is read ``FOR UPDATE`` on PostgreSQL,
    and under the database's write lock on SQLite.
    """
    row, created = await _get_or_create(
        session, model, key, {**(defaults or {}), **(values or {})}, lock
    )
    if not created:
        for name, value in (values or {}).items():
            setattr(row, name, value)
    return row, created


async def _get_or_create(
    session: AsyncSession,
    model: type[M],
    key: Mapping[str, Any],
    row: Mapping[str, Any],
    lock: bool,
) -> tuple[M, bool]:
    dialect = (await session.connection()).dialect.name
    where = select(model).filter_by(**key)
    if lock:
        where = where.with_for_update()
        if dialect == "sqlite":
            await _write_lock(session, model, key)
    found = await session.scalar(where)
    if found is not None:
        return found, False
    stmt = (
        insert_for(dialect, model)
        .values({**row, **key})
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(model)
    )
    for _ in range(ROUNDS):
        made = (await session.scalars(stmt, execution_options={"populate_existing": True})).first()
        if made is not None:
            return made, True
        found = await session.scalar(where)
        if found is not None:
            return found, False
    raise RuntimeError(f"{model.__name__} {dict(key)!r}: neither inserted nor found")


async def _write_lock(session: AsyncSession, model: type[M], key: Mapping[str, Any]) -> None:
    """SQLite has no ``FOR UPDATE``: take the database's write lock before reading, with
    an update that changes nothing, so no other writer can change the row between this
    transaction's read and its write (SQLite queues writers; the read then sees the
    latest committed row)."""
    table = model.__table__
    pk = next(iter(table.primary_key.columns))
    await session.execute(
        update(table)
        .where(*(table.c[name] == value for name, value in key.items()))
        .values({pk.name: pk})
    )


async def insert_missing(
    conn: AsyncConnection | AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str],
) -> None:
    """Insert ``rows``, skipping those whose ``key`` (a unique constraint's columns)
    exists already: :func:`get_or_create` for many rows whose values are not needed
    back (derived rows recomputed from their source)."""
    if not rows:
        return
    dialect = (
        (await conn.connection()).dialect.name
        if isinstance(conn, AsyncSession)
        else conn.dialect.name
    )
    await conn.execute(
        insert_for(dialect, table).on_conflict_do_nothing(index_elements=list(key)),
        [dict(r) for r in rows],
    )
