"""The tables of learning pairs (``bot/features/pairs.py``).

``pair_optin`` and ``pair_member`` carry ``member_id``, so ``/mentor export`` and
``/mentor forget`` cover them (``storage.privacy``); a forgotten member's partner keeps
their own row. ``pair_round`` and ``pair_rhythm`` belong to the workspace and hold no
member's data: which round it was, and the rhythm an admin chose.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class PairRhythm(Base):
    """How often a workspace's rounds come (``/mentor team pairs every 2w``)."""

    __tablename__ = "pair_rhythm"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    every_weeks: Mapped[int] = mapped_column(Integer)
    #: The Monday (workspace time) of the first round; rounds follow every N weeks.
    anchor: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime]


class PairOptIn(Base):
    """A member's ``/mentor pairs on|off``, and whether they waited last round."""

    __tablename__ = "pair_optin"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), unique=True)
    opted_in: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Left without a partner in the last round: goes first in the next.
    waiting: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class PairRound(Base):
    """One round of a workspace; unique per round key, so a round is drawn once."""

    __tablename__ = "pair_round"
    __table_args__ = (UniqueConstraint("workspace_id", "round_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    #: The ISO week of the round's Monday in workspace time, e.g. ``2027-W10``; also the
    #: period key of the round's outbox rows.
    round_key: Mapped[str] = mapped_column(String(10))
    #: The round's local date (its Monday), which pairing used for time-zone overlap.
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]


class PairMember(Base):
    """A member's place in one round's pair (or trio), and their answer to "did you
    meet?". Only whether they met and for how long is kept, never what was said."""

    __tablename__ = "pair_member"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id"),
        Index("ix_pair_member_member", "member_id", "round_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("pair_round.id", ondelete="CASCADE"))
    #: Which pair of the round (0, 1, …); the members of one pair share it.
    pair_no: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    #: mentor or mentee
    role: Mapped[str] = mapped_column(String(8))
    #: None until they answer; then whether they met, and the minutes they gave.
    met: Mapped[bool | None] = mapped_column(Boolean)
    minutes: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime | None]
