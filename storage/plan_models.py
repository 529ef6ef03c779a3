"""The table of if-then plans (``bot/features/plans.py``, ``docs/growth.md``).

Kept in its own module so the feature stays a unit: its data here, its queries in
``storage.plans``. It has a ``member_id``, so ``/mentor export`` and
``/mentor forget`` cover it without being told.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class IfThenPlan(Base):
    """ "When <cue>, I will <action>": a plan a member made for a pitfall, a goal, or
    anything, and what happened when Mentorbot asked on ``check_on``.

    ``source`` is ``nudge:<pitfall>``, ``goal:<goal id>`` or ``own``; ``about`` keeps
    the goal's text as it was when the plan was made (a goal may be edited later).
    ``outcome`` is None until answered, then ``done``, ``partly`` or ``not``.
    """

    __tablename__ = "if_then_plan"
    __table_args__ = (Index("ix_if_then_plan_member", "member_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(40))
    about: Mapped[str | None] = mapped_column(String(500))
    cue: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(300))
    #: The member's local day of the check-up: a week on, or the day the plan named.
    check_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
