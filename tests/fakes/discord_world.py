"""The world a FakeDiscord serves: users, guilds, channels, messages, commands, interactions.

Why a base class of its own: ``FakeDiscord`` (discord_fake.py) is the server - HTTP plumbing,
rate limits, failure injection, the gateway - while this is the state both the REST routes and
the gateway read, plus the builders tests use to make incoming events. Builders register what
they create (an interaction's id and token, a user's DM channel), so the client's answers to
those events are accepted and recorded exactly as Discord would.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from tests.fakes import ARRIVAL_TIMEOUT_S
from tests.fakes.discord_payloads import (
    DEFAULT_MEMBER_PERMISSIONS,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    JSON,
    DiscordError,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
    SnowflakeFactory,
    command_options,
    modal_components,
)

T = TypeVar("T")

INTERACTION_TOKEN_TTL_S = 15 * 60


class Waiters(Generic[T]):
    """Futures resolved by the first item that satisfies their predicate."""

    def __init__(self) -> None:
        self._waiting: list[tuple[Callable[[T], bool], asyncio.Future[T]]] = []

    async def wait(self, predicate: Callable[[T], bool], timeout: float, what: str) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiting.append(entry)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(f"FakeDiscord: no {what} within {timeout}s") from None
        finally:
            if entry in self._waiting:
                self._waiting.remove(entry)

    def notify(self, item: T) -> None:
        for predicate, future in list(self._waiting):
            if not future.done() and predicate(item):
                future.set_result(item)


@dataclass
class InteractionCallback:
    """What the client POSTed to /interactions/{id}/{token}/callback, and when."""

    interaction_id: int
    type: int
    body: JSON
    elapsed: float  # seconds from the INTERACTION_CREATE dispatch to the callback
    accepted: bool  # False when answered 4xx (late, already acknowledged, invalid)
    status: int
    message_id: int | None = None

    @property
    def data(self) -> JSON:
        return self.body.get("data") or {}


@dataclass
class FakeInteraction:
    """An interaction a builder handed out; its id and token authorise the client's callback
    and follow-ups, and its timestamps enforce Discord's 3-second / 15-minute windows."""

    id: int
    token: str
    type: int
    user_id: int
    channel_id: int
    guild_id: int | None
    payload: JSON
    created_at: float
    message_id: int | None = None  # the message a component/modal interaction came from
    dispatched_at: float | None = None
    callback: InteractionCallback | None = None
    attempts: list[InteractionCallback] = field(default_factory=list)
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)


