"""The table of forms a member is filling in page by page (``bot/forms.py``).

``pending_form`` carries ``member_id``, so ``/mentor export`` and ``/mentor forget``
cover it (``storage.privacy``): the values of the pages already sent are the member's
words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class PendingForm(Base):
    """A form waiting to be opened, or finished page by page, under a random ``key``.

    A platform whose modal holds few inputs (Discord: five) asks a longer form in pages,
    and one that cannot open a form now offers a button that opens it later; either way
    the form, and the values of the pages sent so far, must outlive the process that
    showed it. In the database, a restart or a second process between two pages still
    finishes the form. ``form`` is ``bot.reply.Form`` as JSON; ``answers`` the values so
    far (field name -> value). A row goes when the form is finished, and an expired one
    is purged when the next form is remembered.
    """

    __tablename__ = "pending_form"
    __table_args__ = (Index("ix_pending_form_expires_at", "expires_at"),)

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    form: Mapped[dict[str, Any]]
    intro: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
