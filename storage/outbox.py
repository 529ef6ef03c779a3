"""The queries behind routines and the delivery outbox, in SQLAlchemy Core.

The scheduler's hot path moves 100,000 rows a minute at fan-out, so nothing here builds
ORM objects per row, and per-row work is left to the database: due routines become
outbox rows through ``INSERT … SELECT`` over chunks of routine ids, claims are
``UPDATE … RETURNING``, and sends are recorded with one ``UPDATE … FROM json_each(…)``
(SQLite) or ``UPDATE … FROM unnest(…)`` (PostgreSQL). Id lists travel as a single
parameter (``json_each`` on SQLite, an array on PostgreSQL) rather than thousands of
bound values. Every function takes a connection, so the caller decides what shares a
transaction: the fan-out's writes take a sync ``Connection`` so that a whole
transaction can be handed to ``storage.writer`` in one call; the rest are async.

Multi-worker safety on PostgreSQL comes from three things: the unique constraint on
(kind, period_key, target) makes creating a row exactly-once whoever does it; each
write transaction that turns routines into rows first locks its page of due routines
``FOR UPDATE SKIP LOCKED``, so concurrent transactions (one worker's, or several
workers') take disjoint pages and none repeats another's work; and claims lock
candidate rows the same way, so two workers never claim the same row. SQLite has no
row locks and serialises writers, which is enough for its one process.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Connection,
    Insert,
    Integer,
    Row,
    Select,
    String,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy import cast as cast_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Update
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.sqltypes import NullType

from storage.models import Delivery, DeliveryReceipt, Member, Routine, Worker, Workspace
from storage.types import UTCDateTime

R = cast(Table, Routine.__table__)
D = cast(Table, Delivery.__table__)
M = cast(Table, Member.__table__)
W = cast(Table, Workspace.__table__)
RECEIPT = cast(Table, DeliveryReceipt.__table__)
WORKER = cast(Table, Worker.__table__)

_ROUTINE_MEMBERS = R.join(M, M.c.id == R.c.member_id).join(W, W.c.id == M.c.workspace_id)
#: A member the outbox may write to: not paused, reachable, workspace still installed.
_ELIGIBLE = and_(not_(M.c.paused), M.c.unreachable.is_(None), W.c.disabled_reason.is_(None))
_UTC = UTCDateTime()

#: Status tests as SQL literals, matching the partial indexes' predicates
#: (``storage.models.PENDING_SQL``): SQLite cannot use a partial index for a bound value.
IS_PENDING = D.c.status == literal_column("'pending'")
IS_CLAIMED = D.c.status == literal_column("'claimed'")

_MEMBER_TARGET = literal("m:") + cast_(R.c.member_id, String)

#: Statements take at most this many ids, to keep each transaction's locks short.
ID_CHUNK = 5000


def dialect_insert(conn: AsyncConnection | Connection, table: Table) -> Insert:
    """An INSERT that supports ``on_conflict_do_nothing`` on the connection's backend."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def id_in(column: ColumnElement[int], ids: Sequence[int], dialect: str) -> ColumnElement[bool]:
    """``column IN ids`` with the list as one parameter: an array on PostgreSQL, a JSON
    array read by ``json_each`` on SQLite. An expanded ``IN (?, ?, …)`` of 5,000 values
    costs more in SQLAlchemy's parameter handling than the query does in the database."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=postgresql.ARRAY(Integer)))
    values = select(literal_column("value")).select_from(
        func.json_each(bindparam(None, json.dumps(list(ids)), type_=String))
    )
    return column.in_(values.scalar_subquery())


def _id_in_param(column: ColumnElement[int], name: str, dialect: str) -> ColumnElement[bool]:
    """:func:`id_in` with the list as the parameter ``name``, for a statement built
    once; bind it with :func:`_ids_value`."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(Integer)))
    values = select(literal_column("value")).select_from(
        func.json_each(bindparam(name, type_=String))
    )
    return column.in_(values.scalar_subquery())


def _ids_value(ids: Sequence[int], dialect: str) -> Any:
    """The value of an :func:`_id_in_param`: an array on PostgreSQL, JSON on SQLite."""
    return list(ids) if dialect == "postgresql" else json.dumps(list(ids))


def _by_id(column: ColumnElement[Any], conn: Connection) -> ColumnElement[Any]:
    """``column`` as a filter SQLite checks on the rows it finds by id rather than
    searches with: given ``id IN (…) AND next_due_at = ?``, its planner probes
    ``ix_routine_next_due_at`` (next_due_at, id) once per id and then reads the row
    anyway; SQLite's unary ``+`` keeps the column out of index choice, so each routine
    is one primary-key lookup (about a fifth less time for the insert and the advance,
    measured). PostgreSQL has no unary ``+`` for timestamps, and plans this well."""
    return _by_id_on(column, conn.dialect.name)


