"""REST routes of FakeDiscord (the subset of Discord's API v10 Mentorbot uses), and the small
HTTP helpers the server shares with them (``RecordedRequest``, ``json_response``).

Handlers only implement each endpoint's semantics; recording, auth, rate limits, injected
failures and the ``Via`` header are applied around them by ``FakeDiscord._middleware``.
Errors are raised as ``DiscordError`` with Discord's real JSON codes, so discord.py maps them to
the same exceptions as in production (``Forbidden`` with ``.code == 50007`` etc.).

Behaviours worth knowing when writing adapter tests:

* An interaction must be answered within ``fake.interaction_deadline_s`` (3 s, Discord's limit)
  of its dispatch, and only once: later/second answers get 404 10062 / 400 40060.
* Follow-ups (``POST /webhooks/{app}/{token}``) need an acknowledged interaction; the first one
  after a type-5 defer fills the "thinking" message instead of creating a new one.
* Message bodies are validated (empty 50006; content > 2000, > 10 embeds, embed text > 6000 and
  other length limits 50035) and command names must be lowercase ``[-_\\w]{1,32}``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.discord_payloads import (
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    INTERACTION_PING,
    JSON,
    DiscordError,
    FakeChannel,
    FakeGuild,
    FakeMessage,
)
from tests.fakes.discord_world import FakeInteraction, InteractionCallback

if TYPE_CHECKING:
    from tests.fakes.discord_fake import FakeDiscord

_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
# callback type -> interaction types it may answer
_VALID_CALLBACKS: dict[int, set[int]] = {
    1: {INTERACTION_PING},
    4: {INTERACTION_APPLICATION_COMMAND, INTERACTION_MESSAGE_COMPONENT, INTERACTION_MODAL_SUBMIT},
    5: {INTERACTION_APPLICATION_COMMAND, INTERACTION_MESSAGE_COMPONENT, INTERACTION_MODAL_SUBMIT},
    6: {INTERACTION_MESSAGE_COMPONENT, INTERACTION_MODAL_SUBMIT},
    7: {INTERACTION_MESSAGE_COMPONENT, INTERACTION_MODAL_SUBMIT},
    8: {INTERACTION_AUTOCOMPLETE},
    9: {INTERACTION_APPLICATION_COMMAND, INTERACTION_MESSAGE_COMPONENT},
}


def add_routes(fake: FakeDiscord, router: web.UrlDispatcher, prefix: str) -> None:
    r = _Routes(fake)
    snow = r"{%s:\d+}"
    app = prefix + "/applications/" + snow % "app_id"
    channel = prefix + "/channels/" + snow % "channel_id"
    webhook = prefix + "/webhooks/" + snow % "app_id" + "/{token}"
    guild = prefix + "/guilds/" + snow % "guild_id"
    router.add_get(prefix + "/gateway", r.get_gateway)
    router.add_get(prefix + "/gateway/bot", r.get_gateway_bot)
    router.add_get(prefix + "/users/@me", r.get_me)
    router.add_post(prefix + "/users/@me/channels", r.create_dm)
    router.add_get(prefix + "/users/" + snow % "user_id", r.get_user)
    router.add_get(prefix + "/oauth2/applications/@me", r.get_application)
    for commands in (app + "/commands", app + "/guilds/" + snow % "guild_id" + "/commands"):
        router.add_get(commands, r.list_commands)
        router.add_put(commands, r.overwrite_commands)
        router.add_post(commands, r.upsert_command)
        router.add_delete(commands + "/" + snow % "command_id", r.delete_command)
    router.add_get(channel, r.get_channel)
    router.add_post(channel + "/messages", r.create_message)
    message = channel + "/messages/" + snow % "message_id"
    router.add_get(message, r.get_message)
    router.add_patch(message, r.edit_message)
    router.add_delete(message, r.delete_message)
    router.add_post(
        prefix + "/interactions/" + snow % "interaction_id" + "/{token}/callback", r.callback
    )
    router.add_post(webhook, r.execute_webhook)
    router.add_get(webhook + "/messages/{message_id}", r.get_webhook_message)
    router.add_patch(webhook + "/messages/{message_id}", r.edit_webhook_message)
    router.add_delete(webhook + "/messages/{message_id}", r.delete_webhook_message)
    router.add_get(guild, r.get_guild)
    router.add_get(guild + "/roles", r.get_roles)
    router.add_get(guild + "/channels", r.get_guild_channels)
    router.add_get(guild + "/members/" + snow % "user_id", r.get_member)


@dataclass
class RecordedRequest:
    """One REST request as the fake saw it; ``path`` is relative to ``api_url``."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[str]
    at: float
    status: int = 0  # filled in when answered

    def matches(self, pattern: str) -> bool:
        return route_matches(pattern, self.method, self.path)


