"""Configuration from the environment (and an optional ``.env``), checked at start.

A half-configured platform is the most common deployment mistake, so contradictions
fail the process with one line that names the variable, before anything connects.
"""

from __future__ import annotations

import logging
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

__all__ = ["ConfigError", "Settings", "check_database_url", "load_settings"]


def database_url_problem(value: str) -> str | None:
    """What is wrong with a database URL (None: nothing), said as what would be valid."""
    from storage.db import normalise_url

    try:
        normalise_url(value)
    except Exception:
        return (
            "not a supported database; use sqlite:///path/to/file.db or "
            "postgresql://user:password@host:5432/name"
        )
    return None


def check_database_url(value: str, *, name: str = "DATABASE_URL") -> None:
    """``--db`` is checked like ``DATABASE_URL``: one line, exit 2."""
    problem = database_url_problem(value)
    if problem:
        raise ConfigError(
            f"{_shown('DATABASE_URL', value).replace('DATABASE_URL', name, 1)}: {problem}"
        )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite:///mentorbot.db")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    default_timezone: str = "UTC"
    default_language: Literal["en", "vi"] = "en"
    #: The process's HTTP server (health, readiness, metrics, Slack HTTP mode); ``--port``
    #: wins over it. Hosting platforms set it.
    port: int | None = None
    #: Connection attempts at start (database excepted) before giving up with one line.
    mentorbot_start_attempts: int = 5

    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str | None = None
    #: The Slack adapter's pace (None: its defaults, 5 a second and 16 calls in flight).
    slack_messages_per_second: float | None = Field(default=None, gt=0, le=1000)
    slack_max_concurrency: int | None = Field(default=None, ge=1, le=256)
    #: Seconds between Socket Mode's liveness checks, so also between its reconnection
    #: attempts in an outage (bolt's default, 10).
    slack_socket_ping_interval: float = Field(default=10.0, gt=0, le=300)
    mentorbot_secret_key: str | None = None

    discord_token: str | None = None
    discord_api_url: str | None = None
    discord_guild_id: str | None = None
    discord_shards: str | None = None

    mentorbot_llm_url: str | None = None
    mentorbot_llm_model: str | None = None
    mentorbot_llm_api_key: str | None = None
    mentorbot_llm_timeout: float = Field(default=8.0, gt=0, le=60)

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                "not a time zone; use an IANA name such as UTC, Europe/Berlin or Asia/Ho_Chi_Minh"
            ) from None
        return value

    @field_validator("discord_guild_id")
    @classmethod
    def _guild_id(cls, value: str | None) -> str | None:
        text = (value or "").strip()
        if text and not (text.isascii() and text.isdigit()):
            raise ValueError("a server id is a number (Developer Mode, Copy ID)")
        return value

    @field_validator("port", mode="before")
    @classmethod
    def _port_number(cls, value: object) -> object:
        if value is None or value == "":
            return None
        text = str(value).strip()
        if not (text.isascii() and text.isdigit() and int(text) <= 65535):
            raise ValueError("not a port; use a number from 0 to 65535 (0: any free port)")
        return int(text)

    @field_validator("mentorbot_start_attempts", mode="before")
    @classmethod
    def _attempts(cls, value: object) -> object:
        text = str(value).strip()
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 100):
            raise ValueError("use a whole number from 1 to 100")
        return int(text)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if bool(self.mentorbot_llm_url) != bool(self.mentorbot_llm_model):
            missing = "MENTORBOT_LLM_MODEL" if self.mentorbot_llm_url else "MENTORBOT_LLM_URL"
            raise ValueError(f"{missing} is missing: the language model needs a URL and a model")
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            raise ValueError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        if self.slack_bot_token and not self.slack_bot_token.startswith("xoxb-"):
            raise ValueError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
        oauth = (self.slack_client_id, self.slack_client_secret)
        if any(oauth) and not all(oauth):
            missing = "SLACK_CLIENT_SECRET" if self.slack_client_id else "SLACK_CLIENT_ID"
            raise ValueError(f"{missing} is missing: OAuth install needs both client id and secret")
        if all(oauth) and not self.mentorbot_secret_key:
            raise ValueError(
                "MENTORBOT_SECRET_KEY is missing: it encrypts the Slack tokens of OAuth installs"
            )
        if all(oauth) and self.slack_bot_token:
            raise ValueError(
                "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: use a single-workspace token "
                "or OAuth install, not both"
            )
        if (self.slack_app_token or all(oauth)) and not (self.slack_bot_token or all(oauth)):
            raise ValueError("SLACK_BOT_TOKEN is missing: Socket Mode needs the bot token too")
        if self.slack_bot_token and not (self.slack_app_token or self.slack_signing_secret):
            raise ValueError(
                "SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) is missing "
                "for SLACK_BOT_TOKEN"
            )
        return self

    @property
    def log_level_number(self) -> int:
        return logging.getLevelName(self.log_level)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token or (self.slack_client_id and self.slack_client_secret))

    @property
    def discord_enabled(self) -> bool:
        return bool(self.discord_token)


#: Settings whose value is never echoed back in an error line.
_SECRET_WORDS = ("TOKEN", "SECRET", "KEY", "PASSWORD")


def _shown(name: str, value: object) -> str:
    """``NAME=value`` for an error line: secrets hidden, a database URL's password
    hidden, long or multi-line values cut, so the line stays one line and safe to log."""
    if any(word in name for word in _SECRET_WORDS):
        return f"{name}=…"
    text = str(value)
    if name == "DATABASE_URL" and "@" in text:
        scheme, _, rest = text.partition("://")
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        text = f"{scheme}://{user}{':…' if ':' in credentials else ''}@{host}"
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return f"{name}={text[:60]}{'…' if len(text) > 60 else ''}"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; raises ConfigError with one line on any problem:
    ``NAME=value: what would be valid`` (or, for a contradiction, what is missing)."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "configuration"
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        if where == "configuration":
            raise ConfigError(message) from None
        name = where.upper()
        given = first.get("input")
        shown = name if given is None or isinstance(given, dict) else _shown(name, given)
        raise ConfigError(f"{shown}: {message}") from None
    # Last, not as a field validator: parsing a URL imports SQLAlchemy (~0.4 s of CPU),
    # which a start stopped by another setting then does not pay before its one line.
    check_database_url(settings.database_url)
    return settings
