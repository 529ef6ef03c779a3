"""Discord object model and JSON payload builders for the FakeDiscord test server.

Why a separate module: ``discord_fake.py`` is about protocol behaviour (routing, rate limits,
the gateway state machine); this module is about the *shape* of Discord's JSON objects. Every
builder emits the keys discord.py 2.7 reads unconditionally (``data["x"]``), because a missing
key there is a ``KeyError`` inside discord.py's gateway parser, which discord.py logs and then
drops the event - the test would only see a silent timeout. The optional keys the Mentorbot
adapter is likely to read (permissions, locale, context, flags) are filled in too.

Nothing here imports discord.py: the fake must describe Discord, not mirror the client's code.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntFlag
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000


class Intents(IntFlag):
    """Gateway intent bits the fake filters events by (https://discord.com/developers/docs)."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15


PRIVILEGED_INTENTS = Intents.GUILD_MEMBERS | Intents.GUILD_PRESENCES | Intents.MESSAGE_CONTENT


class Permissions(IntFlag):
    """The permission bits an adapter's permission checks are likely to test."""

    ADMINISTRATOR = 1 << 3
    MANAGE_GUILD = 1 << 5
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    EMBED_LINKS = 1 << 14
    READ_MESSAGE_HISTORY = 1 << 16
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38


ALL_PERMISSIONS = (1 << 51) - 1
DEFAULT_MEMBER_PERMISSIONS = int(
    Permissions.VIEW_CHANNEL
    | Permissions.SEND_MESSAGES
    | Permissions.EMBED_LINKS
    | Permissions.READ_MESSAGE_HISTORY
    | Permissions.USE_APPLICATION_COMMANDS
    | Permissions.SEND_MESSAGES_IN_THREADS
)

# Message flags (https://discord.com/developers/docs/resources/message#message-object-message-flags).
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

# Interaction types and context values.
INTERACTION_PING = 1
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_MESSAGE_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5
CONTEXT_GUILD = 0
CONTEXT_BOT_DM = 1

# Application command option types.
OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2
OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_BOOLEAN = 5
OPTION_NUMBER = 10


class SnowflakeFactory:
    """Makes ids laid out like Discord's, strictly increasing.

    Real ids matter: discord.py derives ``created_at`` from them, sorts by them, and the adapter
    may persist them in 64-bit columns, so a fake that handed out ``1, 2, 3`` would hide bugs.
    """

    def __init__(self, worker_id: int = 1, process_id: int = 0) -> None:
        self._prefix = ((worker_id & 0x1F) << 17) | ((process_id & 0x1F) << 12)
        self._increment = 0
        self._last = 0

    def __call__(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        self._increment = (self._increment + 1) & 0xFFF
        candidate = (ms << 22) | self._prefix | self._increment
        self._last = max(candidate, self._last + 1)
        return self._last


def snowflake_time(snowflake: int) -> dt.datetime:
    """The creation time encoded in a snowflake, as Discord defines it."""
    return dt.datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=dt.UTC)


def iso_timestamp(when: dt.datetime | None = None) -> str:
    """ISO 8601 with microseconds and offset, the format Discord uses for timestamps."""
    return (when or dt.datetime.now(dt.UTC)).isoformat(timespec="microseconds")


@dataclass
class FakeUser:
    """A Discord user (or the bot itself) known to the fake."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    def payload(self) -> JSON:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int
    position: int = 0

    def payload(self) -> JSON:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    """A guild text channel (type 0) or a bot DM channel (type 1)."""

    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    recipient_id: int | None = None
    position: int = 0
    last_message_id: int | None = None

    def payload(self, users: Mapping[int, FakeUser]) -> JSON:
        if self.type == 1:
            recipient = users[self.recipient_id] if self.recipient_id in users else None
            return {
                "id": str(self.id),
                "type": 1,
                "last_message_id": _opt_str(self.last_message_id),
                "flags": 0,
                "recipients": [recipient.payload()] if recipient else [],
            }
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": _opt_str(self.last_message_id),
            "rate_limit_per_user": 0,
            "flags": 0,
        }


@dataclass
class FakeMember:
    user_id: int
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_timestamp)


@dataclass
class FakeGuild:
    """A guild with roles, text channels and members; permissions are role-based only."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    joined_at: str = field(default_factory=iso_timestamp)

    @property
    def default_channel_id(self) -> int:
        return next(iter(self.channels))

    def member_permissions(self, user_id: int) -> int:
        """Guild-level permissions: owner and ADMINISTRATOR get everything (as on Discord)."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id)
        role_ids = [self.id, *(member.role_ids if member else [])]  # @everyone's id == guild id
        perms = 0
        for role_id in role_ids:
            role = self.roles.get(role_id)
            if role is not None:
                perms |= role.permissions
        return ALL_PERMISSIONS if perms & Permissions.ADMINISTRATOR else perms

    def member_payload(
        self, user_id: int, users: Mapping[int, FakeUser], *, with_permissions: bool = False
    ) -> JSON:
        member = self.members[user_id]
        data: JSON = {
            "user": users[user_id].payload(),
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in member.role_ids],
            "joined_at": member.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_permissions:
            data["permissions"] = str(self.member_permissions(user_id))
        return data

    def payload(
        self, users: Mapping[int, FakeUser], *, member_ids: Sequence[int], bot_user_id: int
    ) -> JSON:
        """The GUILD_CREATE / GET /guilds/{id} object.

        ``member_ids`` is chosen by the caller because Discord only includes other members when
        the session has the GUILD_MEMBERS intent; the bot's own member is always there.
        """
        ids = [bot_user_id, *[m for m in member_ids if m != bot_user_id and m in self.members]]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": str(self.default_channel_id) if self.channels else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "features": [],
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "joined_at": self.joined_at,
            "large": False,
            "unavailable": False,
            "lazy": True,
            "member_count": len(self.members),
            "members": [self.member_payload(m, users) for m in ids if m in self.members],
            "channels": [c.payload(users) for c in self.channels.values()],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


@dataclass
class FakeMessage:
    """A message the bot sent (channel send, interaction response or follow-up)."""

    id: int
    channel_id: int
    author_id: int
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    flags: int = 0
    guild_id: int | None = None
    source: str = "channel"  # "channel" | "interaction" | "followup" | "user"
    interaction_id: int | None = None
    interaction_user_id: int | None = None
    attachments: list[str] = field(default_factory=list)
    edits: list[JSON] = field(default_factory=list)
    deleted: bool = False

    def apply(self, body: Mapping[str, Any]) -> None:
        """Apply a create/edit body; Discord only replaces the keys present in an edit."""
        if "content" in body:
            self.content = body["content"] or ""
        if "embeds" in body:
            self.embeds = list(body["embeds"] or [])
        if "components" in body:
            self.components = list(body["components"] or [])
        if "flags" in body and body["flags"] is not None:
            # Only SUPPRESS_EMBEDS can be changed by an edit; EPHEMERAL/LOADING are server-owned.
            self.flags = (self.flags & (FLAG_EPHEMERAL | FLAG_LOADING)) | (
                int(body["flags"]) & ~(FLAG_EPHEMERAL | FLAG_LOADING)
            )

    def payload(self, users: Mapping[int, FakeUser], *, application_id: int | None = None) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": users[self.author_id].payload(),
            "content": self.content,
            "timestamp": iso_timestamp(snowflake_time(self.id)),
            "edited_timestamp": iso_timestamp() if self.edits else None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {"id": str(i), "filename": name, "size": 0, "url": "", "proxy_url": ""}
                for i, name in enumerate(self.attachments)
            ],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "type": 0 if self.interaction_id is None else 20,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if application_id is not None and self.source in ("interaction", "followup"):
            data["application_id"] = str(application_id)
            data["webhook_id"] = str(application_id)
        if self.interaction_id is not None:
            data["interaction_metadata"] = {
                "id": str(self.interaction_id),
                "type": INTERACTION_APPLICATION_COMMAND,
                "user": users[self.interaction_user_id or self.author_id].payload(),
                "authorizing_integration_owners": {},
            }
        return data


def option_type_for(value: object) -> int:
    """Discord option type for a Python value (bool must be tested before int)."""
    if isinstance(value, bool):
        return OPTION_BOOLEAN
    if isinstance(value, int):
        return OPTION_INTEGER
    if isinstance(value, float):
        return OPTION_NUMBER
    if isinstance(value, str):
        return OPTION_STRING
    raise TypeError(f"no Discord option type for {type(value).__name__}; pass raw options")


def command_options(subcommand: str | None, options: Mapping[str, Any] | None) -> list[JSON]:
    """Build ``data.options`` for a chat-input command.

    ``subcommand`` may be ``"level"`` (subcommand of a top-level group) or ``"group level"``
    (subcommand inside a nested group): Discord nests them as type 2 -> type 1 -> values.
    """
    leaves = [
        {"name": name, "type": option_type_for(value), "value": value}
        for name, value in (options or {}).items()
    ]
    if not subcommand:
        return leaves
    parts = subcommand.split()
    if len(parts) > 2:
        raise ValueError("Discord allows at most a group and a subcommand below a command")
    nested: list[JSON] = [{"name": parts[-1], "type": OPTION_SUB_COMMAND, "options": leaves}]
    if len(parts) == 2:
        nested = [{"name": parts[0], "type": OPTION_SUB_COMMAND_GROUP, "options": nested}]
    return nested


def modal_components(values: Mapping[str, str | Sequence[str]]) -> list[JSON]:
    """``data.components`` of a MODAL_SUBMIT as Discord sends it back.

    A ``str`` value is a text input inside an action row (the classic layout); a sequence is a
    string select inside a Label (type 18), the layout Discord uses for selects in modals.
    """
    rows: list[JSON] = []
    for custom_id, value in values.items():
        if isinstance(value, str):
            rows.append(
                {"type": 1, "components": [{"type": 4, "custom_id": custom_id, "value": value}]}
            )
        else:
            rows.append(
                {
                    "type": 18,
                    "component": {"type": 3, "custom_id": custom_id, "values": list(value)},
                }
            )
    return rows


def error_body(code: int, message: str, errors: JSON | None = None) -> JSON:
    """Discord's JSON error object; discord.py exposes ``code`` and ``text`` from it."""
    body: JSON = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return body


class DiscordError(Exception):
    """An API error: raised by the fake's handlers, served as Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status, self.body = status, error_body(code, message, errors)


def _opt_str(value: int | None) -> str | None:
    return None if value is None else str(value)
