"""slack-bolt's OAuth stores on Mentorbot's database (``storage.slack_installs``).

slack-bolt's OAuth flow stores what ``oauth.v2.access`` returns through an
``AsyncInstallationStore`` and reads the bot token back for every request; the OAuth
``state`` goes through an ``AsyncOAuthStateStore``. These two map slack_sdk's objects to
the rows and back; every secret is sealed with ``MENTORBOT_SECRET_KEY``. Installing
re-enables the workspace (``Workspace.disabled_reason``), as uninstalling disables it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from adapters.slack import PLATFORM
from bot.clock import Clock
from bot.errors import ConfigError
from storage.repo import Store
from storage.secrets import SecretCipher, SecretKeyError
from storage.slack_installs import OAuthStates, SlackInstalls, keys
from storage.slack_models import SlackInstallation

log = logging.getLogger(__name__)

SECRET_FIELDS = (
    "bot_token",
    "bot_refresh_token",
    "user_token",
    "user_refresh_token",
    "incoming_webhook_url",
)


def token_cipher(setting: str | None) -> SecretCipher:
    """The cipher of ``MENTORBOT_SECRET_KEY``; a missing or malformed key stops the start
    with one line (the tokens could be neither stored nor read)."""
    try:
        return SecretCipher.from_setting(setting, what="the Slack tokens of OAuth installs")
    except SecretKeyError as exc:
        raise ConfigError(str(exc)) from None


def _epoch(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(value), tz=UTC)


class DbInstallationStore(AsyncInstallationStore):
    """The latest installation per workspace (or org), tokens encrypted."""

    def __init__(self, store: Store, cipher: SecretCipher, clock: Clock) -> None:
        self.store = store
        self.rows = SlackInstalls(store, cipher, clock.now)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        data = installation.to_dict()
        values = {
            "app_id": installation.app_id,
            "team_name": installation.team_name,
            "enterprise_name": installation.enterprise_name,
            "is_enterprise_install": bool(installation.is_enterprise_install),
            "bot_id": installation.bot_id,
            "bot_user_id": installation.bot_user_id,
            "bot_scopes": ",".join(installation.bot_scopes or []),
            "installer_user_id": installation.user_id,
            "user_scopes": ",".join(installation.user_scopes or []),
            "bot_token_expires_at": _instant(installation.bot_token_expires_at),
            "user_token_expires_at": _instant(installation.user_token_expires_at),
            "extra": {
                "custom_values": installation.custom_values or {},
                "incoming_webhook_channel": installation.incoming_webhook_channel,
                "incoming_webhook_channel_id": installation.incoming_webhook_channel_id,
                "token_type": installation.token_type,
            },
        }
        enterprise, team = keys(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        await self.rows.save(enterprise, team, values, {k: data.get(k) for k in SECRET_FIELDS})
        if installation.team_id:
            await self.store.set_workspace_disabled(PLATFORM, installation.team_id, None)
        log.info("slack: installed in %s", installation.team_id or installation.enterprise_id)

    async def async_save_bot(self, bot: Bot) -> None:
        """Called with a refreshed bot token (token rotation)."""
        enterprise, team = keys(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        updated = await self.rows.update_secrets(
            enterprise,
            team,
            bot_token=bot.bot_token,
            bot_refresh_token=bot.bot_refresh_token,
            expires_at=_instant(bot.bot_token_expires_at),
        )
        if not updated:
            await self.async_save(
                Installation(**{**bot.to_dict(), "user_id": "", "installed_at": bot.installed_at})
            )

    @staticmethod
    def _installation(row: SlackInstallation, found: dict[str, Any]) -> Installation:
        extra = row.extra or {}
        custom = dict(extra.get("custom_values") or {})
        custom.setdefault("installer_user_id", row.installer_user_id)
        return Installation(
            app_id=row.app_id,
            enterprise_id=row.enterprise_key or None,
            enterprise_name=row.enterprise_name,
            team_id=row.team_key or None,
            team_name=row.team_name,
            bot_token=found.get("bot_token"),
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id,
            bot_scopes=row.bot_scopes or "",
            bot_refresh_token=found.get("bot_refresh_token"),
            bot_token_expires_at=_epoch(row.bot_token_expires_at),
            user_id=row.installer_user_id or "",
            user_token=found.get("user_token"),
            user_scopes=row.user_scopes or "",
            user_refresh_token=found.get("user_refresh_token"),
            user_token_expires_at=_epoch(row.user_token_expires_at),
            incoming_webhook_url=found.get("incoming_webhook_url"),
            incoming_webhook_channel=extra.get("incoming_webhook_channel"),
            incoming_webhook_channel_id=extra.get("incoming_webhook_channel_id"),
            is_enterprise_install=row.is_enterprise_install,
            token_type=extra.get("token_type"),
            installed_at=row.installed_at.timestamp(),
            custom_values=custom,
        )

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = await self.rows.find(enterprise_id, team_id, is_enterprise_install)
        if found is None:
            return None
        installation = self._installation(*found)
        return installation.to_bot() if installation.bot_token else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = await self.rows.find(enterprise_id, team_id, is_enterprise_install)
        if found is None or (user_id is not None and user_id != found[0].installer_user_id):
            return None
        return self._installation(*found)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.rows.delete(enterprise_id, team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self.rows.delete(enterprise_id, team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.rows.delete(enterprise_id, team_id)


class DbOAuthStateStore(AsyncOAuthStateStore):
    """OAuth ``state`` values in the database, so the install page and the redirect may
    be served by different web processes."""

    def __init__(self, store: Store, clock: Clock, *, expiration_seconds: int = 600) -> None:
        self.states = OAuthStates(store, clock.now, expiration_seconds=expiration_seconds)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await self.states.issue()

    async def async_consume(self, state: str) -> bool:
        return await self.states.consume(state)
