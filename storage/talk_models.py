"""The table of free-text talk (``bot/features/talk.py``).

``asked_checkin`` carries ``member_id``, so ``/mentor export`` and ``/mentor forget``
cover it (``storage.privacy``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class AskedCheckin(Base):
    """The check-in a member just asked for with ``/mentor checkin``: until
    ``expires_at`` a sentence they type answers it.

    In the database rather than in one process's memory so that a restart, or a second
    worker taking the member's next message, still reads the sentence as the answer.
    One row per member (the latest ask replaces the one before); an expired row is
    simply ignored and replaced by the next ask, so the table never grows past one row
    per member.
    """

    __tablename__ = "asked_checkin"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    cadence: Mapped[str] = mapped_column(String(8))
    period_key: Mapped[str] = mapped_column(String(20))
    asked_at: Mapped[datetime]
    expires_at: Mapped[datetime]
