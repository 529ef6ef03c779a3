"""FakeSlack: a local Slack that speaks Slack's real wire protocols.

Why: the Slack adapter must be tested with the *real* slack-bolt ``AsyncApp`` and slack_sdk
clients (retry handlers, Socket Mode client, request verification, ``respond()``) — only
their base URL changes. So instead of mocking Python objects this fake serves what
``slack.com`` serves, modelled on bolt-python's ``tests/mock_web_api_server``:

* Web API under ``api_url`` (form or JSON bodies, Bearer token, ``{"ok": false, "error"}``
  answers, HTTP 429 + ``Retry-After`` when rate limited);
* ``apps.connections.open`` + a Socket Mode websocket (``hello``, envelopes, acks);
* ``response_url`` endpoints (what bolt's ``respond()`` posts to);
* helpers to POST signed requests to an HTTP-mode app.

Tests drive it with ``add_user``/``deactivate_user``/``revoke_token``, fault injection
(``fail_next``, ``inject_429``, ``rate_limit``), Socket Mode pushes (``push_slash_command``,
``push_block_action``, ``push_view_submission``, ``push_event`` -> awaitable ack) and read
back ``calls``/``calls_to``/``wait_for``, ``messages``, ``views``, ``home_views``. Payload
builders live in :mod:`tests.fakes.slack_payloads` and are re-exported here.

Use::

    async with FakeSlack() as slack:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        app = AsyncApp(client=client)
        handler = AsyncSocketModeHandler(app, app_token=slack.app_token)
        await handler.connect_async()
        ack = await slack.push_slash_command(command="/mentor", text="level mid")
        assert ack.elapsed < 3
        await handler.close_async()   # close the app before the fake goes away
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import secrets
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web

from tests.fakes import ARRIVAL_TIMEOUT_S
from tests.fakes.slack_payloads import (
    DEFAULT_APP_ID,
    DEFAULT_BOT_ID,
    DEFAULT_BOT_USER_ID,
    DEFAULT_TEAM_DOMAIN,
    DEFAULT_TEAM_ID,
    DEFAULT_USER_ID,
    INTERACTIVE_TYPES,
    app_home_opened_event,
    app_uninstalled_event,
    block_action_payload,
    dm_channel_id,
    encode_for_http,
    event_callback_payload,
    message_im_event,
    new_id,
    new_trigger_id,
    sign_request,
    slash_command_payload,
    socket_mode_envelope,
    state_values,
    tokens_revoked_event,
    url_verification_payload,
    view_object,
    view_submission_payload,
)

__all__ = [
    "INTERACTIVE_TYPES",
    "FakeApiError",
    "FakeSlack",
    "PendingAck",
    "SlackCall",
    "SocketAck",
    "app_home_opened_event",
    "app_uninstalled_event",
    "block_action_payload",
    "encode_for_http",
    "event_callback_payload",
    "message_im_event",
    "sign_request",
    "slash_command_payload",
    "state_values",
    "tokens_revoked_event",
    "url_verification_payload",
    "view_submission_payload",
]

DEFAULT_BOT_TOKEN = "xoxb-fake-bot-token"
DEFAULT_APP_TOKEN = "xapp-1-A0FAKEAPP-1-fake-app-token"
DEFAULT_SCOPES = "chat:write,commands,im:history,im:read,im:write,mpim:write,users:read"
# JSON-valued arguments: slack_sdk sends them as JSON strings in form bodies and as objects
# in JSON bodies; the fake decodes both so `SlackCall.args` looks the same either way.
_JSON_ARGS = ("blocks", "attachments", "view", "metadata")
ApiHandler = Callable[[dict[str, Any]], Mapping[str, Any]]


class FakeApiError(Exception):
    """Raise from a custom handler (see :meth:`FakeSlack.handle`) to answer ``ok: false``."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class SlackCall:
    """One request the fake received. ``method`` is the Web API method, or
    ``"response_url"`` for a post to a response URL (then ``args`` is the posted JSON)."""

    method: str
    args: dict[str, Any]
    time: float  # the fake's clock at arrival (time.monotonic unless a test sets ``clock``)
    token: str | None
    status: int
    response: Any
    path: str

    @property
    def ok(self) -> bool:
        if isinstance(self.response, Mapping):
            return self.status == 200 and self.response.get("ok") is True
        return self.status == 200


