"""Configuration from the environment (and an optional ``.env``), checked at start.

A half-configured platform is the most common deployment mistake, so contradictions
fail the process with one line that names the variable, before anything connects.
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(Exception):
    """Configuration is missing or contradictory; the message is one printable line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite:///mentorbot.db")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    default_timezone: str = "UTC"
    default_language: Literal["en", "vi"] = "en"

    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str | None = None
    mentorbot_secret_key: str | None = None

    discord_token: str | None = None
    discord_api_url: str | None = None
    discord_guild_id: str | None = None
    discord_shards: str | None = None

    mentorbot_llm_url: str | None = None
    mentorbot_llm_model: str | None = None
    mentorbot_llm_api_key: str | None = None
    mentorbot_llm_timeout: float = Field(default=8.0, gt=0, le=60)

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


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; raises ConfigError with one line on any problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "configuration"
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        line = message if where == "configuration" else f"{where.upper()}: {message}"
        raise ConfigError(line) from None
