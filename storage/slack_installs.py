"""The rows behind the Slack adapter's OAuth stores: installations, their secrets
sealed (``storage.secrets``), and OAuth ``state`` values.

Both are in the database so that several web processes share them and a restart loses
nothing. The adapter (``adapters.slack.installations``) maps slack_sdk's objects to and
from these rows; the queries, the upsert and the encryption are here.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from storage.repo import Store
from storage.secrets import SecretCipher
from storage.slack_models import SlackInstallation, SlackOAuthState
from storage.upsert import get_or_create


def keys(
    enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
) -> tuple[str, str]:
    """The row's key: ``""`` for an absent enterprise, and for the team of an org-wide
    install."""
    return enterprise_id or "", "" if is_enterprise_install else (team_id or "")


def _where(query: Any, enterprise: str, team: str) -> Any:
    return query.where(
        SlackInstallation.enterprise_key == enterprise, SlackInstallation.team_key == team
    )


class SlackInstalls:
    """The latest installation per workspace (or org), with its secrets encrypted."""

    def __init__(self, store: Store, cipher: SecretCipher, now: Callable[[], datetime]) -> None:
        self.store = store
        self.cipher = cipher
        self.now = now

    async def save(
        self, enterprise: str, team: str, values: dict[str, Any], sealed: dict[str, Any]
    ) -> None:
        """Insert or replace the row of ``(enterprise, team)``; ``sealed`` is encrypted."""
        now = self.now()
        values = {
            **values,
            "secrets_encrypted": self.cipher.encrypt(sealed),
            "updated_at": now,
        }
        async with self.store.session() as s:
            # Two processes installing the same workspace at once end with one row.
            await get_or_create(
                s,
                SlackInstallation,
                {"enterprise_key": enterprise, "team_key": team},
                defaults={"installed_at": now},
                values=values,
            )

    async def update_secrets(self, enterprise: str, team: str, **changes: Any) -> bool:
        """Change some of a row's secrets (a rotated bot token); False when no row."""
        expires_at = changes.pop("expires_at", None)
        async with self.store.session() as s:
            row = await s.scalar(_where(select(SlackInstallation), enterprise, team))
            if row is None:
                return False
            found = self.cipher.decrypt(row.secrets_encrypted)
            found.update(changes)
            row.secrets_encrypted = self.cipher.encrypt(found)
            row.bot_token_expires_at = expires_at
            row.updated_at = self.now()
            return True

    async def find(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> tuple[SlackInstallation, dict[str, Any]] | None:
        """The row that serves a workspace, and its secrets decrypted."""
        enterprise, team = keys(enterprise_id, team_id, is_enterprise_install)
        async with self.store.session() as s:
            row = await s.scalar(_where(select(SlackInstallation), enterprise, team))
            if row is None and enterprise and team:
                # A workspace of an org that installed org-wide.
                row = await s.scalar(_where(select(SlackInstallation), enterprise, ""))
            if row is None and not enterprise and team:
                # Events carry no enterprise id where the outbox looks a team up.
                row = await s.scalar(
                    select(SlackInstallation).where(SlackInstallation.team_key == team).limit(1)
                )
        return None if row is None else (row, self.cipher.decrypt(row.secrets_encrypted))

    async def delete(self, enterprise_id: str | None, team_id: str | None) -> None:
        enterprise, team = keys(enterprise_id, team_id, team_id is None)
        async with self.store.session() as s:
            query = delete(SlackInstallation).where(SlackInstallation.team_key == team)
            if enterprise:
                query = query.where(SlackInstallation.enterprise_key == enterprise)
            await s.execute(query)


class OAuthStates:
    """OAuth ``state`` values: issued by the install page, consumed once, expiring."""

    def __init__(
        self, store: Store, now: Callable[[], datetime], *, expiration_seconds: int = 600
    ) -> None:
        self.store = store
        self.now = now
        self.expiration = timedelta(seconds=expiration_seconds)

    async def issue(self) -> str:
        state = secrets.token_urlsafe(32)
        now = self.now()
        async with self.store.session() as s:
            await s.execute(delete(SlackOAuthState).where(SlackOAuthState.expires_at < now))
            s.add(SlackOAuthState(state=state, expires_at=now + self.expiration))
        return state

    async def consume(self, state: str) -> bool:
        async with self.store.session() as s:
            result = await s.execute(
                delete(SlackOAuthState).where(
                    SlackOAuthState.state == state[:64],
                    SlackOAuthState.expires_at >= self.now(),
                )
            )
            return (result.rowcount or 0) == 1
