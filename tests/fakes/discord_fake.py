"""FakeDiscord: a local stand-in for Discord's REST API and gateway, for end-to-end tests.

The real, unmodified discord.py 2.7 client connects to it; only two class attributes change
(``configure_discord_client`` below), so adapter tests exercise discord.py's own rate-limit
handling, gateway state machine, app-command dispatch and interaction webhooks.

Usage::

    async with FakeDiscord(heartbeat_interval_ms=500) as fake:
        guild = fake.add_guild("Mentor Lab")
        restore = configure_discord_client(fake.api_url, fake.gateway_url)
        try:
            client = discord.Client(intents=intents, guild_ready_timeout=0.1)
            async with client:
                await client.login(fake.token)
                task = asyncio.create_task(client.connect())
                await client.wait_until_ready()
                payload = fake.slash_command_interaction("mentor", "level", {"track": "ml"})
                await fake.dispatch("INTERACTION_CREATE", payload)
                reply = await fake.wait_interaction_response(int(payload["id"]))
                assert reply.type == 4 and reply.elapsed < 3
            await task
        finally:
            restore()

Pointing discord.py at the fake (what the adapter's ``DISCORD_API_URL`` setting must do):

1. ``discord.http.Route.BASE = api_url``. Every REST call, including interaction callbacks and
   follow-up webhooks, builds ``Route.BASE + path`` when the request is made, so it must be set
   before ``login()``; setting it before the client is created is the simple rule.
2. ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)`` before
   ``connect()``. A plain ``discord.Client`` never asks ``/gateway/bot``: it connects to that
   default, then uses READY's ``resume_gateway_url`` for RESUMEs. ``AutoShardedClient`` asks
   ``GET /gateway/bot`` for its first connection, but after an INVALID_SESSION (and whenever
   ``shard_count`` is passed) it too falls back to the default - so patch it in both cases.
   ``GET {api_url}/gateway`` (no auth, like Discord) tells the URL: ``discover_gateway_url``.

Both are process-wide class attributes: restore them after each test.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

from tests.fakes import ARRIVAL_TIMEOUT_S
from tests.fakes.discord_gateway import FakeGateway, GatewaySession
from tests.fakes.discord_payloads import (
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    JSON,
    PRIVILEGED_INTENTS,
    DiscordError,
    FakeChannel,
    FakeMessage,
    Intents,
    error_body,
)
from tests.fakes.discord_routes import (
    RECORD_KEY,
    RecordedRequest,
    add_routes,
    json_response,
    route_matches,
)
from tests.fakes.discord_world import (
    FakeInteraction,
    FakeWorld,
    InteractionCallback,
    Waiters,
)

_log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
DEFAULT_TOKEN = "fake-bot-token.mentorbot.0123456789"
RATE_LIMIT_MESSAGE = "You are being rate limited."
_CODE_MESSAGES = {50001: "Missing Access", 50013: "Missing Permissions"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Injection:
    """A canned response served instead of the real one, ``remaining`` more times."""

    pattern: str
    status: int
    remaining: int
    body: JSON
    retry_after: float = 0.0
    global_: bool = False
    scope: str = "user"
    hits: int = 0


@dataclass
class _Bucket:
    remaining: int
    reset_at: float


def configure_discord_client(api_url: str, gateway_url: str | None = None) -> Callable[[], None]:
    """Point discord.py at ``api_url``/``gateway_url``; returns a function undoing it.

    ``gateway_url`` defaults to the fake's layout (``ws[s]://host:port/gateway``); against any
    other server pass it, or get it with ``discover_gateway_url``.
    """
    import discord.gateway
    import discord.http
    import yarl

    route, ws_cls = discord.http.Route, discord.gateway.DiscordWebSocket
    previous = (route.BASE, ws_cls.DEFAULT_GATEWAY)
    if gateway_url is None:
        url = yarl.URL(api_url)
        gateway_url = str(
            url.with_scheme("wss" if url.scheme == "https" else "ws").with_path("/gateway")
        )
    route.BASE = api_url.rstrip("/")
    ws_cls.DEFAULT_GATEWAY = yarl.URL(gateway_url)

    def restore() -> None:
        route.BASE, ws_cls.DEFAULT_GATEWAY = previous

    return restore


async def discover_gateway_url(api_url: str) -> str:
    """``GET {api_url}/gateway`` - public on Discord too, so the adapter can do the same."""
    async with aiohttp.ClientSession() as session, session.get(f"{api_url}/gateway") as resp:
        resp.raise_for_status()
        return str((await resp.json())["url"])


class FakeDiscord(FakeWorld):
    """Discord REST + gateway on 127.0.0.1:<ephemeral port>; see the module docstring.

    The world (users, guilds, messages, event builders such as ``slash_command_interaction``)
    is inherited from ``FakeWorld``; this class adds the server, rate limits and failures.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "Mentorbot",
        heartbeat_interval_ms: int = 41_250,
        shard_count: int = 1,
        privileged_intents: int = int(PRIVILEGED_INTENTS),
        interaction_deadline_s: float = 3.0,
    ) -> None:
        super().__init__(bot_username=bot_username, interaction_deadline_s=interaction_deadline_s)
        self.token = token
        self.session_start_remaining = 1000
        self.gateway = FakeGateway(
            self,
            heartbeat_interval_ms=heartbeat_interval_ms,
            shard_count=shard_count,
            privileged_intents=privileged_intents,
        )
        # What the client did (plus ``messages``, ``commands``, ``interactions`` of the world).
        self.requests: list[RecordedRequest] = []
        #: The bytes of every file attached to a message, by file name (the last wins).
        self.uploads: dict[str, bytes] = {}
        self.command_writes: Counter[int | None] = Counter()
        self.invalid_requests: Counter[int] = Counter()  # status -> count (401/403/429)
        self.internal_errors: list[Exception] = []  # bugs in the fake itself; should stay empty
        # Behaviour knobs (plain attributes: change them at any time).
        self.global_limit_per_s: float | None = None
        self.bucket_limit = 50
        self.bucket_window_s = 1.0
        self.invalid_request_limit: int | None = None  # reaching it => Cloudflare-style ban
        self.banned = False
        self.forbidden_dm_users: set[int] = set()
        self.forbidden_channels: dict[int, int] = {}  # channel id -> error code
        self.injections: list[Injection] = []
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._global_window: deque[float] = deque()
        self._request_waiters: Waiters[RecordedRequest] = Waiters()
        self._runner: web.AppRunner | None = None
        self._base = ""

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        self._add_routes(app.router)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._base = f"{host}:{port}"

    async def close(self) -> None:
        """Close gateway sockets (1001 going away) then the server. Close clients first."""
        await self.gateway.disconnect(1001, "FakeDiscord shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        return f"http://{self._base}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self._base}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self._base}/gateway/resume"

    @property
    def application_flags(self) -> int:
        allowed = self.gateway.privileged_intents
        flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        for intent, flag in (
            (Intents.GUILD_PRESENCES, 1 << 13),
            (Intents.GUILD_MEMBERS, 1 << 15),
            (Intents.MESSAGE_CONTENT, 1 << 19),
        ):
            if allowed & intent:
                flags |= flag  # the *_LIMITED flags: allowed for bots under 100 guilds
        return flags

    def configure_discord_client(self) -> Callable[[], None]:
        """``configure_discord_client(self.api_url, self.gateway_url)``; returns the undo."""
        return configure_discord_client(self.api_url, self.gateway_url)

    # -- failure injection -------------------------------------------------------------------

    def inject_429(
        self,
        route_pattern: str,
        count: int = 1,
        retry_after: float = 0.2,
        global_: bool = False,
        scope: str | None = None,
    ) -> Injection:
        """Answer the next ``count`` matching requests with Discord's 429.

        Headers and body are Discord's (incl. ``Via: 1.1 google`` and a JSON body), which is
        what makes discord.py sleep ``retry_after`` and retry - at most 5 attempts in total,
        so ``count >= 5`` surfaces as ``discord.HTTPException`` (status 429).
        """
        body = {"message": RATE_LIMIT_MESSAGE, "retry_after": retry_after, "global": global_}
        scope = scope or ("global" if global_ else "user")
        injection = Injection(route_pattern, 429, count, body, retry_after, global_, scope)
        self.injections.append(injection)
        return injection

    def inject_error(
        self, route_pattern: str, status: int, code: int, message: str, count: int = 1
    ) -> Injection:
        """Answer the next ``count`` matching requests with a Discord JSON error."""
        injection = Injection(route_pattern, status, count, error_body(code, message))
        self.injections.append(injection)
        return injection

    def forbid_dm(self, user_id: int) -> None:
        """The user blocks DMs: sends to their DM channel answer 403 code 50007."""
        self.forbidden_dm_users.add(user_id)

    def forbid_channel(self, channel_id: int, code: int = 50001) -> None:
        """Sends to the channel answer 403 (50001 Missing Access, 50013 Missing Permissions)."""
        self.forbidden_channels[channel_id] = code

    @property
    def invalid_request_count(self) -> int:
        """401/403/429 answers (not shared-scope 429s): Discord bans IPs at 10,000 per 10 min."""
        return sum(self.invalid_requests.values())

    # -- waiting & inspection ----------------------------------------------------------------

    def requests_matching(self, pattern: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.matches(pattern)]

    async def wait_for_request(
        self, pattern: str, timeout: float = ARRIVAL_TIMEOUT_S
    ) -> RecordedRequest:
        """Wait for the next answered request matching ``pattern``."""
        return await self._request_waiters.wait(lambda r: r.matches(pattern), timeout, pattern)

    # -- gateway facade ----------------------------------------------------------------------

    async def dispatch(self, event: str, data: JSON, *, shard_id: int | None = None) -> int:
        """Send a gateway DISPATCH; returns how many sessions got it (0 = filtered by intents)."""
        return await self.gateway.dispatch(event, data, shard_id=shard_id)

    async def wait_for_session(
        self, kind: str = "identify", timeout: float = ARRIVAL_TIMEOUT_S
    ) -> GatewaySession:
        return await self.gateway.wait_for_session(kind, timeout)

    # -- HTTP plumbing -----------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)  # the gateway websocket
        rec = await self._record(request)
        request[RECORD_KEY] = rec
        bucket = _bucket_for(rec.method, rec.path)
        response = self._preflight(request, rec, bucket)
        if response is None:
            try:
                response = await handler(request)
            except DiscordError as exc:
                response = json_response(exc.body, exc.status)
            except web.HTTPException as exc:
                response = json_response(error_body(0, f"{exc.status}: {exc.reason}"), exc.status)
            except Exception as exc:  # a bug in the fake: keep it visible, not a hung test
                _log.exception("FakeDiscord failed on %s %s", rec.method, rec.path)
                self.internal_errors.append(exc)
                response = json_response(error_body(0, f"FakeDiscord internal error: {exc!r}"), 500)
            if bucket is not None:
                response.headers.update(self._bucket_headers(bucket))
        if not self.banned or response.status != 429:
            response.headers["Via"] = "1.1 google"
        rec.status = response.status
        if rec.status in (401, 403) or (
            rec.status == 429 and response.headers.get("X-RateLimit-Scope") != "shared"
        ):
            self.invalid_requests[rec.status] += 1
            if (
                self.invalid_request_limit is not None
                and self.invalid_request_count >= self.invalid_request_limit
            ):
                self.banned = True
        self._request_waiters.notify(rec)
        return response

    async def _record(self, request: web.Request) -> RecordedRequest:
        body: Any = None
        files: list[str] = []
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, aiohttp.BodyPartReader):
                    continue
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    name = part.filename or str(part.name)
                    files.append(name)
                    self.uploads[name] = bytes(await part.read())
        elif request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        rec = RecordedRequest(
            method=request.method,
            path=request.path[len(API_PREFIX) :],
            query=dict(request.query),
            headers=dict(request.headers),
            json=body,
            files=files,
            at=time.monotonic(),
        )
        self.requests.append(rec)
        return rec

    def _preflight(
        self, request: web.Request, rec: RecordedRequest, bucket: tuple[str, str] | None
    ) -> web.Response | None:
        """Cloudflare ban, injections, auth, global limit, per-route bucket - in that order."""
        if self.banned:
            html = "<!DOCTYPE html><title>Access denied | discord.com</title>error code: 1015"
            return web.Response(
                status=429, text=html, content_type="text/html", headers={"Retry-After": "600"}
            )
        for injection in self.injections:
            if injection.remaining > 0 and rec.matches(injection.pattern):
                injection.remaining -= 1
                injection.hits += 1
                if injection.status == 429:
                    return self._rate_limited(
                        injection.retry_after, injection.global_, injection.scope, bucket
                    )
                return json_response(injection.body, injection.status)
        exempt = rec.path.startswith(("/interactions/", "/webhooks/")) or rec.path == "/gateway"
        if not exempt and request.headers.get("Authorization") != f"Bot {self.token}":
            return json_response(error_body(0, "401: Unauthorized"), 401)
        now = time.monotonic()
        if self.global_limit_per_s is not None and not exempt:
            window = self._global_window
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self.global_limit_per_s:
                return self._rate_limited(round(window[0] + 1.0 - now, 3), True, "global", None)
            window.append(now)
        if bucket is not None:
            state = self._buckets.get(bucket)
            if state is None or state.reset_at <= now:
                state = self._buckets[bucket] = _Bucket(
                    self.bucket_limit, now + self.bucket_window_s
                )
            if state.remaining <= 0:
                return self._rate_limited(round(state.reset_at - now, 3), False, "user", bucket)
            state.remaining -= 1
        return None

    def _bucket_headers(self, bucket: tuple[str, str]) -> dict[str, str]:
        state = self._buckets.get(bucket) or _Bucket(
            self.bucket_limit, time.monotonic() + self.bucket_window_s
        )
        reset_after = max(0.0, state.reset_at - time.monotonic())
        return {
            "X-RateLimit-Limit": str(self.bucket_limit),
            "X-RateLimit-Remaining": str(max(0, state.remaining)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket[0],
        }

    def _rate_limited(
        self, retry_after: float, global_: bool, scope: str, bucket: tuple[str, str] | None
    ) -> web.Response:
        headers = {
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Scope": scope,
        }
        if global_:
            headers["X-RateLimit-Global"] = "true"
        if bucket is not None:
            headers.update(
                {
                    "X-RateLimit-Limit": str(self.bucket_limit),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                    "X-RateLimit-Bucket": bucket[0],
                }
            )
        body = {"message": RATE_LIMIT_MESSAGE, "retry_after": retry_after, "global": global_}
        return json_response(body, 429, headers)

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        add_routes(self, router, API_PREFIX)
        router.add_get("/gateway", self.gateway.handle)
        router.add_get("/gateway/resume", self.gateway.handle)

    def check_can_send(self, channel: FakeChannel) -> None:
        code = self.forbidden_channels.get(channel.id)
        if code is not None:
            raise DiscordError(403, code, _CODE_MESSAGES.get(code, "Missing Access"))
        if channel.type == 1 and channel.recipient_id in self.forbidden_dm_users:
            raise DiscordError(403, 50007, "Cannot send messages to this user")


def _bucket_for(method: str, path: str) -> tuple[str, str] | None:
    """(bucket hash, major parameter) the way Discord scopes limits per route + major id."""
    if path.startswith("/gateway"):
        return None
    parts = path.strip("/").split("/")
    template: list[str] = []
    major: list[str] = []
    for i, part in enumerate(parts):
        prev = parts[i - 1] if i else ""
        if part.isdigit():
            if prev in ("channels", "guilds", "webhooks", "interactions") and not major:
                major.append(part)
            template.append("{id}")
        elif i >= 2 and prev.isdigit() and parts[i - 2] in ("webhooks", "interactions"):
            major.append(part)
            template.append("{token}")
        else:
            template.append(part)
    key = f"{method} /{'/'.join(template)}"
    return hashlib.sha1(key.encode()).hexdigest()[:32], ":".join(major)


__all__ = [
    "API_PREFIX",
    "DEFAULT_TOKEN",
    "FLAG_EPHEMERAL",
    "FLAG_LOADING",
    "DiscordError",
    "FakeDiscord",
    "FakeInteraction",
    "FakeMessage",
    "Injection",
    "InteractionCallback",
    "RecordedRequest",
    "configure_discord_client",
    "discover_gateway_url",
    "route_matches",
]
