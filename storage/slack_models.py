"""Tables of the Slack adapter: OAuth installations and OAuth states.

Kept apart from ``storage.models`` because only the Slack adapter reads them, and
because they hold secrets: every token of an installation is in one Fernet-encrypted
blob (``secrets_encrypted``, keyed by ``MENTORBOT_SECRET_KEY``), never in clear text, so
a database dump or backup does not hand out working Slack tokens. Neither table has a
``member_id``: nothing here is a member's data, so export and forget leave it alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class SlackInstallation(Base):
    """The latest OAuth install of Mentorbot in one Slack workspace or Enterprise org.

    ``enterprise_key`` and ``team_key`` are ``""`` rather than NULL when absent (a plain
    workspace has no enterprise; an org-wide install has no team), so the unique
    constraint holds on SQLite and PostgreSQL alike: NULLs never collide.
    """

    __tablename__ = "slack_installation"
    __table_args__ = (UniqueConstraint("enterprise_key", "team_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_key: Mapped[str] = mapped_column(String(32), default="")
    team_key: Mapped[str] = mapped_column(String(32), default="")
    app_id: Mapped[str | None] = mapped_column(String(32))
    team_name: Mapped[str | None] = mapped_column(String(200))
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    bot_id: Mapped[str | None] = mapped_column(String(32))
    bot_user_id: Mapped[str | None] = mapped_column(String(32))
    bot_scopes: Mapped[str | None] = mapped_column(Text)
    #: Who installed the app: told when the team digest cannot be posted.
    installer_user_id: Mapped[str | None] = mapped_column(String(32))
    user_scopes: Mapped[str | None] = mapped_column(Text)
    bot_token_expires_at: Mapped[datetime | None]
    user_token_expires_at: Mapped[datetime | None]
    #: Fernet token of a JSON object with bot_token, bot_refresh_token, user_token,
    #: user_refresh_token and incoming_webhook_url (whichever Slack gave).
    secrets_encrypted: Mapped[str] = mapped_column(Text)
    #: The installation's other, non-secret values (custom values, webhook channel).
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    installed_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SlackOAuthState(Base):
    """An OAuth ``state`` issued by ``/slack/install``, consumed once by the redirect.

    In the database rather than in memory so that the install page and the redirect may
    be served by different web processes behind a load balancer.
    """

    __tablename__ = "slack_oauth_state"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