@dataclass(frozen=True)
class SocketAck:
    """The client's answer to a Socket Mode envelope, ``{"envelope_id", "payload"?}``."""

    envelope_id: str
    payload: dict[str, Any] | None
    elapsed: float  # seconds from sending the envelope to receiving the ack
    envelope: dict[str, Any]
    raw: dict[str, Any]


class PendingAck:
    """Returned by ``push_*``: awaiting it yields the :class:`SocketAck`.

    Sending already started when it was created, so a test can push several envelopes
    and await the acks later. Awaiting raises ``TimeoutError`` if no ack comes within
    the fake's ``ack_timeout`` — bolt sends none when no listener matched (404).
    """

    def __init__(self, envelope: dict[str, Any], timeout: float) -> None:
        self.envelope = envelope
        self.envelope_id: str = envelope["envelope_id"]
        self.sent_at: float | None = None
        self._timeout = timeout
        self._future: asyncio.Future[SocketAck] = asyncio.get_running_loop().create_future()

    def done(self) -> bool:
        return self._future.done()

    async def wait(self, timeout: float | None = None) -> SocketAck:
        limit = self._timeout if timeout is None else timeout
        try:
            return await asyncio.wait_for(asyncio.shield(self._future), limit)
        except TimeoutError:
            kind = self.envelope["type"]
            raise TimeoutError(
                f"no ack for {kind} envelope {self.envelope_id} in {limit}s"
            ) from None

    def __await__(self) -> Generator[Any, None, SocketAck]:
        return self.wait().__await__()


@dataclass
class _Fault:
    error: str
    status: int
    remaining: int
    retry_after: int | None = None


@dataclass
class _RateLimit:
    """Token bucket: ``per_second`` refill, ``burst`` capacity, one bucket per channel if
    ``per_channel`` (chat.postMessage allows ~1 message/second/channel with short bursts)."""

    per_second: float
    burst: int
    per_channel: bool
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, key: str, now: float) -> int | None:
        """Consume a token; return the Retry-After seconds if none is available."""
        tokens, last = self.buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        if tokens >= 1.0:
            self.buckets[key] = (tokens - 1.0, now)
            return None
        self.buckets[key] = (tokens, now)
        return max(1, math.ceil((1.0 - tokens) / self.per_second))


