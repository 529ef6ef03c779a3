"""Each adapter's settings, built from ``Settings`` here and handed to it as arguments.

The adapters import nothing from ``mentorbot`` and read no environment (an
import-linter contract says so): what they need arrives as a plain dataclass or as
parameters, checked here before anything connects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import ConfigError
from mentorbot.settings import Settings

if TYPE_CHECKING:  # annotations only: importing them costs ``--help`` half a second
    from adapters.discord.adapter import DiscordAdapter
    from adapters.slack.app import SlackConfig
    from bot.context import Services
    from bot.mentor import Mentor


def slack_config(settings: Settings, *, mode: str | None = None) -> SlackConfig:
    """The Slack adapter's settings, or a one-line ``ConfigError`` for a mode without its
    secret, no way to authenticate, or an unusable ``MENTORBOT_SECRET_KEY``."""
    from adapters.slack.app import SlackConfig
    from adapters.slack.clients import api_url
    from adapters.slack.installations import token_cipher
    from adapters.slack.pacing import SendLimits

    chosen = mode or ("socket" if settings.slack_app_token else "http")
    if chosen == "socket" and not settings.slack_app_token:
        raise ConfigError("SLACK_APP_TOKEN is missing: Socket Mode needs an app-level token")
    if chosen == "http" and not settings.slack_signing_secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is missing: HTTP mode verifies every request with it"
        )
    config = SlackConfig(
        mode=chosen,  # type: ignore[arg-type]
        api_url=api_url(settings.slack_api_url),
        bot_token=settings.slack_bot_token,
        app_token=settings.slack_app_token,
        signing_secret=settings.slack_signing_secret,
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        secret_key=settings.mentorbot_secret_key,
        limits=SendLimits.tuned(settings.slack_messages_per_second, settings.slack_max_concurrency),
        start_attempts=settings.mentorbot_start_attempts,
        socket_ping_interval=settings.slack_socket_ping_interval,
    )
    if not (config.bot_token or config.oauth):
        raise ConfigError("SLACK_BOT_TOKEN or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET is missing")
    if config.oauth:
        token_cipher(config.secret_key)  # a bad key stops here, before any I/O
    return config


def check_discord(settings: Settings) -> None:
    """``DISCORD_SHARDS`` read before anything connects (``DISCORD_GUILD_ID`` is checked
    by ``Settings``)."""
    from adapters.discord.client import shard_options

    shard_options(settings.discord_shards)


def discord_adapter(settings: Settings, *, services: Services, mentor: Mentor) -> DiscordAdapter:
    from adapters.discord.adapter import DiscordAdapter

    assert settings.discord_token is not None
    guild = (settings.discord_guild_id or "").strip()
    return DiscordAdapter(
        services,
        mentor,
        token=settings.discord_token,
        guild_id=int(guild) if guild else None,
        api_url=settings.discord_api_url or None,
        shards=settings.discord_shards,
        start_attempts=settings.mentorbot_start_attempts,
    )
