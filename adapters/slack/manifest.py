"""The Slack app's manifest, ``manifest.yml`` beside this module: the one place its bot
scopes, its slash command and its event subscriptions are declared.

An operator pastes the file into Slack to create the app (README, docs/slack.md); the
runtime reads the same file for what it must agree with Slack on: the scopes an OAuth
install asks for and the command it listens to. Each subscribed event has its listener
(``app.event_listeners``, pinned by tests/adapters/slack/test_manifest.py). It ships in
the package, is read once at start, and a file that is not a manifest stops the start
with one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError

MANIFEST_FILE = Path(__file__).with_name("manifest.yml")


@dataclass(frozen=True)
class Manifest:
    bot_scopes: tuple[str, ...]
    commands: tuple[str, ...]
    #: As subscribed (``message.im``); ``event_types`` as bolt's listeners name them.
    bot_events: tuple[str, ...]

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(event.split(".", 1)[0] for event in self.bot_events)


def _at(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            raise ConfigError(f"{MANIFEST_FILE}: no {'.'.join(path)}")
        data = data[key]
    return data


def _names(found: Any, where: str) -> tuple[str, ...]:
    if not isinstance(found, list) or not found or not all(isinstance(n, str) for n in found):
        raise ConfigError(f"{MANIFEST_FILE}: {where} is not a list of names")
    return tuple(found)


@cache
def manifest() -> Manifest:
    """The packaged manifest, read once."""
    try:
        with MANIFEST_FILE.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        problem = " ".join(str(exc).split())  # YAML's messages span lines
        raise ConfigError(f"{MANIFEST_FILE}: cannot be read: {problem}") from None
    commands = _at(data, "features", "slash_commands")
    if isinstance(commands, list):
        commands = [c.get("command") if isinstance(c, dict) else c for c in commands]
    return Manifest(
        bot_scopes=_names(_at(data, "oauth_config", "scopes", "bot"), "oauth_config.scopes.bot"),
        commands=_names(commands, "features.slash_commands[].command"),
        bot_events=_names(
            _at(data, "settings", "event_subscriptions", "bot_events"),
            "settings.event_subscriptions.bot_events",
        ),
    )
