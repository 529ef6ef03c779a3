"""The tables of Mentorbot.

Convention that ``export`` and ``forget`` rely on: every table holding a member's data
has a ``member_id`` column referencing ``member.id``. ``storage.privacy`` walks the
metadata for that column, so a feature that adds a table is exported and deleted
without anyone remembering to register it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime


def sqlite_only(constraint: ForeignKeyConstraint) -> ForeignKeyConstraint:
    """A foreign key that exists on SQLite only; :func:`include_object` keeps schema
    comparisons (the migration test, autogenerate) from asking for it elsewhere."""
    constraint.info["only_on"] = "sqlite"
    return constraint.ddl_if(dialect="sqlite")


def include_object(dialect: str) -> Callable[..., bool]:
    """An Alembic ``include_object`` that leaves out constraints meant for another
    backend (:func:`sqlite_only`)."""

    def include(obj: Any, _name: Any, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        only_on = getattr(obj, "info", {}).get("only_on")
        return type_ != "foreign_key_constraint" or only_on in (None, dialect)

    return include


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class Workspace(Base):
    """A Slack workspace, a Discord server, or a console 'workspace'."""

    __tablename__ = "workspace"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    language: Mapped[str] = mapped_column(String(8), default="en")
    digest_channel: Mapped[str | None] = mapped_column(String(64))
    #: Set when the platform told us we may not send any more (app uninstalled, tokens
    #: revoked); the outbox sends nothing to this workspace while it is set.
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Member(Base):
    """A person using Mentorbot in one workspace; the same human in two workspaces is
    two members, so workspaces never see each other's data."""

    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_user"),
        # Every tick reads the members whose pause ends (migration 0015).
        Index(
            "ix_member_paused_until",
            "paused_until",
            sqlite_where=text("paused = 1"),
            postgresql_where=text("paused"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    external_user: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str | None] = mapped_column(String(16))
    track: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_until: Mapped[date | None] = mapped_column(Date)
    digest_opt_in: Mapped[bool] = mapped_column(Boolean, default=True)
    #: cadence -> list of source names; a missing cadence means the content's defaults.
    diet_sources: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Why the member cannot be reached any more (set by the outbox); None when fine.
    unreachable: Mapped[str | None] = mapped_column(String(200))
    #: The platform's DM channel with this member, cached: opening one is rate-limited.
    dm_channel: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Assessment(Base):
    """One self-assessment, kept while in progress so a click after a restart still
    lands on the right question."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    answers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    score: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class Routine(Base):
    """A member's daily, weekly or monthly routine, in their local time.

    ``next_due_at`` is the next instant it falls due, in UTC, computed by
    ``schedules.timing`` from the member's time zone; the tick selects on it, so there is
    no in-memory job per member.
    """

    __tablename__ = "routine"
    __table_args__ = (
        UniqueConstraint("member_id", "cadence"),
        # With the id, so that a tick pages through due routines by key (see
        # ``storage.outbox.due_routines``) without sorting; migration 0006.
        Index("ix_routine_next_due_at", "next_due_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    cadence: Mapped[str] = mapped_column(String(8))
    hour: Mapped[int] = mapped_column(Integer)
    minute: Mapped[int] = mapped_column(Integer)
    #: daily: Monday to Friday only when true.
    weekdays_only: Mapped[bool] = mapped_column(Boolean, default=True)
    #: weekly: 0 = Monday .. 6 = Sunday.
    weekday: Mapped[int] = mapped_column(Integer, default=4)
    #: monthly: 1..31; falls on the last day of shorter months.
    day_of_month: Mapped[int] = mapped_column(Integer, default=1)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    next_due_at: Mapped[datetime | None]


#: The predicates of the outbox's partial indexes. Queries must spell them the same way,
#: as SQL literals (not bound values), for SQLite's planner to use those indexes.
PENDING_SQL = "status = 'pending'"
CLAIMED_SQL = "status = 'claimed'"


class Delivery(Base):
    """The durable outbox: one row per thing to send, created once per period.

    ``target`` names the recipient (``m:<member id>`` or ``c:<workspace id>:<channel>``)
    and (kind, period_key, target) is unique, so a prompt, a nudge or a digest for a
    period is created once however many ticks or workers see it due. A claimed row
    carries a lease; if the worker dies, the lease expires and another tick sends it.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        # Led by (kind, period_key): a fan-out's rows then fill one stretch of this
        # index instead of landing next to each member's history (migration 0007).
        UniqueConstraint("kind", "period_key", "target", name="uq_delivery_period_target"),
        # Partial indexes: only rows a claim can still take are indexed, so the bulk of
        # the table (sent, missed…) costs nothing here, and recording a send removes one
        # index entry instead of moving it (see migration 0006).
        Index(
            "ix_delivery_pending",
            "not_before",
            sqlite_where=text(PENDING_SQL),
            postgresql_where=text(PENDING_SQL),
        ),
        Index(
            "ix_delivery_leased",
            "lease_until",
            sqlite_where=text(CLAIMED_SQL),
            postgresql_where=text(CLAIMED_SQL),
        ),
        # Foreign keys on SQLite only; PostgreSQL keeps the cascades with triggers
        # (migration 0011): a key's check locks the referenced row for every row
        # inserted, about 40 % of a fan-out's row creation there.
        sqlite_only(ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE")),
        sqlite_only(ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int | None] = mapped_column(Integer, index=True)
    channel: Mapped[str | None] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(120))
    #: e.g. prompt:daily, snooze:weekly, nudge:tutorial, digest
    kind: Mapped[str] = mapped_column(String(40))
    #: e.g. 2027-03-28 (daily), 2027-W12 (weekly), 2027-03 (monthly)
    period_key: Mapped[str] = mapped_column(String(20))
    #: pending, claimed, sent, failed, missed, cancelled
    status: Mapped[str] = mapped_column(String(12), default="pending")
    due_at: Mapped[datetime]
    #: Not to be sent before this instant (retry backoff, snooze).
    not_before: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    platform_message_id: Mapped[str | None] = mapped_column(String(120))
    last_error: Mapped[str | None] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]


