"""The Discord adapter's own small table: what it must remember across restarts.

Two kinds of rows, both keyed by a short string:

- ``sync:<application id>:<scope>``: a hash of the application-command payload last
  synced to Discord for that scope (``global`` or a guild id), so a restart re-syncs only
  when the commands changed. Discord rate-limits command writes to a few per minute.
- ``value:<token>``: a button value, select value or form id too long for Discord's
  100-character ``custom_id``. The custom id carries the token instead, and the value is
  found here after a restart; tokens are content hashes, so writing one twice is harmless.

No ``member_id`` column: nothing here is a member's data (values are the core's button
state, such as a period key), so export and forget leave it alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class DiscordState(Base):
    __tablename__ = "discord_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
