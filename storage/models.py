"""The tables of Mentorbot.

Convention that ``export`` and ``forget`` rely on: every table holding a member's data
has a ``member_id`` column referencing ``member.id``. ``storage.privacy`` walks the
metadata for that column, so a feature that adds a table is exported and deleted
without anyone remembering to register it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime


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
    created_at: Mapped[datetime]


class Member(Base):
    """A person using Mentorbot in one workspace; the same human in two workspaces is
    two members, so workspaces never see each other's data."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("workspace_id", "external_user"),)

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
