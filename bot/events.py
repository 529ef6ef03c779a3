"""What reaches the mentor from any platform, in platform-neutral form.

An adapter turns a Slack slash command, a Discord interaction or a typed console line
into one of these values; the core never sees a platform object, so every feature is
written and tested once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is speaking: members are keyed by (platform, workspace, user).

    ``is_admin`` is the platform's own notion (Slack workspace admin, Discord Manage
    Server, the first console member), decided by the adapter.
    """

    platform: str
    workspace: str
    user: str
    display_name: str | None = None
    is_admin: bool = False
    #: Hints from the platform used only on first contact (workspace timezone, locale).
    timezone: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Command:
    """``/mentor <text>``: the text after the command name."""

    actor: Actor
    text: str
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """Free text sent to the bot (a DM, or a console line without ``/mentor``)."""

    actor: Actor
    text: str
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """A button click or a choice picked in a select.

    ``action_id`` names the handler (``assess:answer``); ``value`` carries the state the
    handler needs, so a click still works after the bot restarts.
    """

    actor: Actor
    action_id: str
    value: str = ""
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class FormSubmit:
    """A submitted form (a Slack modal, a Discord modal, console prompts)."""

    actor: Actor
    form_id: str
    values: Mapping[str, str] = field(default_factory=dict)
    channel: str | None = None


Inbound = Command | Message | Action | FormSubmit