class FakeWorld:
    """Discord-side state; ``FakeDiscord`` adds the server around it."""

    def __init__(self, *, bot_username: str, interaction_deadline_s: float) -> None:
        self.ids = SnowflakeFactory()
        self.application_id = self.ids()  # modern bots: application id == bot user id
        self.bot_user = FakeUser(self.application_id, bot_username, bot=True)
        self.owner = FakeUser(self.ids(), "mentorbot-owner")
        self.default_user = FakeUser(self.ids(), "mentee", global_name="Mentee")
        self.users: dict[int, FakeUser] = {
            u.id: u for u in (self.bot_user, self.owner, self.default_user)
        }
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.dm_channels: dict[int, FakeChannel] = {}  # recipient id -> DM channel
        self.interaction_deadline_s = interaction_deadline_s
        self.messages: list[FakeMessage] = []  # every message the bot created, in order
        self.messages_by_id: dict[int, FakeMessage] = {}
        self.commands: dict[int | None, list[JSON]] = {}  # scope (None = global) -> commands
        self.interactions: dict[int, FakeInteraction] = {}
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self._message_waiters: Waiters[FakeMessage] = Waiters()
        self._callback_waiters: Waiters[InteractionCallback] = Waiters()

    # -- world set-up ------------------------------------------------------------------------

    def add_user(self, username: str | None = None, *, user_id: int | None = None) -> FakeUser:
        uid = user_id or self.ids()
        user = self.users.get(uid) or FakeUser(uid, username or f"user{len(self.users)}")
        self.users[uid] = user
        return user

    def user(self, user_id: int | None = None) -> FakeUser:
        """A known user, auto-created for unknown ids (any snowflake may be a Discord user)."""
        return self.default_user if user_id is None else self.add_user(user_id=user_id)

    def add_guild(
        self,
        name: str = "Mentor Lab",
        *,
        channels: Sequence[str] = ("general",),
        member_ids: Sequence[int] = (),
        everyone_permissions: int = DEFAULT_MEMBER_PERMISSIONS,
        owner_id: int | None = None,
    ) -> FakeGuild:
        """Add a guild before the client connects (it arrives as GUILD_CREATE after READY)."""
        gid = self.ids()
        guild = FakeGuild(id=gid, name=name, owner_id=owner_id or self.owner.id)
        guild.roles[gid] = FakeRole(gid, "@everyone", everyone_permissions)
        for pos, channel_name in enumerate(channels):
            channel = FakeChannel(self.ids(), 0, channel_name, guild_id=gid, position=pos)
            guild.channels[channel.id] = self.channels[channel.id] = channel
        for uid in (self.bot_user.id, guild.owner_id, *member_ids):
            self.user(uid)
            guild.members[uid] = FakeMember(uid)
        self.guilds[gid] = guild
        return guild

    def add_role(
        self, guild_id: int, name: str, permissions: int, member_ids: Sequence[int] = ()
    ) -> FakeRole:
        guild = self.guilds[guild_id]
        role = FakeRole(self.ids(), name, permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        for uid in member_ids:
            self._ensure_member(guild, uid).role_ids.append(role.id)
        return role

    def dm_channel(self, user_id: int) -> FakeChannel:
        """The bot's DM channel with a user; one stable id per recipient, as on Discord."""
        channel = self.dm_channels.get(user_id)
        if channel is None:
            self.user(user_id)
            channel = FakeChannel(self.ids(), 1, recipient_id=user_id)
            self.dm_channels[user_id] = self.channels[channel.id] = channel
        return channel

    def dm_messages(self, user_id: int) -> list[FakeMessage]:
        channel = self.dm_channels.get(user_id)
        return [m for m in self.messages if channel and m.channel_id == channel.id]

    def _ensure_member(self, guild: FakeGuild, user_id: int) -> FakeMember:
        self.user(user_id)
        return guild.members.setdefault(user_id, FakeMember(user_id))

    # -- event builders ----------------------------------------------------------------------

    def slash_command_interaction(
        self,
        name: str = "mentor",
        subcommand: str | None = None,
        options: Mapping[str, Any] | None = None,
        *,
        user_id: int | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
        resolved: JSON | None = None,
    ) -> JSON:
        """INTERACTION_CREATE data for ``/name [group] subcommand option:value...``.

        The command id and ``data.guild_id`` come from what the client registered (PUT), so
        discord.py's CommandTree finds guild commands; unregistered names get a fresh id.
        """

        def registered(scope: int | None) -> JSON | None:
            cmds = self.commands.get(scope, [])
            return next((c for c in cmds if c["name"] == name and c["type"] == 1), None)

        scope = guild_id if guild_id is not None and registered(guild_id) else None
        command = registered(scope)
        data: JSON = {"id": command["id"] if command else str(self.ids()), "name": name, "type": 1}
        data["options"] = command_options(subcommand, options)
        if scope is not None:
            data["guild_id"] = str(scope)
        if resolved is not None:
            data["resolved"] = resolved
        return self._interaction(
            INTERACTION_APPLICATION_COMMAND, data, user_id, guild_id, channel_id, locale=locale
        )

    def component_interaction(
        self,
        custom_id: str,
        *,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        message_id: int | None = None,
        user_id: int | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
    ) -> JSON:
        """A button (type 2) or select (``values``) press on ``message_id``.

        Use the id of the bot message that carried the view (``fake.messages[-1].id`` or the
        interaction response's ``message_id``): discord.py routes by message id, then falls back
        to persistent views registered without one.
        """
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        return self._interaction(
            INTERACTION_MESSAGE_COMPONENT,
            data,
            user_id,
            guild_id,
            channel_id,
            message_id=message_id,
        )

    def modal_submit_interaction(
        self,
        custom_id: str,
        values: Mapping[str, str | Sequence[str]],
        *,
        message_id: int | None = None,
        user_id: int | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
    ) -> JSON:
        """A MODAL_SUBMIT for the modal ``custom_id``; ``values`` maps input custom_id -> value."""
        data: JSON = {"custom_id": custom_id, "components": modal_components(values)}
        return self._interaction(
            INTERACTION_MODAL_SUBMIT, data, user_id, guild_id, channel_id, message_id=message_id
        )

    def dm_message(self, user_id: int | None = None, content: str = "hello") -> JSON:
        """MESSAGE_CREATE data for a user's DM to the bot (needs the DIRECT_MESSAGES intent)."""
        user = self.user(user_id)
        channel = self.dm_channel(user.id)
        message = FakeMessage(self.ids(), channel.id, user.id, content, source="user")
        channel.last_message_id = message.id
        return message.payload(self.users)

    def guild_message(
        self,
        channel_id: int,
        content: str,
        *,
        user_id: int | None = None,
        mention_bot: bool = False,
    ) -> JSON:
        """MESSAGE_CREATE data for a guild channel message (GUILD_MESSAGES; content is blanked
        for sessions without MESSAGE_CONTENT unless ``mention_bot``)."""
        channel = self.channels[channel_id]
        guild = self.guilds[channel.guild_id or 0]
        user = self.user(user_id)
        member = self._ensure_member(guild, user.id)
        message = FakeMessage(
            self.ids(), channel.id, user.id, content, guild_id=guild.id, source="user"
        )
        data = message.payload(self.users)
        data["member"] = {
            k: v for k, v in guild.member_payload(member.user_id, self.users).items() if k != "user"
        }
        if mention_bot:
            data["mentions"] = [self.bot_user.payload()]
        return data

    def _interaction(
        self,
        type_: int,
        data: JSON,
        user_id: int | None,
        guild_id: int | None,
        channel_id: int | None,
        *,
        message_id: int | None = None,
        locale: str = "en-US",
    ) -> JSON:
        user = self.user(user_id)
        message = self.messages_by_id.get(message_id) if message_id is not None else None
        if message is not None:
            guild_id = guild_id or message.guild_id
            channel_id = channel_id or message.channel_id
        iid = self.ids()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)  # base64("interaction:") + random
        payload: JSON = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": type_,
            "token": token,
            "version": 1,
            "data": data,
            "locale": locale,
            "app_permissions": str(DEFAULT_MEMBER_PERMISSIONS),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild_id is not None:
            guild = self.guilds[guild_id]
            self._ensure_member(guild, user.id)
            channel = guild.channels[channel_id or guild.default_channel_id]
            member = guild.member_payload(user.id, self.users, with_permissions=True)
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=member,
                channel={**channel.payload(self.users), "permissions": member["permissions"]},
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            channel = self.channels[channel_id] if channel_id else self.dm_channel(user.id)
            payload.update(
                user=user.payload(),
                channel=channel.payload(self.users),
                authorizing_integration_owners={"1": str(user.id)},
                context=1,
            )
        payload["channel_id"] = str(channel.id)
        if message_id is not None:
            msg = message or FakeMessage(
                message_id, channel.id, self.bot_user.id, guild_id=guild_id
            )
            payload["message"] = msg.payload(self.users, application_id=self.application_id)
        self.interactions[iid] = FakeInteraction(
            iid, token, type_, user.id, channel.id, guild_id, payload, time.monotonic(), message_id
        )
        return payload

    # -- waiting ------------------------------------------------------------------------------

    async def wait_for_message(
        self,
        predicate: Callable[[FakeMessage], bool] | None = None,
        *,
        channel_id: int | None = None,
        timeout: float = ARRIVAL_TIMEOUT_S,
    ) -> FakeMessage:
        """The first bot message (already sent or future) matching channel and predicate."""

        def ok(m: FakeMessage) -> bool:
            return (channel_id is None or m.channel_id == channel_id) and (
                predicate is None or predicate(m)
            )

        for message in self.messages:
            if ok(message):
                return message
        return await self._message_waiters.wait(ok, timeout, "matching message")

    async def wait_interaction_response(
        self, interaction_id: int, timeout: float = ARRIVAL_TIMEOUT_S
    ) -> InteractionCallback:
        """The first callback the client POSTed for the interaction (``.body``, ``.elapsed``)."""
        interaction = self.interactions[interaction_id]
        if interaction.attempts:
            return interaction.attempts[0]
        return await self._callback_waiters.wait(
            lambda cb: cb.interaction_id == interaction_id,
            timeout,
            f"callback for {interaction_id}",
        )

    def _mark_interaction_dispatched(self, interaction_id: int) -> None:
        interaction = self.interactions.get(interaction_id)
        if interaction is not None and interaction.dispatched_at is None:
            interaction.dispatched_at = time.monotonic()

    # -- state used by the route handlers ----------------------------------------------------

    def store_message(self, message: FakeMessage) -> FakeMessage:
        self.messages.append(message)
        self.messages_by_id[message.id] = message
        channel = self.channels.get(message.channel_id)
        if channel is not None:
            channel.last_message_id = message.id
        self._message_waiters.notify(message)
        return message

    def note_message_edit(self, message: FakeMessage) -> None:
        self._message_waiters.notify(message)

    def record_callback(self, callback: InteractionCallback) -> None:
        self.interactions[callback.interaction_id].attempts.append(callback)
        self._callback_waiters.notify(callback)

    def command_id(self, scope: int | None, name: str, type_: int) -> int:
        """Stable id per (scope, name, type), as a bulk overwrite keeps existing commands' ids."""
        key = (scope, name, type_)
        if key not in self._command_ids:
            self._command_ids[key] = self.ids()
        return self._command_ids[key]

    def interaction_for_webhook(self, app_id: int, token: str) -> FakeInteraction:
        now = time.monotonic()
        for interaction in self.interactions.values():
            if interaction.token == token and app_id == self.application_id:
                if now - interaction.created_at < INTERACTION_TOKEN_TTL_S and interaction.callback:
                    return interaction
        raise DiscordError(404, 10015, "Unknown Webhook")

    def message_payload(self, message: FakeMessage) -> JSON:
        return message.payload(self.users, application_id=self.application_id)