class DeliveryReceipt(Base):
    """A send recorded at fan-out, until the tick folds it into its ``delivery`` row.

    Recording a send on the row itself rewrites the row and drops its lease index
    entry, the most expensive write of a fan-out's single writer; appending here costs
    a fraction of it, so members' prompts go out sooner. At the end of the tick
    (``storage.outbox.fold_receipts``) the receipts become ``sent`` rows and are
    deleted. A receipt is as durable as the row update it stands for: a row with one is
    never claimed again, whatever its lease says.
    """

    __tablename__ = "delivery_receipt"
    #: On PostgreSQL a trigger deletes a deleted delivery's receipt (migration 0011).
    __table_args__ = (
        sqlite_only(ForeignKeyConstraint(["delivery_id"], ["delivery.id"], ondelete="CASCADE")),
    )

    delivery_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sent_at: Mapped[datetime]
    platform_message_id: Mapped[str | None] = mapped_column(String(120))


class Worker(Base):
    """A scheduler process's heartbeat: who holds claimed outbox rows, and until when.

    A claimed row stays with its ``lease_owner`` while that worker's ``alive_until`` is
    ahead, however long the row waits in its queues (a fan-out at a platform's pace
    holds thousands of rows for minutes); rows are renewed by renewing this one row.
    ``host`` and ``pid`` let a process restarted on the same machine tell that an
    earlier worker there is gone (its pid no longer runs) and take its rows back at
    once instead of waiting out its heartbeat (``schedules.heartbeat``).
    """

    __tablename__ = "worker"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]
    alive_until: Mapped[datetime]


class CheckIn(Base):
    """A member's answer to one period's routine; answering again updates it."""

    __tablename__ = "checkin"
    __table_args__ = (UniqueConstraint("member_id", "cadence", "period_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    cadence: Mapped[str] = mapped_column(String(8))
    period_key: Mapped[str] = mapped_column(String(20))
    #: built, others, course, read, shared, skipped (see bot.features.checkin)
    activities: Mapped[list[Any]] = mapped_column(JSON, default=list)
    minutes: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# --- Mentoring: goals, reviews, career metrics, pitfall nudges (bot/features/goals.py,
# metrics.py, nudges.py). Each table carries ``member_id``, so export and forget cover it.

#: The tick finds members whose check-ins changed since its last look (nudge rules run
#: after a check-in is stored) with a range scan instead of reading the whole table.
Index("ix_checkin_updated_at", CheckIn.updated_at)


class Goal(Base):
    """One of a member's three quarterly goals (technical, breadth, soft skills).

    The seeds' three areas share one shape: the goal itself (primary goal, what to learn,
    the soft-skill focus), a plan (its projects, a project, an action) and a metric.
    ``status`` is open, closed, or carried (copied into the next quarter).
    """

    __tablename__ = "goal"
    __table_args__ = (
        UniqueConstraint("member_id", "quarter", "area"),
        #: The quarter-end question finds a quarter's open goals without a scan.
        Index("ix_goal_quarter_status", "quarter", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    #: e.g. 2027-Q1, in the member's local calendar.
    quarter: Mapped[str] = mapped_column(String(7))
    #: technical, breadth, soft
    area: Mapped[str] = mapped_column(String(12))
    goal: Mapped[str] = mapped_column(String(500))
    plan: Mapped[str | None] = mapped_column(String(500))
    metric: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class Review(Base):
    """A monthly review: what worked, what didn't, what to adjust; one per month."""

    __tablename__ = "review"
    __table_args__ = (UniqueConstraint("member_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    #: The month reviewed, e.g. 2027-03.
    period: Mapped[str] = mapped_column(String(7))
    worked: Mapped[str] = mapped_column(Text)
    didnt: Mapped[str] = mapped_column(Text)
    adjust: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MetricEntry(Base):
    """One career-metric data point: logged by hand, or implied by a check-in.

    ``source_key`` names the check-in a derived entry came from (``daily:2027-03-05``),
    so recomputing after an edited check-in replaces instead of adding; manual entries
    leave it empty (NULLs never collide in the unique constraint).
    """

    __tablename__ = "metric_entry"
    __table_args__ = (
        UniqueConstraint("member_id", "metric", "source_key"),
        Index("ix_metric_entry_member_quarter", "member_id", "quarter"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    #: "" for counts, or usd, vnd, eur, %, x, ms, s
    unit: Mapped[str] = mapped_column(String(12), default="")
    note: Mapped[str | None] = mapped_column(String(300))
    quarter: Mapped[str] = mapped_column(String(7))
    #: manual or checkin
    source: Mapped[str] = mapped_column(String(8), default="manual")
    source_key: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(index=True)


class Nudge(Base):
    """A pitfall nudge that was sent, with the evidence it named: the 14-day memory."""

    __tablename__ = "nudge"
    __table_args__ = (Index("ix_nudge_member_pitfall", "member_id", "pitfall", "fired_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    pitfall: Mapped[str] = mapped_column(String(16))
    fired_at: Mapped[datetime]
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PitfallMute(Base):
    """A pitfall the member asked not to be nudged about (``/mentor pitfalls mute``)."""

    __tablename__ = "pitfall_mute"
    __table_args__ = (UniqueConstraint("member_id", "pitfall"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    pitfall: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