RECORD_KEY = web.RequestKey("fake_discord_record", RecordedRequest)


def route_matches(pattern: str, method: str, path: str) -> bool:
    """``"POST /channels/*/messages"`` matches method and path; ``"/users/*"`` path only."""
    head, _, rest = pattern.partition(" ")
    if rest and head.isalpha() and head.isupper():
        return method == head and fnmatchcase(path, rest)
    return fnmatchcase(path, pattern)


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """JSON with ``Content-Type: application/json`` exactly: discord.py compares the header
    with ``==``, and aiohttp's ``json_response`` appends ``; charset=utf-8`` - which would make
    discord.py treat every body as text and every 429 as a Cloudflare ban."""
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


class _Routes:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    # -- gateway, users, application -----------------------------------------------------

    async def get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.fake.gateway_url})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        fake = self.fake
        return json_response(
            {
                "url": fake.gateway_url,
                "shards": fake.gateway.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": fake.session_start_remaining,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def get_me(self, request: web.Request) -> web.Response:
        me = self.fake.bot_user.payload()
        return json_response(
            {**me, "verified": True, "mfa_enabled": False, "flags": 0, "locale": "en-US"}
        )

    async def get_user(self, request: web.Request) -> web.Response:
        return json_response(self.fake.user(_int(request, "user_id")).payload())

    async def create_dm(self, request: web.Request) -> web.Response:
        body = _body(request)
        try:
            recipient = int(body["recipient_id"])
        except (KeyError, TypeError, ValueError):
            raise DiscordError(
                400, 50035, "Invalid Form Body", _err("recipient_id", "BASE_TYPE_REQUIRED")
            ) from None
        channel = self.fake.dm_channel(recipient)
        return json_response(channel.payload(self.fake.users))

    async def get_application(self, request: web.Request) -> web.Response:
        fake = self.fake
        return json_response(
            {
                "id": str(fake.application_id),
                "name": fake.bot_user.username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot": fake.bot_user.payload(),
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": fake.owner.payload(),
                "team": None,
                "flags": fake.application_flags,
                "rpc_origins": [],
                "tags": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,  # set => discord.py warns it gets no events
                "approximate_guild_count": len(fake.guilds),
                "integration_types_config": {"0": {}, "1": {}},
            }
        )

    # -- application commands ----------------------------------------------------------------

    def _scope(self, request: web.Request) -> int | None:
        if _int(request, "app_id") != self.fake.application_id:
            raise DiscordError(403, 50001, "Missing Access")
        guild_id = request.match_info.get("guild_id")
        if guild_id is None:
            return None
        if int(guild_id) not in self.fake.guilds:
            raise DiscordError(403, 50001, "Missing Access")
        return int(guild_id)

    def _stored_command(self, scope: int | None, cmd: JSON) -> JSON:
        type_ = int(cmd.get("type", 1))
        stored = {
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            "integration_types": [0],
            "contexts": None,
            **cmd,
            "id": str(self.fake.command_id(scope, cmd["name"], type_)),
            "application_id": str(self.fake.application_id),
            "type": type_,
            "version": str(self.fake.ids()),
        }
        if scope is not None:
            stored["guild_id"] = str(scope)
        return stored

    async def list_commands(self, request: web.Request) -> web.Response:
        return json_response(self.fake.commands.get(self._scope(request), []))

    async def overwrite_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        body = _body(request)
        if not isinstance(body, list):
            raise DiscordError(400, 50035, "Invalid Form Body")
        errors = {str(i): e for i, cmd in enumerate(body) if (e := _command_errors(cmd))}
        if errors:
            raise DiscordError(400, 50035, "Invalid Form Body", errors)
        self.fake.command_writes[scope] += 1
        self.fake.commands[scope] = [self._stored_command(scope, cmd) for cmd in body]
        return json_response(self.fake.commands[scope])

    async def upsert_command(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        cmd = _body(request)
        if errors := _command_errors(cmd):
            raise DiscordError(400, 50035, "Invalid Form Body", errors)
        self.fake.command_writes[scope] += 1
        stored = self._stored_command(scope, cmd)
        existing = self.fake.commands.setdefault(scope, [])
        same = [c for c in existing if c["name"] == stored["name"] and c["type"] == stored["type"]]
        for old in same:
            existing.remove(old)
        existing.append(stored)
        return json_response(stored, 200 if same else 201)

    async def delete_command(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        command_id = request.match_info["command_id"]
        existing = self.fake.commands.get(scope, [])
        if not any(c["id"] == command_id for c in existing):
            raise DiscordError(404, 10063, "Unknown application command")
        self.fake.commands[scope] = [c for c in existing if c["id"] != command_id]
        self.fake.command_writes[scope] += 1
        return web.Response(status=204)

    # -- channels & messages -----------------------------------------------------------------

    def _channel(self, request: web.Request) -> FakeChannel:
        channel = self.fake.channels.get(_int(request, "channel_id"))
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return channel

    def _message(self, request: web.Request, channel: FakeChannel) -> FakeMessage:
        message = self.fake.messages_by_id.get(_int(request, "message_id"))
        if message is None or message.deleted or message.channel_id != channel.id:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def get_channel(self, request: web.Request) -> web.Response:
        return json_response(self._channel(request).payload(self.fake.users))

    async def create_message(self, request: web.Request) -> web.Response:
        fake = self.fake
        channel = self._channel(request)
        fake.check_can_send(channel)
        body, files = _body(request) or {}, request[RECORD_KEY].files
        validate_message(body, require_content=True, has_files=bool(files))
        message = FakeMessage(
            fake.ids(), channel.id, fake.bot_user.id, guild_id=channel.guild_id, attachments=files
        )
        message.apply(body)
        message.flags = int(body.get("flags") or 0) & ~(FLAG_EPHEMERAL | FLAG_LOADING)
        return json_response(fake.message_payload(fake.store_message(message)))

    async def get_message(self, request: web.Request) -> web.Response:
        message = self._message(request, self._channel(request))
        return json_response(self.fake.message_payload(message))

    async def edit_message(self, request: web.Request) -> web.Response:
        message = self._message(request, self._channel(request))
        return json_response(self._edit(message, _body(request) or {}))

    async def delete_message(self, request: web.Request) -> web.Response:
        self._message(request, self._channel(request)).deleted = True
        return web.Response(status=204)

    def _edit(self, message: FakeMessage, body: JSON, files: Sequence[str] = ()) -> JSON:
        """``files``: those a first follow-up uploads, which the "thinking..." message it
        fills then carries, as on Discord."""
        validate_message(body, require_content=False, has_files=bool(files))
        message.flags &= ~FLAG_LOADING
        message.apply(body)
        if files:
            message.attachments = list(files)
        message.edits.append(body)
        self.fake.note_message_edit(message)
        return self.fake.message_payload(message)

    # -- interactions ------------------------------------------------------------------------

    async def callback(self, request: web.Request) -> web.Response:
        fake = self.fake
        interaction = fake.interactions.get(_int(request, "interaction_id"))
        if interaction is None or interaction.token != request.match_info["token"]:
            raise DiscordError(404, 10062, "Unknown interaction")
        body = _body(request) or {}
        cb_type = int(body.get("type", 0))
        elapsed = time.monotonic() - (interaction.dispatched_at or interaction.created_at)
        with_response = request.query.get("with_response", "").lower() in ("1", "true")

        def record(
            accepted: bool, status: int, message_id: int | None = None
        ) -> InteractionCallback:
            cb = InteractionCallback(
                interaction.id, cb_type, body, elapsed, accepted, status, message_id
            )
            fake.record_callback(cb)
            return cb

        if interaction.callback is not None:
            record(False, 400)
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if elapsed > fake.interaction_deadline_s:
            record(False, 404)
            raise DiscordError(404, 10062, "Unknown interaction")
        try:
            message = self._apply_callback(interaction, cb_type, body.get("data") or {}, request)
        except DiscordError as exc:
            record(False, exc.status)
            raise
        interaction.callback = record(True, 200 if with_response else 204, message and message.id)
        if not with_response:
            return web.Response(status=204)
        result: JSON = {"interaction": {"id": str(interaction.id), "type": interaction.type}}
        if message is not None:
            result["interaction"].update(
                response_message_id=str(message.id),
                response_message_loading=bool(message.flags & FLAG_LOADING),
                response_message_ephemeral=bool(message.flags & FLAG_EPHEMERAL),
            )
            if cb_type in (4, 5, 7):
                result["resource"] = {"type": cb_type, "message": fake.message_payload(message)}
        elif cb_type == 9:
            result["resource"] = {"type": 9}
        return json_response(result)

    def _apply_callback(
        self, interaction: FakeInteraction, cb_type: int, data: JSON, request: web.Request
    ) -> FakeMessage | None:
        fake = self.fake
        if interaction.type not in _VALID_CALLBACKS.get(cb_type, set()):
            raise DiscordError(
                400, 50035, "Invalid Form Body", _err("type", "INTERACTION_RESPONSE_TYPE_INVALID")
            )
        files = request[RECORD_KEY].files
        if cb_type in (4, 5):
            if cb_type == 4:
                validate_message(data, require_content=True, has_files=bool(files))
            flags = int(data.get("flags") or 0)
            message = FakeMessage(
                fake.ids(),
                interaction.channel_id,
                fake.bot_user.id,
                guild_id=interaction.guild_id,
                source="interaction",
                interaction_id=interaction.id,
                interaction_user_id=interaction.user_id,
                attachments=files,
            )
            if cb_type == 4:
                message.apply(data)
                message.flags = flags & ~FLAG_LOADING
            else:
                message.flags = FLAG_LOADING | (flags & FLAG_EPHEMERAL)
            interaction.original_message_id = message.id
            return fake.store_message(message)
        if cb_type in (6, 7):
            interaction.original_message_id = interaction.message_id
            message = fake.messages_by_id.get(interaction.message_id or 0)
            if cb_type == 7 and message is not None:
                self._edit(message, data)
            return message
        if cb_type == 9:
            errors: JSON = {}
            if not data.get("custom_id"):
                errors.update(_err("custom_id", "BASE_TYPE_REQUIRED"))
            if not data.get("title") or len(data["title"]) > 45:
                errors.update(_err("title", "BASE_TYPE_BAD_LENGTH"))
            if not 1 <= len(data.get("components") or []) <= 5:
                errors.update(_err("components", "BASE_TYPE_BAD_LENGTH"))
            if errors:
                raise DiscordError(400, 50035, "Invalid Form Body", {"data": errors})
        return None

    # -- interaction webhooks (follow-ups, @original) ---------------------------------------

    async def execute_webhook(self, request: web.Request) -> web.Response:
        fake = self.fake
        interaction = fake.interaction_for_webhook(
            _int(request, "app_id"), request.match_info["token"]
        )
        body, files = _body(request) or {}, request[RECORD_KEY].files
        validate_message(body, require_content=True, has_files=bool(files))
        original = fake.messages_by_id.get(interaction.original_message_id or 0)
        callback = interaction.callback
        if (
            original is not None
            and original.flags & FLAG_LOADING
            and callback
            and callback.type == 5
        ):
            # The first follow-up replaces "thinking...", files included.
            payload = self._edit(original, body, files)
        else:
            message = FakeMessage(
                fake.ids(),
                interaction.channel_id,
                fake.bot_user.id,
                guild_id=interaction.guild_id,
                flags=int(body.get("flags") or 0) & ~FLAG_LOADING,
                source="followup",
                interaction_id=interaction.id,
                interaction_user_id=interaction.user_id,
                attachments=files,
            )
            message.apply(body)
            interaction.followup_ids.append(message.id)
            payload = fake.message_payload(fake.store_message(message))
        if request.query.get("wait", "").lower() in ("1", "true"):
            return json_response(payload)
        return web.Response(status=204)

    def _webhook_message(self, request: web.Request) -> FakeMessage:
        fake = self.fake
        interaction = fake.interaction_for_webhook(
            _int(request, "app_id"), request.match_info["token"]
        )
        raw = request.match_info["message_id"]
        allowed = {interaction.original_message_id, *interaction.followup_ids}
        message_id = interaction.original_message_id if raw == "@original" else _to_int(raw)
        message = fake.messages_by_id.get(message_id or 0)
        if message is None or message.deleted or message_id not in allowed:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def get_webhook_message(self, request: web.Request) -> web.Response:
        return json_response(self.fake.message_payload(self._webhook_message(request)))

    async def edit_webhook_message(self, request: web.Request) -> web.Response:
        return json_response(self._edit(self._webhook_message(request), _body(request) or {}))

    async def delete_webhook_message(self, request: web.Request) -> web.Response:
        self._webhook_message(request).deleted = True
        return web.Response(status=204)

    # -- guilds (for permission checks) ------------------------------------------------------

    def _guild(self, request: web.Request) -> FakeGuild:
        guild = self.fake.guilds.get(_int(request, "guild_id"))
        if guild is None:
            raise DiscordError(404, 10004, "Unknown Guild")
        return guild

    async def get_guild(self, request: web.Request) -> web.Response:
        fake = self.fake
        data = self._guild(request).payload(fake.users, member_ids=[], bot_user_id=fake.bot_user.id)
        for key in ("members", "channels", "threads", "presences", "voice_states", "joined_at"):
            data.pop(key, None)  # GET /guilds/{id} is the bare guild object
        return json_response(data)

    async def get_roles(self, request: web.Request) -> web.Response:
        return json_response([r.payload() for r in self._guild(request).roles.values()])

    async def get_guild_channels(self, request: web.Request) -> web.Response:
        return json_response(
            [c.payload(self.fake.users) for c in self._guild(request).channels.values()]
        )

    async def get_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        user_id = _int(request, "user_id")
        if user_id not in guild.members:
            raise DiscordError(404, 10007, "Unknown Member")
        return json_response(guild.member_payload(user_id, self.fake.users))


def validate_message(body: JSON, *, require_content: bool, has_files: bool) -> None:
    """Discord's message limits: the adapter's long mentoring texts must be split by it."""
    errors: JSON = {}
    content = body.get("content")
    if content is not None and len(str(content)) > 2000:
        errors.update(_err("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length."))
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        errors.update(_err("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."))
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in (("title", 256), ("description", 4096)):
            text = str(embed.get(key) or "")
            total += len(text)
            if len(text) > limit:
                errors.setdefault("embeds", {}).setdefault(str(i), {}).update(
                    _err(key, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
                )
        fields = embed.get("fields") or []
        if len(fields) > 25:
            errors.setdefault("embeds", {}).setdefault(str(i), {}).update(
                _err("fields", "BASE_TYPE_MAX_LENGTH")
            )
        total += sum(len(str(f.get("name", ""))) + len(str(f.get("value", ""))) for f in fields)
        total += len(str((embed.get("footer") or {}).get("text", "")))
        total += len(str((embed.get("author") or {}).get("name", "")))
    if total > 6000:
        errors.update(
            _err("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        )
    if errors:
        raise DiscordError(400, 50035, "Invalid Form Body", errors)
    has_any = (
        str(content or "").strip()
        or embeds
        or body.get("components")
        or body.get("sticker_ids")
        or body.get("poll")
        or has_files
    )
    if require_content and not has_any:
        raise DiscordError(400, 50006, "Cannot send an empty message")


def _command_errors(cmd: Any) -> JSON:
    if not isinstance(cmd, dict) or "name" not in cmd:
        return _err("name", "BASE_TYPE_REQUIRED")
    errors: JSON = {}
    name = str(cmd["name"])
    if int(cmd.get("type", 1)) == 1:
        if not _COMMAND_NAME.match(name) or name != name.lower():
            errors.update(
                _err("name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            )
        if not 1 <= len(str(cmd.get("description", ""))) <= 100:
            errors.update(
                _err("description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            )
    if len(cmd.get("options") or []) > 25:
        errors.update(_err("options", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
    return errors


def _err(key: str, code: str, message: str | None = None) -> JSON:
    return {key: {"_errors": [{"code": code, "message": message or code}]}}


def _body(request: web.Request) -> Any:
    return request[RECORD_KEY].json


def _int(request: web.Request, name: str) -> int:
    return int(request.match_info[name])


def _to_int(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None