class FakeSlack:
    """A Slack workspace with one app installed, served on 127.0.0.1 (random port).

    State a test can read: ``calls``, ``messages`` (posted/updated messages), ``views``
    (by view id), ``home_views`` (by user id), ``users``, ``socket_messages`` (all JSON the
    Socket Mode client sent), ``socket_connections`` (how many were ever opened).
    """

    def __init__(
        self,
        *,
        bot_token: str = DEFAULT_BOT_TOKEN,
        app_token: str = DEFAULT_APP_TOKEN,
        team_id: str = DEFAULT_TEAM_ID,
        team_domain: str = DEFAULT_TEAM_DOMAIN,
        app_id: str = DEFAULT_APP_ID,
        bot_user_id: str = DEFAULT_BOT_USER_ID,
        bot_id: str = DEFAULT_BOT_ID,
        scopes: str = DEFAULT_SCOPES,
        trigger_ttl: float = 3.0,
        ack_timeout: float = ARRIVAL_TIMEOUT_S,
        strict_users: bool = False,
        deactivated_dm_error: str | None = "is_archived",
    ) -> None:
        """``trigger_ttl``: Slack's trigger ids work once, within 3 s. ``strict_users``:
        unknown user ids answer ``user_not_found`` instead of being auto-created.
        ``deactivated_dm_error``: what chat.postMessage to a deactivated user's DM answers
        (Slack is not consistent here; ``None`` makes it succeed, as slack_sdk#1156 saw)."""
        self.bot_token, self.app_token = bot_token, app_token
        self.team_id, self.team_domain, self.app_id = team_id, team_domain, app_id
        self.bot_user_id, self.bot_id, self.scopes = bot_user_id, bot_id, scopes
        self.trigger_ttl, self.ack_timeout = trigger_ttl, ack_timeout
        self.strict_users, self.deactivated_dm_error = strict_users, deactivated_dm_error
        #: Stamps each call's ``time``. A test of the adapter's pacing sets the clock it gave
        #: the pacer, so gaps read the sender's grants rather than arrival jitter.
        self.clock: Callable[[], float] = time.monotonic
        self.calls: list[SlackCall] = []
        self.messages: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.socket_messages: list[dict[str, Any]] = []
        self.socket_connections = 0
        self._tokens: set[str] = {bot_token}
        self._revoked: set[str] = set()
        self._faults: dict[str, list[_Fault]] = {}
        self._limits: dict[str, _RateLimit] = {}
        self._custom: dict[str, ApiHandler] = {}
        self._triggers: dict[str, tuple[float, bool]] = {}
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._pending: dict[str, PendingAck] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Condition()
        self._last_ts = 0.0
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.add_user(bot_user_id, name="mentorbot", is_bot=True)

    # ---------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{response_id}", self._handle_response_url)
        app.router.add_get("/link/", self._handle_socket)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()  # port 0: never collide
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/"

    async def close(self) -> None:
        """Stop everything. Close apps/clients first, or they will try to reconnect."""
        for task in list(self._tasks):
            task.cancel()
        for pending in self._pending.values():
            pending._future.cancel()
        for ws in list(self._sockets):
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"fake slack closing")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        """Give this to ``AsyncWebClient(base_url=...)``; ends with "/" like slack.com's."""
        return self.base_url + "api/"

    # ----------------------------------------------------------- configuration

    def dm_channel_id(self, user_id: str) -> str:
        """The DM id conversations.open returns for ``user_id`` (stable: ``"D" + id``)."""
        return dm_channel_id(user_id)

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        deleted: bool = False,
        is_bot: bool = False,
        tz: str = "Europe/London",
        tz_offset: int = 0,
        email: str | None = None,
    ) -> dict[str, Any]:
        """Add or replace a user; returns the object ``users.info`` will answer."""
        name = name or user_id.lower()
        real_name = real_name or name.title()
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": deleted,
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": tz_offset,
            "profile": {
                "real_name": real_name,
                "display_name": name,
                "email": email or f"{name}@example.com",
                "team": self.team_id,
                "status_text": "",
                "status_emoji": "",
                "status_expiration": 0,
            },
            "is_admin": is_admin or is_owner,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
        }
        self.users[user_id] = user
        return user

    def set_status(
        self, user_id: str, text: str = "", emoji: str = "", *, expiration: int = 0
    ) -> None:
        """Set a user's status as Slack's client would (``expiration``: epoch seconds,
        0 for none); ``users.info`` and ``users.profile.get`` answer it."""
        profile = self._user(user_id, "user_not_found")["profile"]
        profile.update(status_text=text, status_emoji=emoji, status_expiration=expiration)

    def deactivate_user(self, user_id: str) -> None:
        self._user(user_id, "user_not_found")["deleted"] = True

    def add_token(self, token: str) -> None:
        """Accept another bot/user token (e.g. a second installation)."""
        self._tokens.add(token)
        self._revoked.discard(token)

    def revoke_token(self, token: str) -> None:
        """Later calls with ``token`` answer ``token_revoked`` (as after an uninstall)."""
        self._revoked.add(token)

    def handle(self, method: str, func: ApiHandler) -> None:
        """Serve any other Web API method: ``func(args)`` returns the body minus ``ok``,
        or raises :class:`FakeApiError`. Overrides built-in methods too."""
        self._custom[method] = func

    # ---------------------------------------------------------- fault injection

    def fail_next(
        self, method: str, error: str = "channel_not_found", count: int = 1, *, status: int = 200
    ) -> None:
        """The next ``count`` calls answer ``{"ok": false, "error": error}`` (HTTP 200 like
        Slack; pass ``status=500``/``503`` to exercise server-error retries)."""
        self._faults.setdefault(method, []).append(_Fault(error, status, count))

    def inject_429(self, method: str, count: int = 1, retry_after: int = 1) -> None:
        """The next ``count`` calls answer HTTP 429 ``ratelimited`` with ``Retry-After``."""
        self._faults.setdefault(method, []).append(_Fault("ratelimited", 429, count, retry_after))

    def rate_limit(
        self, method: str, per_second: float, *, per_channel: bool = False, burst: int = 1
    ) -> None:
        """Enforce a rate: excess calls get 429 + ``Retry-After`` (whole seconds, >= 1)."""
        self._limits[method] = _RateLimit(per_second, burst, per_channel)

    def clear_faults(self) -> None:
        self._faults.clear()
        self._limits.clear()

    # ------------------------------------------------------------------ records

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[SlackCall]:
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def responses(self) -> list[SlackCall]:
        """Everything posted to response URLs (bolt's ``respond()``)."""
        return self.calls_to("response_url")

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["channel"] == channel]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = ARRIVAL_TIMEOUT_S,
        *,
        ok: bool | None = None,
    ) -> list[SlackCall]:
        """Wait until ``count`` calls to ``method`` arrived. Needed because bolt runs the
        rest of a listener after the ack, so its API calls land later."""

        def enough() -> bool:
            return len(self.calls_to(method, ok=ok)) >= count

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(enough), timeout)
            except TimeoutError:
                got = len(self.calls_to(method, ok=ok))
                raise TimeoutError(f"{method}: {got} of {count} calls after {timeout}s") from None
        return self.calls_to(method, ok=ok)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ---------------------------------------------------------------- Web API

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            try:
                args.update(json.loads(await request.text() or "{}"))
            except (ValueError, TypeError):
                return web.json_response({"ok": False, "error": "invalid_json"})
        elif request.can_read_body:
            args.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        for key in _JSON_ARGS:
            if isinstance(args.get(key), str) and args[key][:1] in ("[", "{"):
                args[key] = json.loads(args[key])
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else args.pop("token", None)
        status, body, headers = self._answer(method, args, token)
        self.calls.append(SlackCall(method, args, self.clock(), token, status, body, request.path))
        await self._notify()
        return web.json_response(body, status=status, headers=headers)

    def _answer(
        self, method: str, args: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        fault = self._take_fault(method)
        if fault is not None:
            headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            return fault.status, {"ok": False, "error": fault.error}, headers
        auth_error = self._auth_error(method, token)
        if auth_error:
            return 200, {"ok": False, "error": auth_error}, {}
        limit = self._limits.get(method)
        if limit is not None:
            key = str(args.get("channel", "")) if limit.per_channel else ""
            retry_after = limit.take(key, time.monotonic())
            if retry_after is not None:
                headers = {"Retry-After": str(retry_after)}
                return 429, {"ok": False, "error": "ratelimited"}, headers
        handler = self._custom.get(method) or self._builtin(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}, {}
        try:
            body = handler(args)
        except FakeApiError as e:
            return 200, {"ok": False, "error": e.error}, {}
        headers = {"x-oauth-scopes": self.scopes} if method == "auth.test" else {}
        return 200, {"ok": True, **body}, headers

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults.get(method, []):
            if fault.remaining > 0:
                fault.remaining -= 1
                return fault
        return None

    def _auth_error(self, method: str, token: str | None) -> str | None:
        if not token:
            return "not_authed"
        if token in self._revoked:
            return "token_revoked"
        is_app_token = token.startswith("xapp-")
        known = token == self.app_token if is_app_token else token in self._tokens
        if not known:
            return "invalid_auth"
        if is_app_token != method.startswith("apps.connections."):
            return "not_allowed_token_type"
        return None

    def _builtin(self, method: str) -> ApiHandler | None:
        return {
            "auth.test": self._auth_test,
            "apps.connections.open": self._connections_open,
            "conversations.open": self._conversations_open,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._chat_update,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "users.profile.get": self._users_profile_get,
        }.get(method)

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_domain.replace("-", " ").title(),
            "user": self.users[self.bot_user_id]["name"],
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        ticket = secrets.token_hex(16)
        self._tickets.add(ticket)
        ws_base = "ws" + self.base_url.removeprefix("http")
        return {"url": f"{ws_base}link/?ticket={ticket}&app_id={self.app_id}"}

    def _user(self, user_id: str, error: str) -> dict[str, Any]:
        if user_id not in self.users:
            if self.strict_users or user_id[:1] not in ("U", "W"):
                raise FakeApiError(error)
            self.add_user(user_id)
        return self.users[user_id]

    def _dm_user(self, channel: str) -> str | None:
        """The user a DM-ish channel argument points at (a ``D`` id or a user id)."""
        if channel[:1] in ("U", "W"):
            return channel
        if channel.startswith("D") and channel[1:2] in ("U", "W"):
            return channel[1:]
        return None

    def _check_dm(self, user_id: str, *, opening: bool) -> None:
        user = self._user(user_id, "user_not_found" if opening else "channel_not_found")
        if user["is_bot"]:
            raise FakeApiError("cannot_dm_bot")
        if user["deleted"]:
            if opening:
                raise FakeApiError("user_disabled")
            if self.deactivated_dm_error:
                raise FakeApiError(self.deactivated_dm_error)

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            return {"channel": {"id": args["channel"]}}
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users:
            raise FakeApiError("users_list_not_supplied")
        for user_id in users:
            self._check_dm(user_id, opening=True)
        if len(users) == 1:
            return {"channel": {"id": dm_channel_id(users[0])}}
        digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()
        return {"channel": {"id": "C" + digest[:10].upper()}}  # an mpim

    def _next_ts(self) -> str:
        """Strictly increasing, like Slack's per-channel message timestamps."""
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _target_channel(self, args: dict[str, Any]) -> str:
        channel = str(args.get("channel") or "")
        if not channel:
            raise FakeApiError("channel_not_found")
        user_id = self._dm_user(channel)
        if user_id is None:
            return channel
        self._check_dm(user_id, opening=False)
        return dm_channel_id(user_id)

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._target_channel(args)
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            raise FakeApiError("no_text")
        message = self.remember_message(
            channel,
            args.get("text", ""),
            blocks=args.get("blocks"),
            thread_ts=args.get("thread_ts"),
        )
        return {"channel": channel, "ts": message["ts"], "message": message}

    def remember_message(self, channel: str, text: str = "", **fields: Any) -> dict[str, Any]:
        """Store a bot message as if posted (so chat.update on it works); returns it."""
        message = {
            "type": "message",
            "subtype": "bot_message",
            "text": text,
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "ts": self._next_ts(),
            "blocks": [],
            **{k: v for k, v in fields.items() if v is not None},
            "channel": channel,
        }
        self.messages.append(message)
        return message

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self._target_channel(args)
        user = self._user(str(args.get("user") or ""), "user_not_in_channel")
        if user["deleted"]:
            raise FakeApiError("user_not_in_channel")
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            raise FakeApiError("no_text")
        return {"message_ts": self._next_ts()}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._target_channel(args)
        found = [m for m in self.messages_in(channel) if m["ts"] == args.get("ts")]
        if not found:
            raise FakeApiError("message_not_found")
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            raise FakeApiError("no_text")
        message = found[0]
        message.update({k: args[k] for k in ("text", "blocks") if k in args})
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"],
            "message": message,
        }

    # ------------------------------------------------------------------ views

    def new_trigger_id(self) -> str:
        """A trigger id this fake will honour once, within ``trigger_ttl`` seconds."""
        trigger_id = new_trigger_id()
        self._triggers[trigger_id] = (time.monotonic(), False)
        return trigger_id

    def _use_trigger(self, trigger_id: str | None) -> None:
        if not trigger_id or trigger_id not in self._triggers:
            raise FakeApiError("invalid_trigger_id")
        issued, used = self._triggers[trigger_id]
        if used:
            raise FakeApiError("exchanged_trigger_id")
        if time.monotonic() - issued > self.trigger_ttl:
            raise FakeApiError("expired_trigger_id")
        self._triggers[trigger_id] = (issued, True)

    def _store_view(self, spec: Any, *, view_id: str | None = None) -> dict[str, Any]:
        if not isinstance(spec, Mapping) or "type" not in spec:
            raise FakeApiError("invalid_arguments")
        view_id = view_id or new_id("V")
        view = view_object(
            view_id, spec, team_id=self.team_id, app_id=self.app_id, bot_id=self.bot_id
        )
        self.views[view_id] = view
        return view

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        self._use_trigger(args.get("trigger_id"))
        return {"view": self._store_view(args.get("view"))}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        if not view_id and args.get("external_id"):
            matches = [v for v in self.views.values() if v["external_id"] == args["external_id"]]
            view_id = matches[0]["id"] if matches else None
        if view_id not in self.views:
            raise FakeApiError("not_found")
        if args.get("hash") and args["hash"] != self.views[view_id]["hash"]:
            raise FakeApiError("hash_conflict")
        return {"view": self._store_view(args.get("view"), view_id=view_id)}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user_id") or "")
        self._user(user_id, "user_not_found")
        view = self._store_view(args.get("view"))
        self.home_views[user_id] = view
        return {"view": view}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"user": self._user(str(args.get("user") or ""), "user_not_found")}

    def _users_profile_get(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"profile": self._user(str(args.get("user") or ""), "user_not_found")["profile"]}

    # ----------------------------------------------------------- response_url

    def new_response_url(self) -> str:
        return f"{self.base_url}response/{secrets.token_hex(8)}"

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        text = await request.text()
        try:
            args = json.loads(text) if text else {}
        except json.JSONDecodeError:
            args = {"_raw": text}
        status, body = 200, "ok"
        fault = self._take_fault("response_url")
        if fault is not None:  # e.g. fail_next("response_url", "expired_url"): HTTP 404
            status, body = (404 if fault.status == 200 else fault.status), fault.error
        self.calls.append(
            SlackCall("response_url", args, time.monotonic(), None, status, body, request.path)
        )
        await self._notify()
        return web.Response(status=status, text=body)

    # -------------------------------------------------------------- Socket Mode

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("ticket") not in self._tickets:
            return web.Response(status=401, text="invalid_ticket")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connections += 1
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "debug_info": {
                    "host": "fake-applink",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.app_id},
            }
        )
        await self._notify()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        data = json.loads(msg.data)
                    except ValueError:
                        data = {"_raw": msg.data}
                    self._on_client_message(data if isinstance(data, dict) else {"_raw": data})
        finally:
            self._sockets.remove(ws)
        return ws

    def _on_client_message(self, data: dict[str, Any]) -> None:
        self.socket_messages.append(data)
        pending = self._pending.pop(str(data.get("envelope_id")), None)
        if pending is None or pending.done():
            return
        elapsed = time.monotonic() - (pending.sent_at or time.monotonic())
        ack = SocketAck(pending.envelope_id, data.get("payload"), elapsed, pending.envelope, data)
        pending._future.set_result(ack)

    async def wait_socket_connected(
        self, timeout: float = ARRIVAL_TIMEOUT_S, *, total: int = 1
    ) -> web.WebSocketResponse:
        """Wait for an open Socket Mode connection, and for ``total`` ever opened (use
        ``total=2`` to wait for a reconnect). Returns the newest connection."""

        def ready() -> bool:
            return bool(self._sockets) and self.socket_connections >= total

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(ready), timeout)
            except TimeoutError:
                raise TimeoutError(f"no Socket Mode connection #{total} in {timeout}s") from None
            return self._sockets[-1]

    def push_envelope(
        self,
        envelope_type: str,
        payload: Mapping[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> PendingAck:
        """Send a raw envelope to the newest connection (waiting for one if needed)."""
        envelope = socket_mode_envelope(
            envelope_type, payload, retry_attempt=retry_attempt, retry_reason=retry_reason
        )
        pending = PendingAck(envelope, self.ack_timeout)
        self._pending[pending.envelope_id] = pending
        self._spawn(self._send_envelope(pending))
        return pending

    async def _send_envelope(self, pending: PendingAck) -> None:
        try:
            ws = await self.wait_socket_connected(self.ack_timeout)
            pending.sent_at = time.monotonic()
            await ws.send_json(pending.envelope)
        except Exception as e:
            if not pending.done():
                pending._future.set_exception(e)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's ``disconnect`` message: the client must open a new connection."""
        for ws in list(self._sockets):
            await ws.send_json(
                {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-applink"}}
            )

    # Payload factories bound to this workspace (fake response URLs, honoured triggers).

    def slash_command(self, command: str, text: str = "", **kw: Any) -> dict[str, str]:
        kw.setdefault("user_id", DEFAULT_USER_ID)
        return slash_command_payload(command, text, **self._ids(kw, response_url=True), **kw)

    def block_action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        view_id: str | None = None,
        message_ts: str | None = None,
        **kw: Any,
    ) -> dict[str, Any]:
        """A click; in view ``view_id`` if given, else on bot message ``message_ts`` (or a
        new stored bot message) in ``channel_id`` / the user's DM."""
        kw.setdefault("user_id", DEFAULT_USER_ID)
        if view_id is not None:
            kw["view"] = self.views.get(view_id, {"id": view_id})
        else:
            channel = kw.setdefault("channel_id", dm_channel_id(kw["user_id"]))
            found = [m for m in self.messages_in(channel) if m["ts"] == message_ts]
            if "message" not in kw:
                stored = found[0] if found else self.remember_message(channel)
                kw["message"] = {k: v for k, v in stored.items() if k != "channel"}
        return block_action_payload(
            action_id, value, **self._ids(kw, response_url=view_id is None), **kw
        )

    def view_submission(
        self,
        callback_id: str = "",
        values: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        view_id: str | None = None,
        **kw: Any,
    ) -> dict[str, Any]:
        """Submit view ``view_id`` (one the app opened; its callback_id is kept)."""
        if view_id is not None:
            kw["view"] = self.views.get(view_id, {"id": view_id})
        kw.setdefault("bot_id", self.bot_id)
        return view_submission_payload(callback_id, values, **self._ids(kw), **kw)

    def event_callback(self, event: Mapping[str, Any], **kw: Any) -> dict[str, Any]:
        kw.setdefault("team_id", self.team_id)
        kw.setdefault("api_app_id", self.app_id)
        kw.setdefault("bot_user_id", self.bot_user_id)
        return event_callback_payload(event, **kw)

    def _ids(self, kw: dict[str, Any], *, response_url: bool = False) -> dict[str, Any]:
        """This workspace's ids, a trigger id it will honour and (if the payload type has
        one) a response URL it records — for whichever of those ``kw`` doesn't set."""
        extra: dict[str, Any] = {
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "api_app_id": self.app_id,
        }
        if "trigger_id" not in kw:
            extra["trigger_id"] = self.new_trigger_id()
        if response_url:
            extra["response_url"] = self.new_response_url()
        return {k: v for k, v in extra.items() if k not in kw}

    def push_slash_command(self, command: str, text: str = "", **kw: Any) -> PendingAck:
        return self.push_envelope("slash_commands", self.slash_command(command, text, **kw))

    def push_block_action(self, action_id: str, value: str | None = None, **kw: Any) -> PendingAck:
        return self.push_envelope("interactive", self.block_action(action_id, value, **kw))

    def push_view_submission(
        self,
        callback_id: str = "",
        values: Mapping[str, Mapping[str, Any]] | None = None,
        **kw: Any,
    ) -> PendingAck:
        payload = self.view_submission(callback_id, values, **kw)
        return self.push_envelope("interactive", payload)

    def push_event(
        self,
        event: Mapping[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        **kw: Any,
    ) -> PendingAck:
        return self.push_envelope(
            "events_api",
            self.event_callback(event, **kw),
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )

    # --------------------------------------------------------------- HTTP mode

    async def post_signed(
        self,
        url: str,
        body: bytes | Mapping[str, Any],
        signing_secret: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> tuple[int, str]:
        """POST a payload to an HTTP-mode app the way Slack does; returns (status, body).

        Mappings are encoded by :func:`encode_for_http`; raw bytes are sent as they are
        (JSON if they start with ``{``). ``signature`` overrides the computed one."""
        if isinstance(body, bytes):
            raw = body
            is_json = body.lstrip()[:1] == b"{"
            content_type = "application/json" if is_json else "application/x-www-form-urlencoded"
        else:
            raw, content_type = encode_for_http(body)
        headers = sign_request(raw, signing_secret, timestamp)
        if signature is not None:
            headers["X-Slack-Signature"] = signature
        headers["Content-Type"] = content_type
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=raw, headers=headers) as resp,
        ):
            return resp.status, await resp.text()
