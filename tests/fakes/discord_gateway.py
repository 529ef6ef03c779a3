"""The gateway (websocket) half of FakeDiscord.

It speaks the gateway v10 protocol the way discord.py 2.7 (gateway.py ``DiscordWebSocket``)
expects it, because the point of the fake is to run the *unmodified* client:

* URL query ``?v=10&encoding=json&compress=zlib-stream``. discord.py always asks for transport
  compression: ``zlib-stream`` normally, ``zstd-stream`` when the ``zstandard`` package (or
  Python 3.14's ``compression.zstd``) is importable. zlib-stream is one ``zlib.compressobj`` per
  connection, every payload flushed with ``Z_SYNC_FLUSH`` so it ends in ``00 00 ff ff`` - the
  marker discord.py waits for before it inflates its buffer. Without ``compress`` frames are
  plain JSON text.
* HELLO (op 10) first; IDENTIFY (op 2) -> READY then one GUILD_CREATE per guild on that shard;
  HEARTBEAT (op 1) -> HEARTBEAT_ACK (op 11); RESUME (op 6) -> replay of the missed dispatches,
  then RESUMED, or INVALID_SESSION (op 9) when the session is unknown.
* Close codes from Discord's table (4001 unknown opcode, 4002 decode error, 4003 not
  authenticated, 4004 bad token, 4005 already authenticated, 4008 rate limited, 4010 invalid
  shard, 4012 bad version, 4013 invalid intents, 4014 disallowed intents), so the adapter's
  reaction to them (e.g. ``discord.PrivilegedIntentsRequired``) can be tested.
* Events are filtered by the session's intents and guild message content is blanked without
  MESSAGE_CONTENT, as Discord does: a test that forgets an intent fails like production would.

Like Discord, a client close with 1000/1001 ends the session (no RESUME afterwards), while any
other drop leaves it resumable and buffers dispatches for the replay.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.fakes import ARRIVAL_TIMEOUT_S
from tests.fakes.discord_payloads import JSON, PRIVILEGED_INTENTS, Intents
from tests.fakes.discord_world import Waiters

if TYPE_CHECKING:
    from tests.fakes.discord_fake import FakeDiscord

_log = logging.getLogger(__name__)

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Discord allows 120 gateway sends per 60 s per connection, then closes with 4008.
GATEWAY_SEND_LIMIT = 120
GATEWAY_SEND_WINDOW_S = 60.0

# event -> (intent needed in a guild, intent needed in a DM); absent events are always sent.
_EVENT_INTENTS: dict[str, tuple[Intents, Intents]] = {
    **{
        e: (Intents.GUILDS, Intents.GUILDS)
        for e in (
            "GUILD_CREATE",
            "GUILD_UPDATE",
            "GUILD_DELETE",
            "CHANNEL_CREATE",
            "CHANNEL_UPDATE",
            "CHANNEL_DELETE",
            "GUILD_ROLE_CREATE",
            "GUILD_ROLE_UPDATE",
            "GUILD_ROLE_DELETE",
        )
    },
    **{
        e: (Intents.GUILD_MEMBERS, Intents.GUILD_MEMBERS)
        for e in ("GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE")
    },
    **{
        e: (Intents.GUILD_MESSAGES, Intents.DIRECT_MESSAGES)
        for e in ("MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE")
    },
    **{
        e: (Intents.GUILD_MESSAGE_REACTIONS, Intents.DIRECT_MESSAGE_REACTIONS)
        for e in ("MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE")
    },
    "TYPING_START": (Intents.GUILD_MESSAGE_TYPING, Intents.DIRECT_MESSAGE_TYPING),
    "PRESENCE_UPDATE": (Intents.GUILD_PRESENCES, Intents.GUILD_PRESENCES),
}


class UnsupportedCompressionError(ValueError):
    """The client asked for a transport compression this process cannot produce."""


def make_compressor(kind: str | None) -> Callable[[bytes], bytes] | None:
    """A per-connection stream compressor for the ``compress`` query value (None = plain)."""
    if kind is None:
        return None
    if kind == "zlib-stream":
        zobj = zlib.compressobj()
        return lambda data: zobj.compress(data) + zobj.flush(zlib.Z_SYNC_FLUSH)
    if kind == "zstd-stream":
        # discord.py only asks for zstd when it can import a decompressor, so one is here too.
        try:
            import zstandard  # type: ignore[import-not-found]
        except ImportError:
            try:
                from compression import zstd  # type: ignore[import-not-found]
            except ImportError as exc:
                raise UnsupportedCompressionError(kind) from exc
            zstd_c = zstd.ZstdCompressor()
            return lambda data: zstd_c.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)
        zs = zstandard.ZstdCompressor().compressobj()
        return lambda data: zs.compress(data) + zs.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    raise UnsupportedCompressionError(kind)


@dataclass
class GatewaySession:
    """An identified gateway session; it outlives connections so RESUME can replay."""

    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    identify: JSON
    seq: int = 0
    buffer: deque[tuple[int, JSON]] = field(default_factory=lambda: deque(maxlen=1000))
    connection: GatewayConnection | None = None
    resumes: int = 0
    invalidated: bool = False
    presence_updates: list[JSON] = field(default_factory=list)

    def next_frame(self, event: str, data: JSON) -> JSON:
        self.seq += 1
        frame = {"op": OP_DISPATCH, "t": event, "s": self.seq, "d": data}
        self.buffer.append((self.seq, frame))
        return frame


@dataclass
class GatewayConnection:
    """One websocket; sends are serialised because the zlib stream must stay in order."""

    ws: web.WebSocketResponse
    path: str
    query: dict[str, str]
    compression: str | None = None
    compressor: Callable[[bytes], bytes] | None = None
    session: GatewaySession | None = None
    heartbeats: int = 0
    server_close_code: int | None = None
    client_close_code: int | None = None  # discord.py's Client.close() sends 4000, not 1000
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _recv_times: deque[float] = field(default_factory=deque)

    async def send(self, payload: JSON) -> None:
        data = json.dumps(payload, separators=(",", ":"))
        async with self._lock:
            if self.compressor is not None:
                await self.ws.send_bytes(self.compressor(data.encode()))
            else:
                await self.ws.send_str(data)

    async def close(self, code: int, reason: str) -> None:
        if self.server_close_code is None:
            self.server_close_code = code
        await self.ws.close(code=code, message=reason.encode())

    def over_send_limit(self) -> bool:
        now = time.monotonic()
        self._recv_times.append(now)
        while self._recv_times and self._recv_times[0] < now - GATEWAY_SEND_WINDOW_S:
            self._recv_times.popleft()
        return len(self._recv_times) > GATEWAY_SEND_LIMIT


class FakeGateway:
    """Gateway state of one FakeDiscord: sessions, connections and what the client sent."""

    def __init__(
        self,
        fake: FakeDiscord,
        *,
        heartbeat_interval_ms: int,
        shard_count: int,
        privileged_intents: int,
    ) -> None:
        self._fake = fake
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.shard_count = shard_count
        self.privileged_intents = privileged_intents
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[GatewayConnection] = []
        self.received: list[JSON] = []  # every payload the client sent, in order
        self.heartbeat_count = 0
        self.identify_count = 0
        self._session_events: Waiters[tuple[str, GatewaySession]] = Waiters()

    # -- test-facing helpers ---------------------------------------------------------------

    @property
    def live_connections(self) -> list[GatewayConnection]:
        return [c for c in self.connections if not c.closed.is_set()]

    async def wait_for_session(
        self, kind: str = "identify", timeout: float = ARRIVAL_TIMEOUT_S
    ) -> GatewaySession:
        """Wait for the next IDENTIFY (``kind="identify"``) or RESUME (``"resume"``)."""
        _, session = await self._session_events.wait(lambda e: e[0] == kind, timeout, kind)
        return session

    async def dispatch(self, event: str, data: JSON, *, shard_id: int | None = None) -> int:
        """Send a DISPATCH to every session that would get it on Discord; returns how many.

        Guild events go to the shard owning the guild, DMs to shard 0. A session whose
        connection is down gets the event buffered, as Discord does, and receives it on RESUME.
        """
        sessions = [s for s in self.sessions.values() if not s.invalidated]
        if not sessions:
            raise RuntimeError("FakeDiscord: no gateway session; connect a client first")
        guild_id = data.get("guild_id")
        delivered = 0
        for session in sessions:
            target = shard_id
            if target is None:
                target = (int(guild_id) >> 22) % session.shard_count if guild_id else 0
            if session.shard_id != target or not _wants(session.intents, event, data):
                continue
            if event == "INTERACTION_CREATE":
                self._fake._mark_interaction_dispatched(int(data["id"]))
            await self._send_dispatch(session, event, _redact(session, event, data, self._fake))
            delivered += 1
        return delivered

    async def force_reconnect(self, timeout: float = ARRIVAL_TIMEOUT_S) -> None:
        """Send RECONNECT (op 7) and wait until the client dropped the socket; it will RESUME."""
        conns = self.live_connections
        for conn in conns:
            await _safe_send(conn, {"op": OP_RECONNECT, "d": None})
        await asyncio.wait_for(asyncio.gather(*(c.closed.wait() for c in conns)), timeout)

    async def invalidate_sessions(self, *, resumable: bool = False) -> None:
        """Send INVALID_SESSION (op 9); with ``resumable=False`` the client must re-IDENTIFY.

        discord.py then reconnects to ``DiscordWebSocket.DEFAULT_GATEWAY`` - only the patched
        default keeps it on the fake (see ``configure_discord_client``).
        """
        for conn in self.live_connections:
            if conn.session is not None and not resumable:
                conn.session.invalidated = True
            await _safe_send(conn, {"op": OP_INVALID_SESSION, "d": resumable})

    async def disconnect(self, code: int = 4000, reason: str = "fake disconnect") -> None:
        """Close every gateway socket from the server side (4000 => client RESUMEs)."""
        for conn in self.live_connections:
            await conn.close(code, reason)

    # -- websocket handler -----------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = GatewayConnection(ws=ws, path=request.path, query=dict(request.query))
        self.connections.append(conn)
        try:
            if not await self._open(conn):
                return ws
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        await conn.close(4002, "Error while decoding payload.")
                        break
                    await self._on_payload(conn, payload)
                elif msg.type is WSMsgType.BINARY:
                    await conn.close(4002, "The fake only accepts JSON text frames.")
                    break
                if conn.server_close_code is not None:
                    break
        finally:
            conn.client_close_code = None if conn.server_close_code else ws.close_code
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                if conn.server_close_code is None and ws.close_code in (1000, 1001):
                    session.invalidated = True  # a clean client close ends the session
            if not ws.closed:
                await ws.close()
            conn.closed.set()
        return ws

    async def _open(self, conn: GatewayConnection) -> bool:
        if conn.query.get("v") != "10":
            await conn.close(4012, "Invalid API version")
            return False
        if conn.query.get("encoding", "json") != "json":
            await conn.close(4002, "The fake supports encoding=json only.")
            return False
        conn.compression = conn.query.get("compress")
        try:
            conn.compressor = make_compressor(conn.compression)
        except UnsupportedCompressionError:
            await conn.close(4000, f"Unsupported compression {conn.compression!r}")
            return False
        hello = {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-gateway"]}
        await conn.send({"op": OP_HELLO, "d": hello, "s": None, "t": None})
        return True

    async def _on_payload(self, conn: GatewayConnection, payload: JSON) -> None:
        self.received.append(payload)
        if conn.over_send_limit():
            await conn.close(4008, "You are being rate limited.")
            return
        op, data = payload.get("op"), payload.get("d")
        if op == OP_HEARTBEAT:
            conn.heartbeats += 1
            self.heartbeat_count += 1
            await conn.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data or {})
        elif op == OP_RESUME:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await conn.close(4003, "Not authenticated.")
        elif op == OP_PRESENCE_UPDATE:
            conn.session.presence_updates.append(data or {})
        elif op == OP_VOICE_STATE_UPDATE:
            pass
        elif op == OP_REQUEST_GUILD_MEMBERS:
            await self._members_chunk(conn.session, data or {})
        else:
            await conn.close(4001, "Unknown opcode.")

    async def _identify(self, conn: GatewayConnection, data: JSON) -> None:
        fake = self._fake
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        if data.get("token") != fake.token:
            await conn.close(4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0:
            await conn.close(4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.privileged_intents:
            await conn.close(4014, "Disallowed intent(s).")
            return
        shard_id, shard_count = data.get("shard") or [0, 1]
        if not 0 <= shard_id < shard_count:
            await conn.close(4010, "Invalid shard.")
            return
        self.identify_count += 1
        fake.session_start_remaining = max(0, fake.session_start_remaining - 1)
        session = GatewaySession(
            session_id=uuid.uuid4().hex,
            shard_id=shard_id,
            shard_count=shard_count,
            intents=intents,
            identify=data,
        )
        self.sessions[session.session_id] = session
        conn.session, session.connection = session, conn
        guilds = [g for g in fake.guilds.values() if (g.id >> 22) % shard_count == shard_id]
        ready = {
            "v": 10,
            "user": {**fake.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": fake.resume_gateway_url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(fake.application_id), "flags": fake.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["fake-gateway"],
        }
        await self._send_dispatch(session, "READY", ready)
        if intents & Intents.GUILDS:
            with_members = bool(intents & Intents.GUILD_MEMBERS)
            for guild in guilds:
                members = list(guild.members) if with_members else []
                payload = guild.payload(
                    fake.users, member_ids=members, bot_user_id=fake.bot_user.id
                )
                await self._send_dispatch(session, "GUILD_CREATE", payload)
        self._session_events.notify(("identify", session))

    async def _resume(self, conn: GatewayConnection, data: JSON) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or session.invalidated or data.get("token") != self._fake.token:
            await conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        old = session.connection
        if old is not None and old is not conn and not old.closed.is_set():
            await old.close(4000, "Session resumed elsewhere.")
        conn.session, session.connection = session, conn
        session.resumes += 1
        last_seen = int(data.get("seq") or 0)
        for seq, frame in list(session.buffer):
            if seq > last_seen:
                await conn.send(frame)
        await self._send_dispatch(session, "RESUMED", {"_trace": ["fake-gateway"]})
        self._session_events.notify(("resume", session))

    async def _members_chunk(self, session: GatewaySession, data: JSON) -> None:
        fake = self._fake
        raw = data.get("guild_id")
        guild_ids = raw if isinstance(raw, list) else [raw]
        wanted = {int(u) for u in data.get("user_ids") or []}
        for gid in guild_ids:
            guild = fake.guilds.get(int(gid))
            if guild is None:
                continue
            ids = [m for m in guild.members if not wanted or m in wanted]
            chunk = {
                "guild_id": str(guild.id),
                "members": [guild.member_payload(m, fake.users) for m in ids],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [str(u) for u in wanted if u not in guild.members],
                "nonce": data.get("nonce"),
            }
            await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _send_dispatch(self, session: GatewaySession, event: str, data: JSON) -> None:
        frame = session.next_frame(event, data)
        conn = session.connection
        if conn is not None and not conn.closed.is_set():
            await _safe_send(conn, frame)


async def _safe_send(conn: GatewayConnection, payload: JSON) -> None:
    """Send, tolerating a socket the client is closing (the session buffer keeps the event)."""
    try:
        await conn.send(payload)
    except (ConnectionError, RuntimeError) as exc:
        _log.debug("gateway send dropped: %s", exc)


def _wants(intents: int, event: str, data: JSON) -> bool:
    needed = _EVENT_INTENTS.get(event)
    if needed is None:
        return True
    return bool(intents & (needed[0] if data.get("guild_id") else needed[1]))


def _redact(session: GatewaySession, event: str, data: JSON, fake: FakeDiscord) -> JSON:
    """Blank guild message content without MESSAGE_CONTENT, unless the bot is mentioned/author."""
    if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or not data.get("guild_id"):
        return data
    if session.intents & Intents.MESSAGE_CONTENT:
        return data
    bot_id = str(fake.bot_user.id)
    author = (data.get("author") or {}).get("id")
    if author == bot_id or any(m.get("id") == bot_id for m in data.get("mentions") or []):
        return data
    redacted: dict[str, Any] = {**data, "content": "", "embeds": [], "attachments": []}
    redacted["components"] = []
    redacted.pop("poll", None)
    return redacted
