"""The Slack app's manifest is the one declaration of its scopes, command and events:
the runtime reads the scopes and the command from it, every event it subscribes to has
a listener (and no listener waits for an event Slack was not asked to send), every scope
has its line in docs/slack.md, and a broken manifest stops the start with one line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import create_autospec

import pytest

from adapters.slack import manifest as manifest_module
from adapters.slack.adapter import SlackAdapter
from adapters.slack.app import SlackRuntime, event_listeners
from adapters.slack.manifest import manifest
from bot.context import Services
from bot.errors import ConfigError
from bot.mentor import Mentor
from mentorbot.server import ProcessServer
from tests.adapters.slack.conftest import config_for, features
from tests.fakes.slack import FakeSlack

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def fresh_manifest() -> Iterator[None]:
    """``manifest()`` is read once per process: read it again around a test that
    points it at another file."""
    manifest.cache_clear()
    yield
    manifest.cache_clear()


def test_every_subscribed_event_has_a_listener_and_every_listener_a_subscription() -> None:
    adapter = create_autospec(SlackAdapter, instance=True)  # listeners that exist
    assert set(event_listeners(adapter)) == manifest().event_types
    assert "message.im" in manifest().bot_events  # DMs only: no channel messages


def scopes_explained(path: Path, after: str, before: str) -> list[str]:
    """The scopes in the first column of the table between two markers of a document."""
    text = path.read_text(encoding="utf-8").split(after, 1)[1].split(before, 1)[0]
    return re.findall(r"^ *\| `([^`]+)` \|", text, flags=re.MULTILINE)


@pytest.mark.parametrize(
    ("document", "after", "before"),
    [
        ("docs/slack.md", "## Scopes: each one, and why", "\n## "),
        ("README.md", "**Create the app from the manifest.**", "\n2. "),
    ],
)
def test_every_scope_is_explained_in_the_docs_and_nothing_else_is(
    document: str, after: str, before: str
) -> None:
    assert scopes_explained(REPO / document, after, before) == list(manifest().bot_scopes)


def test_the_command_is_the_one_the_manifest_declares() -> None:
    assert manifest().commands == ("/mentor",)  # what the content's help text names


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("features: [\n", "cannot be read: while parsing"),
        ("features: {}\n", "no features.slash_commands"),
        (
            "features: {slash_commands: [{command: /mentor}]}\noauth_config: {scopes: {bot: []}}\n",
            "oauth_config.scopes.bot is not a list of names",
        ),
        (
            "features: {slash_commands: [{usage_hint: x}]}\n"
            "oauth_config: {scopes: {bot: [commands]}}\n",
            "features.slash_commands[].command is not a list of names",
        ),
        (
            "features: {slash_commands: [{command: /mentor}]}\n"
            "oauth_config: {scopes: {bot: [commands]}}\n"
            "settings: {event_subscriptions: {}}\n",
            "no settings.event_subscriptions.bot_events",
        ),
    ],
)
def test_a_broken_manifest_is_one_line_saying_where(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fresh_manifest: None,
    text: str,
    says: str,
) -> None:
    broken = tmp_path / "manifest.yml"
    broken.write_text(text)
    monkeypatch.setattr(manifest_module, "MANIFEST_FILE", broken)
    with pytest.raises(ConfigError) as refused:
        manifest()
    message = str(refused.value)
    assert message.startswith(f"{broken}: {says}")
    assert "\n" not in message


async def test_a_broken_manifest_stops_the_start(
    fake: FakeSlack,
    services: Services,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fresh_manifest: None,
) -> None:
    monkeypatch.setattr(manifest_module, "MANIFEST_FILE", tmp_path / "nowhere.yml")
    runtime = SlackRuntime(
        config_for(fake, "socket"),
        services=services,
        mentor=Mentor(services, features()),
        web_app=ProcessServer(services, host="127.0.0.1", port=0).app,
    )
    with pytest.raises(ConfigError, match=r"nowhere\.yml: cannot be read"):
        async with runtime:
            pass
    assert fake.socket_connections == 0
