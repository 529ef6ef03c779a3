"""OAuth installs kept in Mentorbot's database, with their tokens encrypted at rest.

slack-bolt's OAuth flow stores what ``oauth.v2.access`` returns through an
``AsyncInstallationStore`` and reads the bot token back for every request. This one
keeps them in ``slack_installation`` (so several web processes share them and a
restart loses nothing), with every secret in one Fernet blob: a leaked dump or backup
does not hand out working tokens. ``MENTORBOT_SECRET_KEY`` is the key; a comma-separated
list rotates keys (the first encrypts, any decrypts).

The OAuth ``state`` lives in the database too, for the same multi-process reason. And
the workspace's ``disabled_reason`` is set or cleared here, because installing,
uninstalling and revoking are what change it.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from mentorbot.settings import ConfigError
from storage.models import Workspace
from storage.repo import Store
from storage.slack_models import SlackInstallation, SlackOAuthState

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

log = logging.getLogger(__name__)

PLATFORM = "slack"
SECRET_FIELDS = (
    "bot_token",
    "bot_refresh_token",
    "user_token",
    "user_refresh_token",
    "incoming_webhook_url",
)
GENERATE_KEY = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


class TokenCipher:
    """Fernet encryption of a JSON object of secrets."""

    def __init__(self, fernet: MultiFernet) -> None:
        self._fernet = fernet

    @classmethod
    def from_setting(cls, value: str | None) -> TokenCipher:
        """From ``MENTORBOT_SECRET_KEY``; a missing or malformed key stops the start with
        one line (the tokens could be neither stored nor read)."""
        if not value or not value.strip():
            raise ConfigError(
                "MENTORBOT_SECRET_KEY is missing: it encrypts the Slack tokens of OAuth "
                f"installs; generate one with {GENERATE_KEY}"
            )
        # Imported here: only OAuth installs need it, and it costs start-up time.
        from cryptography.fernet import Fernet, MultiFernet

        try:
            keys = [Fernet(k.strip().encode()) for k in value.split(",") if k.strip()]
        except (ValueError, TypeError):
            raise ConfigError(
                "MENTORBOT_SECRET_KEY is not a Fernet key (32 url-safe base64 bytes); "
                f"generate one with {GENERATE_KEY}"
            ) from None
        return cls(MultiFernet(keys))

    def encrypt(self, values: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(values).encode()).decode()

    def decrypt(self, token: str) -> dict[str, Any]:
        from cryptography.fernet import InvalidToken

        try:
            data = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise ConfigError(
                "MENTORBOT_SECRET_KEY cannot decrypt the stored Slack tokens: was the key "
                "changed? Put the old key after the new one, comma-separated"
            ) from None
        return data if isinstance(data, dict) else {}


def _epoch(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(value), tz=UTC)


def _keys(
    enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
) -> tuple[str, str]:
    """The row's key: ``""`` for an absent enterprise, and for the team of an org-wide
    install."""
    enterprise = enterprise_id or ""
    team = "" if is_enterprise_install else (team_id or "")
    return enterprise, team


class DbInstallationStore(AsyncInstallationStore):
    """The latest installation per workspace (or org), tokens encrypted."""

    def __init__(self, store: Store, cipher: TokenCipher, clock: Clock) -> None:
        self.store = store
        self.cipher = cipher
        self.clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        now = self.clock.now()
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
            "secrets_encrypted": self.cipher.encrypt({k: data.get(k) for k in SECRET_FIELDS}),
            "extra": {
                "custom_values": installation.custom_values or {},
                "incoming_webhook_channel": installation.incoming_webhook_channel,
                "incoming_webhook_channel_id": installation.incoming_webhook_channel_id,
                "token_type": installation.token_type,
            },
            "updated_at": now,
        }
        enterprise, team = _keys(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        await self._upsert(enterprise, team, values, now=now)
        if installation.team_id:
            await set_workspace_disabled(self.store, installation.team_id, None)
        log.info("slack: installed in %s", installation.team_id or installation.enterprise_id)

    async def async_save_bot(self, bot: Bot) -> None:
        """Called with a refreshed bot token (token rotation)."""
        enterprise, team = _keys(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        async with self.store.session() as s:
            row = await s.scalar(self._where(select(SlackInstallation), enterprise, team))
            if row is None:
                await self.async_save(
                    Installation(
                        **{**bot.to_dict(), "user_id": "", "installed_at": bot.installed_at}
                    )
                )
                return
            found = self.cipher.decrypt(row.secrets_encrypted)
            found.update(bot_token=bot.bot_token, bot_refresh_token=bot.bot_refresh_token)
            row.secrets_encrypted = self.cipher.encrypt(found)
            row.bot_token_expires_at = _instant(bot.bot_token_expires_at)
            row.updated_at = self.clock.now()

    async def _upsert(
        self, enterprise: str, team: str, values: dict[str, Any], *, now: datetime
    ) -> None:
        for _ in range(2):
            async with self.store.session() as s:
                row = await s.scalar(self._where(select(SlackInstallation), enterprise, team))
                if row is not None:
                    for name, value in values.items():
                        setattr(row, name, value)
                    return
            try:
                async with self.store.session() as s:
                    s.add(
                        SlackInstallation(
                            enterprise_key=enterprise, team_key=team, installed_at=now, **values
                        )
                    )
                return
            except IntegrityError:
                continue  # another process installed the same workspace a moment ago

    @staticmethod
    def _where(query: Any, enterprise: str, team: str) -> Any:
        return query.where(
            SlackInstallation.enterprise_key == enterprise, SlackInstallation.team_key == team
        )

    async def _row(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> SlackInstallation | None:
        enterprise, team = _keys(enterprise_id, team_id, is_enterprise_install)
        async with self.store.session() as s:
            row = await s.scalar(self._where(select(SlackInstallation), enterprise, team))
            if row is None and enterprise and team:
                # A workspace of an org that installed org-wide.
                row = await s.scalar(self._where(select(SlackInstallation), enterprise, ""))
            if row is None and not enterprise and team:
                # Events carry no enterprise id where the outbox looks a team up.
                row = await s.scalar(
                    select(SlackInstallation).where(SlackInstallation.team_key == team).limit(1)
                )
            return row

    def _installation(self, row: SlackInstallation) -> Installation:
        found = self.cipher.decrypt(row.secrets_encrypted)
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
        row = await self._row(enterprise_id, team_id, is_enterprise_install)
        if row is None:
            return None
        installation = self._installation(row)
        return installation.to_bot() if installation.bot_token else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        row = await self._row(enterprise_id, team_id, is_enterprise_install)
        if row is None or (user_id is not None and user_id != row.installer_user_id):
            return None
        return self._installation(row)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        enterprise, team = _keys(enterprise_id, team_id, team_id is None)
        async with self.store.session() as s:
            query = delete(SlackInstallation).where(SlackInstallation.team_key == team)
            if enterprise:
                query = query.where(SlackInstallation.enterprise_key == enterprise)
            await s.execute(query)


class DbOAuthStateStore(AsyncOAuthStateStore):
    """OAuth ``state`` values: issued by the install page, consumed once, expiring."""

    def __init__(self, store: Store, clock: Clock, *, expiration_seconds: int = 600) -> None:
        self.store = store
        self.clock = clock
        self.expiration = timedelta(seconds=expiration_seconds)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = self.clock.now()
        async with self.store.session() as s:
            await s.execute(delete(SlackOAuthState).where(SlackOAuthState.expires_at < now))
            s.add(SlackOAuthState(state=state, expires_at=now + self.expiration))
        return state

    async def async_consume(self, state: str) -> bool:
        async with self.store.session() as s:
            result = await s.execute(
                delete(SlackOAuthState).where(
                    SlackOAuthState.state == state[:64],
                    SlackOAuthState.expires_at >= self.clock.now(),
                )
            )
            return (result.rowcount or 0) == 1


async def set_workspace_disabled(store: Store, team_id: str, reason: str | None) -> bool:
    """Stop (``reason``) or resume (None) all sending to a Slack workspace; the outbox
    reads ``disabled_reason`` before every send. Returns whether a workspace changed."""
    async with store.session() as s:
        result = await s.execute(
            update(Workspace)
            .where(
                Workspace.platform == PLATFORM,
                Workspace.external_id == team_id,
                (Workspace.disabled_reason.is_not(None))
                if reason is None
                else (Workspace.disabled_reason.is_(None) | (Workspace.disabled_reason != reason)),
            )
            .values(disabled_reason=reason)
        )
        return bool(result.rowcount)