def _by_id_on(column: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """:func:`_by_id` for a statement built once per backend."""
    if dialect != "sqlite":
        return column
    table = cast(Table, column.table).name
    return literal_column(f"+{table}.{column.name}", type_=column.type)


def member_target(member_id: int) -> str:
    return f"m:{member_id}"


def channel_target(workspace_id: int, channel: str) -> str:
    return f"c:{workspace_id}:{channel}"


# --- routines ---------------------------------------------------------------------------


async def insert_routines(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Create routines, ignoring any that exist: first contact may race with itself."""
    if rows:
        stmt = dialect_insert(conn, R).on_conflict_do_nothing(
            index_elements=[R.c.member_id, R.c.cadence]
        )
        await conn.execute(stmt, list(rows))


async def member_timezone(conn: AsyncConnection, member_id: int) -> str:
    zone = await conn.scalar(select(M.c.timezone).where(M.c.id == member_id))
    if zone is None:
        raise LookupError(f"no member {member_id}")
    return str(zone)


# --- turning due routines into outbox rows ----------------------------------------------

#: Everything that decides when a routine is due and which period it is in; routines
#: equal on these share one computation.
SCHEDULE_COLUMNS = (
    R.c.cadence,
    R.c.hour,
    R.c.minute,
    R.c.weekdays_only,
    R.c.weekday,
    R.c.day_of_month,
    M.c.timezone,
    R.c.next_due_at,
)

#: What a claim returns per row. JSON comes back as text (a SQL cast, since asyncpg
#: decodes json in the driver) so that it can key the render cache as it is.
CLAIM_COLUMNS = (
    D.c.id,
    D.c.workspace_id,
    D.c.member_id,
    D.c.channel,
    D.c.target,
    D.c.kind,
    D.c.period_key,
    D.c.status,
    D.c.due_at,
    D.c.attempts,
    cast_(D.c.payload, Text).label("payload"),
)


#: A member's inputs to a rendering, in the order of ``schedules.dispatch.RENDER_INPUTS``.
RENDER_COLUMNS = (
    M.c.language,
    M.c.level,
    M.c.track,
    M.c.timezone,
    M.c.digest_opt_in,
    cast_(M.c.diet_sources, Text).label("diet_sources"),
)

#: In the order of ``schedules.dispatch.Recipient``; render inputs last.
RECIPIENT_COLUMNS = (
    M.c.id,
    M.c.workspace_id,
    M.c.external_user,
    M.c.display_name,
    M.c.dm_channel,
    M.c.paused,
    M.c.unreachable,
    *RENDER_COLUMNS,
)


@dataclass(frozen=True, slots=True)
class Claim:
    """Who claims, until when, and for which platforms (the outlets it has)."""

    owner: str
    lease_until: datetime
    platforms: tuple[str, ...]


def plan_by_index(conn: Connection) -> None:
    """Keep this transaction's statements on their indexes (PostgreSQL): the fan-out's
    statements find rows by key, and a plan that scans instead is quadratic.

    The one that matters is the probe for an existing row (``create_routine_deliveries``):
    the driver prepares each statement, and after five runs PostgreSQL may keep a
    generic plan made while the outbox was small (a new database, or the first
    chunks of a day), which scans the whole table once per routine; as the fan-out
    fills the table that took minutes per chunk (measured on an emptied outbox). The
    setting lasts until the transaction ends.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")


def due_routines(
    conn: Connection,
    *,
    now: datetime,
    limit: int,
    after: tuple[datetime, int] | None = None,
    lock: bool = False,
) -> list[Row[Any]]:
    """Up to ``limit`` routines due at ``now``, in (``next_due_at``, id) order after the
    key ``after``, grouped by schedule: one row per distinct (SCHEDULE_COLUMNS) with the
    ids of the routines whose member may be written to (``writable``), the others'
    (``skipped``: paused, unreachable, workspace disabled), the count and the largest
    id. Driven by ``ix_routine_next_due_at`` (next_due_at, id) and primary keys only.

    Paging by key rather than re-reading the first ``limit`` due routines means the
    next page does not wait for this one to be written: a tick reads ahead while it
    writes (``schedules.materialise``). With ``lock`` (PostgreSQL, inside the write
    transaction) the routines read are locked ``FOR UPDATE SKIP LOCKED``: a page is
    then the first ``limit`` due routines no other write transaction holds, so
    several transactions (of one worker or of several) write disjoint pages at once.

    Ids come back as one JSON array per group (:func:`json_ids`), and ``next_due_at`` as
    the driver gives it (read it with :func:`instant_reader`): at fan-out, 5,000 due
    routines share a few schedules, and turning 5,000 rows into Python objects one by
    one costs more than the query.
    """
    params: dict[str, Any] = {"now": now, "limit": limit}
    if after is not None:
        params["after_at"], params["after_id"] = after
    statement = _due_routines_statement(conn.dialect.name, lock, after is not None)
    return list(conn.execute(statement, params).all())


@cache
def _due_routines_statement(dialect: str, lock: bool, paged: bool) -> Select[Any]:
    """:func:`due_routines`'s statement, built once per shape with its values bound at
    execution: building it (a subquery, a grouping) and deriving SQLAlchemy's cache
    key from it cost more than an idle tick's whole query did, every tick."""
    page = (
        select(
            R.c.id,
            *SCHEDULE_COLUMNS[:-1],
            type_coerce(R.c.next_due_at, NullType).label("next_due_at"),
            case((_ELIGIBLE, 1), else_=0).label("eligible"),
        )
        .select_from(_ROUTINE_MEMBERS)
        .where(
            R.c.enabled == true(),
            R.c.next_due_at <= bindparam("now", type_=_UTC),
            tuple_(R.c.next_due_at, R.c.id)
            > tuple_(bindparam("after_at", type_=_UTC), bindparam("after_id", type_=Integer))
            if paged
            else true(),
        )
        .order_by(R.c.next_due_at, R.c.id)
        .limit(bindparam("limit", type_=Integer))
    )
    if lock:
        page = page.with_for_update(of=R, skip_locked=True)
    due = page.subquery("due")
    schedule = [due.c[c.name] for c in SCHEDULE_COLUMNS]
    aggregate = func.json_agg if dialect == "postgresql" else func.json_group_array
    return select(
        *schedule,
        aggregate(due.c.id).filter(due.c.eligible == 1).label("writable"),
        aggregate(due.c.id).filter(due.c.eligible == 0).label("skipped"),
        func.count().label("routines"),
        func.max(due.c.id).label("last_id"),
    ).group_by(*schedule)


def _json_rows(
    conn: AsyncConnection | Connection, *columns: ColumnElement[Any]
) -> ColumnElement[Any]:
    """One JSON array of [column, …] arrays, built by the database."""
    if conn.dialect.name == "postgresql":
        return func.json_agg(func.json_build_array(*columns))
    return func.json_group_array(func.json_array(*columns))


def json_ids(value: Any) -> list[Any]:
    """A JSON aggregate as a list: PostgreSQL's driver decodes json, SQLite gives text."""
    if value is None:
        return []
    return value if isinstance(value, list) else json.loads(value)


def instant_reader(conn: AsyncConnection | Connection) -> Callable[[Any], datetime]:
    """Turn a raw ``next_due_at`` from :func:`due_routines` into an aware UTC datetime,
    the way the column type would have."""
    dialect = conn.dialect
    process = R.c.next_due_at.type.dialect_impl(dialect).result_processor(dialect, None)
    return process if process is not None else lambda value: value


def create_routine_deliveries(
    conn: Connection,
    routine_ids: Sequence[int],
    *,
    cadence: str,
    was_due: datetime,
    period_key: str,
    due_at: datetime,
    status: str,
    now: datetime,
    note: str | None = None,
    claim: Claim | None = None,
) -> tuple[int, Any]:
    """One outbox row per routine in ``routine_ids`` whose member is eligible, in one
    INSERT … SELECT; rows that exist already (written by another tick or worker) are
    left alone. ``was_due`` guards against a routine edited since it was read.

    With ``claim``, pending rows for workspaces on ``claim.platforms`` are created
    already claimed by the caller, who is about to send them: the same lease as a claim,
    without writing every row a second time.

    Returns how many rows were created and, when some were created claimed, [id,
    member_id] for each of those (read it with :func:`json_ids`, which the caller may do
    after committing), else None. PostgreSQL names them in the INSERT's RETURNING;
    SQLite's RETURNING hands rows over one by one and costs more than the insert itself
    at fan-out, so there they are read back by the range of ids this INSERT allocated,
    without a join: the sender reads the members on its own connection
    (:func:`fresh_members`), outside the single writer's transaction.
    """
    dialect = conn.dialect.name
    claiming = claim is not None and status == "pending" and bool(claim.platforms)
    params: dict[str, Any] = {
        "c_ids": _ids_value(routine_ids, dialect),
        "c_was_due": was_due,
        "c_kind": f"prompt:{cadence}",
        "c_period": period_key,
        "c_status": status,
        "c_due": due_at,
        "c_note": note,
        "c_now": now,
    }
    if claim is not None and claiming:
        params |= {"c_owner": claim.owner, "c_until": claim.lease_until}
    platforms = claim.platforms if claim is not None and claiming else None
    statement = _create_statement(dialect, platforms)
    if dialect == "postgresql":
        rows = conn.execute(statement, params).all()
        return len(rows), [[i, m] for i, m, state in rows if state == "claimed"] or None
    result = conn.execute(statement, params)
    created = max(result.rowcount or 0, 0)
    if not (claim is not None and claiming and created):
        return created, None
    # One statement holds the write lock throughout and SQLite gives each new row the
    # largest rowid plus one, so this INSERT's rows are the ``created`` ids up to the
    # last one; the filter keeps those it created claimed.
    last = int(result.lastrowid)
    return created, conn.scalar(
        _CREATED_CLAIMED, {"c_after": last - created, "c_last": last, "c_owner": claim.owner}
    )


@cache
def _create_statement(dialect: str, claiming: tuple[str, ...] | None) -> Insert:
    """:func:`create_routine_deliveries`'s INSERT … SELECT, built once per backend and
    per set of platforms whose rows are created claimed (None: none are), its values
    bound at execution: a tick that creates a few rows built and keyed it per plan."""
    status_value: ColumnElement[Any] = bindparam("c_status", type_=String)
    owner: ColumnElement[Any] = null()
    lease_until: ColumnElement[Any] = null()
    attempts: ColumnElement[Any] = literal(0)
    if claiming is not None:
        ours = W.c.platform.in_(claiming)
        status_value = case((ours, literal("claimed")), else_=status_value)
        owner = case((ours, bindparam("c_owner", type_=String)), else_=null())
        lease_until = case((ours, bindparam("c_until", type_=_UTC)), else_=null())
        attempts = case((ours, literal(1)), else_=literal(0))
    kind = bindparam("c_kind", type_=String)
    period_key = bindparam("c_period", type_=String)
    due_at = bindparam("c_due", type_=_UTC)
    source = (
        select(
            M.c.workspace_id,
            R.c.member_id,
            _MEMBER_TARGET,
            kind,
            period_key,
            status_value,
            due_at,
            due_at,
            attempts,
            owner,
            lease_until,
            bindparam("c_note", type_=String),
            literal({}, JSON),
            bindparam("c_now", type_=_UTC),
        )
        .select_from(_ROUTINE_MEMBERS)
        .where(
            _id_in_param(R.c.id, "c_ids", dialect),
            R.c.enabled == true(),
            _by_id_on(R.c.next_due_at, dialect) == bindparam("c_was_due", type_=_UTC),
            _ELIGIBLE,
        )
    )
    columns = [
        "workspace_id",
        "member_id",
        "target",
        "kind",
        "period_key",
        "status",
        "due_at",
        "not_before",
        "attempts",
        "lease_owner",
        "lease_until",
        "last_error",
        "payload",
        "created_at",
    ]
    if dialect == "postgresql":
        # Rows that exist are left out by a probe of the unique key, not ON CONFLICT:
        # PostgreSQL's speculative insertion (probe every unique index, insert, confirm
        # with a WAL record of its own) made a fan-out's INSERT about 40 % slower. No
        # other transaction can be creating the same row meanwhile: prompt rows come
        # only from routines, and the caller holds this page's routines locked
        # (``due_routines`` with ``lock``). Were one to, the unique key would still
        # refuse the second row and this transaction would fail and be retried.
        # A scalar subquery rather than NOT EXISTS: the planner turns NOT EXISTS into
        # an anti join, and with the period's rows not yet in the statistics it scans
        # the whole period per routine (quadratic over a fan-out); a scalar subquery
        # stays one index probe per row.
        existing = D.alias("existing")
        found = (
            select(literal_column("1"))
            .where(
                existing.c.kind == kind,
                existing.c.period_key == period_key,
                existing.c.target == _MEMBER_TARGET,
            )
            .limit(1)
            .scalar_subquery()
        )
        source = source.where(found.is_(None))
        insert = postgresql.insert(D).from_select(columns, source)
        return insert.returning(D.c.id, D.c.member_id, D.c.status)
    return sqlite.insert(D).from_select(columns, source).on_conflict_do_nothing()


#: SQLite: [id, member id] of the rows one INSERT created claimed by ``c_owner``, by
#: the range of ids it allocated (``create_routine_deliveries``).
_CREATED_CLAIMED = select(func.json_group_array(func.json_array(D.c.id, D.c.member_id))).where(
    D.c.id > bindparam("c_after", type_=Integer),
    D.c.id <= bindparam("c_last", type_=Integer),
    IS_CLAIMED,
    D.c.lease_owner == bindparam("c_owner", type_=String),
)


#: What the sender needs of a fresh row's member besides the render inputs, in the
#: order of the member lists of ``schedules.dispatch.Addresses``.
ADDRESS_COLUMNS = (M.c.id, M.c.workspace_id, M.c.external_user, M.c.dm_channel)


async def fresh_members(conn: AsyncConnection, member_ids: Sequence[int]) -> list[Row[Any]]:
    """The members of rows just created, grouped by whether they may still be written
    to and by their render inputs: one row per group, ``(paused, unreachable,
    *RENDER_COLUMNS, members)`` with ``members`` a JSON array of ``ADDRESS_COLUMNS``
    arrays (read it with :func:`json_ids`).

    Grouped in the database because at fan-out 5,000 rows share a few hundred
    renderings: the sender checks and renders once per group and handles four values
    per member, instead of decoding and keying every member's fourteen. A member
    deleted meanwhile is simply absent.
    """
    if not member_ids:
        return []
    dialect = conn.dialect.name
    rows = await conn.execute(
        _fresh_members_statement(dialect), {"ids": _ids_value(member_ids, dialect)}
    )
    return list(rows.all())


@cache
def _fresh_members_statement(dialect: str) -> Select[Any]:
    """:func:`fresh_members`'s statement, built once per backend (a tick that sends
    builds it for every chunk, a few prompts' tick included)."""
    members = (
        func.json_agg(func.json_build_array(*ADDRESS_COLUMNS))
        if dialect == "postgresql"
        else func.json_group_array(func.json_array(*ADDRESS_COLUMNS))
    )
    return (
        select(M.c.paused, M.c.unreachable, *RENDER_COLUMNS, members.label("members"))
        .where(_id_in_param(M.c.id, "ids", dialect))
        .group_by(M.c.paused, M.c.unreachable, *RENDER_COLUMNS)
    )


def advance_routines(
    conn: Connection,
    routine_ids: Sequence[int],
    *,
    was_due: datetime,
    next_due_at: datetime | None,
) -> None:
    """Move routines to their next occurrence, paused members' included: a paused
    period is skipped, not queued."""
    dialect = conn.dialect.name
    conn.execute(
        _advance_statement(dialect),
        {"a_ids": _ids_value(routine_ids, dialect), "a_was_due": was_due, "a_next": next_due_at},
    )


@cache
def _advance_statement(dialect: str) -> Update:
    """:func:`advance_routines`'s UPDATE, built once per backend."""
    return (
        update(R)
        .where(
            _id_in_param(R.c.id, "a_ids", dialect),
            _by_id_on(R.c.next_due_at, dialect) == bindparam("a_was_due", type_=_UTC),
        )
        .values(next_due_at=bindparam("a_next", type_=_UTC))
    )


async def paused_with_end(conn: AsyncConnection, *, on_or_before: date) -> list[Row[Any]]:
    """Members paused until a date no later than ``on_or_before`` (a UTC date plus a day
    covers every zone; the caller checks each member's local date)."""
    rows = await conn.execute(_PAUSED_WITH_END, {"on_or_before": on_or_before})
    return list(rows.all())


#: :func:`paused_with_end`'s statement, built once (every tick reads it).
_PAUSED_WITH_END = select(M.c.id, M.c.timezone, M.c.paused_until).where(
    M.c.paused == true(),
    M.c.paused_until.is_not(None),
    M.c.paused_until <= bindparam("on_or_before", type_=M.c.paused_until.type),
)


@dataclass(frozen=True, slots=True)
class Probe:
    """What a tick starts from (:func:`tick_probe`)."""

    #: Some enabled routine is due: a superset of what :func:`due_routines` finds.
    routines_due: bool
    #: Some row is claimable by :func:`claim` for these platforms.
    claimable: bool
    #: What :func:`paused_with_end` returns.
    paused: list[Row[Any]]


async def tick_probe(
    conn: AsyncConnection, *, now: datetime, on_or_before: date, platforms: tuple[str, ...]
) -> Probe:
    """What a tick starts from, in one statement: whether any enabled routine is due at
    ``now``, whether :func:`claim` would find a row for ``platforms``, and the members
    :func:`paused_with_end` would return.

    Both flags are plain reads (no join for the routines, no lock, no page) of what the
    tick's own statements would then find: when they say no, the tick skips the fan-out
    (its pipeline of tasks and, on PostgreSQL, its write transactions) and the claim
    (two UPDATEs and their session), which were most of an idle tick. They can only err
    towards work: a routine or row another worker holds, or takes meanwhile, costs an
    empty page or claim, as before. One made due or claimable only after this read
    (committed later, by another process) is found at the next tick, as it would be
    had it come just after the tick's own statements; what the tick itself adds (rows
    taken back from dead workers, rows enqueued) the caller knows of
    (``Scheduler._deliver``).
    """
    params = {"now": now, "on_or_before": on_or_before}
    rows = (await conn.execute(_tick_probe_statement(platforms), params)).all()
    first = rows[0]
    paused = [row for row in rows if row.id is not None]
    return Probe(bool(first.due), bool(first.claimable), paused)


@cache
def _tick_probe_statement(platforms: tuple[str, ...]) -> Select[Any]:
    """One row per member paused until a date, or one row of NULLs if there is none;
    every row carries ``due`` and ``claimable``. Built once per set of platforms."""
    any_due = (
        select(R.c.id)
        .where(R.c.enabled == true(), R.c.next_due_at <= bindparam("now", type_=_UTC))
        .exists()
    )
    claimable = or_(
        *(
            select(D.c.id).where(_claimable(platforms, expired)[0]).exists()
            for expired in (True, False)
        )
    )
    probe = select(any_due.label("due"), claimable.label("claimable")).subquery("probe")
    paused = _PAUSED_WITH_END.whereclause
    assert paused is not None
    return select(
        probe.c.due, probe.c.claimable, M.c.id, M.c.timezone, M.c.paused_until
    ).select_from(probe.outerjoin(M, paused))


async def resume_members(conn: AsyncConnection, member_ids: Sequence[int]) -> None:
    if member_ids:
        await conn.execute(
            update(M)
            .where(id_in(M.c.id, member_ids, conn.dialect.name), M.c.paused == true())
            .values(paused=False, paused_until=None)
        )


# --- claiming and recording -------------------------------------------------------------

#: In the order of ``schedules.dispatch.Space``.
WORKSPACE_COLUMNS = (W.c.id, W.c.platform, W.c.external_id, W.c.language, W.c.disabled_reason)


async def claim(
    conn: AsyncConnection, claim: Claim, *, now: datetime, limit: int
) -> list[Row[Any]]:
    """Claim up to ``limit`` rows for workspaces on ``claim.platforms``: first rows whose
    lease expired and whose owner's heartbeat (``worker``) has stopped, then pending
    rows oldest first. Each claim counts as an attempt.

    Two statements rather than one with ``OR``: each then walks its partial index
    (``ix_delivery_leased``, ``ix_delivery_pending``) in order instead of sorting every
    due row per batch. ``FOR UPDATE SKIP LOCKED`` is rendered on PostgreSQL only
    (SQLAlchemy drops it on SQLite, whose single statement is atomic under the
    database's write lock).
    """
    claimed: list[Row[Any]] = []
    params = {"now": now, "claim_owner": claim.owner, "claim_until": claim.lease_until}
    for expired in (True, False):
        wanted = limit - len(claimed)
        if wanted <= 0:
            break
        statement = _claim_statement(claim.platforms, expired)
        claimed.extend((await conn.execute(statement, {**params, "wanted": wanted})).all())
    return claimed


def _claimable(
    platforms: tuple[str, ...], expired: bool
) -> tuple[ColumnElement[bool], ColumnElement[Any]]:
    """What :func:`claim` takes, and in which order: rows of workspaces on
    ``platforms`` whose lease and owner's heartbeat ran out (``expired``), or pending
    rows whose ``not_before`` has come. ``now`` is bound at execution."""
    now = bindparam("now", type_=_UTC)
    on_platforms = D.c.workspace_id.in_(select(W.c.id).where(W.c.platform.in_(platforms)))
    if expired:
        # A row with a receipt was sent; its lease may have run out before the fold.
        receipted = select(RECEIPT.c.delivery_id).where(RECEIPT.c.delivery_id == D.c.id).exists()
        # A row whose owner still beats is held, however long it has waited in its queues.
        owner_alive = (
            select(WORKER.c.owner)
            .where(WORKER.c.owner == D.c.lease_owner, WORKER.c.alive_until > now)
            .exists()
        )
        condition = and_(IS_CLAIMED, D.c.lease_until < now, ~receipted, ~owner_alive)
        return and_(condition, on_platforms), D.c.lease_until
    return and_(IS_PENDING, D.c.not_before <= now, on_platforms), D.c.not_before


@cache
def _claim_statement(platforms: tuple[str, ...], expired: bool) -> Update:
    """One of :func:`claim`'s two statements (rows whose lease and owner's heartbeat
    ran out, or pending rows), built once per set of platforms and bound at
    execution: building them and their cache keys was most of an idle tick's claim."""
    condition, order = _claimable(platforms, expired)
    candidates = (
        select(D.c.id)
        .where(condition)
        .order_by(order)
        .limit(bindparam("wanted", type_=Integer))
        .with_for_update(skip_locked=True)
    )
    return (
        update(D)
        .where(D.c.id.in_(candidates.scalar_subquery()))
        .values(
            status="claimed",
            lease_owner=bindparam("claim_owner", type_=String),
            lease_until=bindparam("claim_until", type_=_UTC),
            attempts=D.c.attempts + 1,
        )
        .returning(*CLAIM_COLUMNS)
    )


async def recipients(conn: AsyncConnection, member_ids: Sequence[int]) -> list[list[Any]]:
    """RECIPIENT_COLUMNS of these members, as lists, aggregated into one JSON document
    in the database and decoded in one call (see :func:`due_routines` for why)."""
    if not member_ids:
        return []
    found = await conn.scalar(
        select(_json_rows(conn, *RECIPIENT_COLUMNS)).where(
            id_in(M.c.id, member_ids, conn.dialect.name)
        )
    )
    return json_ids(found)


async def workspaces(conn: AsyncConnection, workspace_ids: Sequence[int]) -> list[Row[Any]]:
    dialect = conn.dialect.name
    rows = await conn.execute(
        _workspaces_statement(dialect), {"ids": _ids_value(workspace_ids, dialect)}
    )
    return list(rows.all())


@cache
def _workspaces_statement(dialect: str) -> Select[Any]:
    """:func:`workspaces`'s statement, built once per backend."""
    return select(*WORKSPACE_COLUMNS).where(_id_in_param(W.c.id, "ids", dialect))


def record_sent(conn: Connection, sent: Sequence[tuple[int, str]], *, sent_at: datetime) -> None:
    """Record sends as receipts (``storage.models.DeliveryReceipt``), whatever the
    lease says: the message is out, that is a fact. :func:`fold_receipts` later makes
    them ``sent`` rows.

    The hottest write of a fan-out, so it is one statement with the batch as one
    parameter (``unnest`` on PostgreSQL, ``json_each`` on SQLite) and it only appends:
    the receipt's key is the delivery id, which grows with every chunk.
    """
    if not sent:
        return
    dialect = conn.dialect
    if dialect.name == "postgresql":
        conn.exec_driver_sql(
            "INSERT INTO delivery_receipt (delivery_id, sent_at, platform_message_id)"
            " SELECT v.id, $1, v.mid FROM unnest($2::integer[], $3::varchar[]) AS v(id, mid)"
            " ON CONFLICT DO NOTHING",
            (sent_at, [i for i, _ in sent], [m[:120] for _, m in sent]),
        )
        return
    as_stored = RECEIPT.c.sent_at.type.dialect_impl(dialect).bind_processor(dialect)
    stamp = as_stored(sent_at) if as_stored else sent_at
    conn.exec_driver_sql(
        "INSERT INTO delivery_receipt (delivery_id, sent_at, platform_message_id)"
        " SELECT CAST(sent.key AS INTEGER), ?, sent.value FROM json_each(?) AS sent"
        " WHERE true ON CONFLICT DO NOTHING",
        (stamp, json.dumps({str(i): m[:120] for i, m in sent})),
    )


def fold_receipts(conn: Connection, *, limit: int = ID_CHUNK) -> int:
    """Turn up to ``limit`` receipts, lowest delivery ids first, into their rows'
    ``sent`` status and drop them: what recording a send on the row did, done once the
    fan-out's prompts are out. Returns how many receipts went; the caller repeats, one
    transaction per chunk, until fewer than ``limit`` did (``Scheduler.fold``).

    In chunks because a fold is a rewrite of every row sent: 100,000 receipts in one
    statement held the rows' locks (PostgreSQL) or the single writer (SQLite) for
    seconds, during which claims, users' commands and the other workers waited. On
    PostgreSQL a chunk is deleted and folded in one statement over the receipts it
    could lock (``SKIP LOCKED``), so two workers folding at once take different
    receipts, and a receipt added meanwhile waits for the next chunk or fold. A receipt
    whose row is gone (the member was forgotten) is dropped with its chunk.
    """
    done = (
        "UPDATE delivery SET status = 'sent', sent_at = r.sent_at,"
        " platform_message_id = r.platform_message_id, lease_owner = NULL,"
        " lease_until = NULL, last_error = NULL"
    )
    if conn.dialect.name == "postgresql":
        folded = conn.exec_driver_sql(
            "WITH r AS (DELETE FROM delivery_receipt WHERE delivery_id IN ("
            "SELECT delivery_id FROM delivery_receipt ORDER BY delivery_id"
            " LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING *),"
            f" u AS ({done} FROM r WHERE delivery.id = r.delivery_id RETURNING 1)"
            " SELECT count(*) FROM r",
            (limit,),
        ).scalar()
        return int(folded or 0)
    # SQLite: the single writer holds the database throughout, so the chunk is the
    # receipts up to the limit-th id, updated then deleted.
    bound = conn.exec_driver_sql(
        "SELECT delivery_id FROM delivery_receipt ORDER BY delivery_id LIMIT 1 OFFSET ?",
        (limit - 1,),
    ).scalar()
    upto = "" if bound is None else f" AND r.delivery_id <= {int(bound)}"
    conn.exec_driver_sql(
        done + " FROM delivery_receipt AS r WHERE delivery.id = r.delivery_id" + upto
    )
    gone = conn.exec_driver_sql(
        "DELETE FROM delivery_receipt"
        + ("" if bound is None else f" WHERE delivery_id <= {int(bound)}")
    )
    return max(gone.rowcount or 0, 0)


def mark_retry(
    conn: Connection, retries: Sequence[tuple[int, datetime, str]], *, owner: str
) -> None:
    """Back to pending with a later ``not_before``, unless the lease was lost meanwhile
    (another worker has the row now and will record its own outcome)."""
    if retries:
        conn.execute(
            update(D)
            .where(D.c.id == bindparam("did"), D.c.lease_owner == owner)
            .values(
                status="pending",
                not_before=bindparam("nb"),
                last_error=bindparam("err"),
                lease_owner=None,
                lease_until=None,
            ),
            [{"did": i, "nb": nb, "err": err[:300]} for i, nb, err in retries],
        )


def mark_final(
    conn: Connection, rows: Sequence[tuple[int, str]], *, status: str, owner: str
) -> None:
    """Close rows as failed, missed or cancelled, with the reason in ``last_error``."""
    if rows:
        conn.execute(
            update(D)
            .where(D.c.id == bindparam("did"), D.c.lease_owner == owner)
            .values(status=status, last_error=bindparam("err"), lease_owner=None, lease_until=None),
            [{"did": i, "err": err[:300]} for i, err in rows],
        )


def set_unreachable(conn: Connection, reasons: Mapping[int, str]) -> None:
    if reasons:
        conn.execute(
            update(M).where(M.c.id == bindparam("mid")).values(unreachable=bindparam("why")),
            [{"mid": i, "why": why[:200]} for i, why in reasons.items()],
        )


def disable_workspaces(conn: Connection, reasons: Mapping[int, str]) -> None:
    if reasons:
        conn.execute(
            update(W).where(W.c.id == bindparam("wid")).values(disabled_reason=bindparam("why")),
            [{"wid": i, "why": why[:200]} for i, why in reasons.items()],
        )


def cache_dm_channels(conn: Connection, channels: Mapping[int, str]) -> None:
    if channels:
        conn.execute(
            update(M).where(M.c.id == bindparam("mid")).values(dm_channel=bindparam("ch")),
            [{"mid": i, "ch": ch[:64]} for i, ch in channels.items()],
        )


# --- workers: the heartbeat that holds a worker's claims ----------------------------


def beat(
    conn: Connection, *, owner: str, host: str, pid: int, now: datetime, alive_until: datetime
) -> None:
    """Say that ``owner`` lives until ``alive_until``: every row it has claimed is held
    until then (:func:`claim` leaves them alone), however long they wait."""
    conn.execute(
        _beat_statement(conn.dialect.name),
        {"w_owner": owner, "w_host": host, "w_pid": pid, "w_now": now, "w_until": alive_until},
    )


@cache
def _beat_statement(dialect: str) -> Insert:
    """:func:`beat`'s upsert, built once per backend: every tick beats."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(WORKER)
    now = bindparam("w_now", type_=_UTC)
    alive_until = bindparam("w_until", type_=_UTC)
    host = bindparam("w_host", type_=String)
    pid = bindparam("w_pid", type_=Integer)
    return insert.values(
        owner=bindparam("w_owner", type_=String),
        host=host,
        pid=pid,
        started_at=now,
        beat_at=now,
        alive_until=alive_until,
    ).on_conflict_do_update(
        index_elements=[WORKER.c.owner],
        set_={"beat_at": now, "alive_until": alive_until, "host": host, "pid": pid},
    )


def workers(conn: Connection, *, host: str | None = None) -> list[Row[Any]]:
    """Every worker row (``owner, host, pid, started_at, beat_at, alive_until``), or
    those on ``host``: what an operator's readiness check or a restarted worker reads."""
    if host is None:
        return list(conn.execute(_WORKERS).all())
    return list(conn.execute(_WORKERS_ON_HOST, {"host": host}).all())


_WORKERS = select(
    WORKER.c.owner,
    WORKER.c.host,
    WORKER.c.pid,
    WORKER.c.started_at,
    WORKER.c.beat_at,
    WORKER.c.alive_until,
).order_by(WORKER.c.owner)
#: Built once: every tick reads this host's workers (``Heartbeat.take_back``).
_WORKERS_ON_HOST = _WORKERS.where(WORKER.c.host == bindparam("host", type_=String))


def release(conn: Connection, owners: Sequence[str], *, now: datetime, reason: str) -> int:
    """Put back to ``pending`` (due now) the rows ``owners`` hold that have no receipt:
    a dead worker's, taken back at once instead of waiting out its heartbeat, or a
    worker's own after a tick failed midway. Rows with a receipt were sent; they stay
    for the fold. The claim they had already counted as an attempt. Returns how many."""
    if not owners:
        return 0
    receipted = select(RECEIPT.c.delivery_id).where(RECEIPT.c.delivery_id == D.c.id).exists()
    result = conn.execute(
        update(D)
        .where(IS_CLAIMED, D.c.lease_owner.in_(list(owners)), ~receipted)
        .values(
            status="pending",
            not_before=now,
            lease_owner=None,
            lease_until=None,
            last_error=reason[:300],
        )
    )
    return max(result.rowcount or 0, 0)


def forget_workers(conn: Connection, owners: Sequence[str]) -> None:
    if owners:
        conn.execute(WORKER.delete().where(WORKER.c.owner.in_(list(owners))))


# --- scheduling hints and single rows ---------------------------------------------------


async def next_wakeup(conn: AsyncConnection, *, platforms: Iterable[str]) -> datetime | None:
    """The earliest instant a tick would find work: a routine due, a pending row's
    ``not_before``, or a claim's lease running out."""
    on_platforms = D.c.workspace_id.in_(select(W.c.id).where(W.c.platform.in_(list(platforms))))
    candidates = [
        await conn.scalar(
            select(func.min(R.c.next_due_at)).where(
                R.c.enabled == true(), R.c.next_due_at.is_not(None)
            )
        ),
        await conn.scalar(select(func.min(D.c.not_before)).where(IS_PENDING, on_platforms)),
        await conn.scalar(select(func.min(D.c.lease_until)).where(IS_CLAIMED, on_platforms)),
    ]
    found = [c for c in candidates if c is not None]
    return min(found) if found else None


async def insert_delivery(conn: AsyncConnection, values: Mapping[str, Any]) -> bool:
    """Insert one outbox row unless (target, kind, period_key) exists; True if inserted."""
    stmt = dialect_insert(conn, D).values(**values).on_conflict_do_nothing().returning(D.c.id)
    return (await conn.scalar(stmt)) is not None
