"""Configuration: partial or contradictory settings fail with one clear line."""

from __future__ import annotations

import inspect

import pytest

from mentorbot.settings import ConfigError, load_settings

CLEAR = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "MENTORBOT_SECRET_KEY",
    "DISCORD_TOKEN",
    "DATABASE_URL",
    "LOG_LEVEL",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_run_the_console() -> None:
    settings = load_settings()
    assert not settings.slack_enabled and not settings.discord_enabled
    assert settings.database_url.startswith("sqlite")


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"SLACK_CLIENT_ID": "1"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_SECRET": "s"}, "SLACK_CLIENT_ID"),
        ({"SLACK_CLIENT_ID": "1", "SLACK_CLIENT_SECRET": "s"}, "MENTORBOT_SECRET_KEY"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxp-1", "SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_bad_configuration_names_the_variable(monkeypatch, env: dict[str, str], names: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert names in message and "\n" not in message


def test_env_file_is_read(tmp_path) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-env-file.db\n")
    assert load_settings().database_url == "sqlite:///from-env-file.db"


def test_socket_mode_pings_at_bolts_pace_unless_told() -> None:
    """``SLACK_SOCKET_PING_INTERVAL`` exists so tests can lose Slack for seconds, not
    minutes; left unset, Socket Mode keeps bolt's own interval."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from mentorbot.platforms import slack_config

    bolts = inspect.signature(AsyncSocketModeHandler).parameters["ping_interval"].default
    socket = {"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1"}
    assert slack_config(load_settings(**socket)).socket_ping_interval == bolts
    faster = load_settings(**socket, slack_socket_ping_interval=0.5)
    assert slack_config(faster).socket_ping_interval == 0.5
