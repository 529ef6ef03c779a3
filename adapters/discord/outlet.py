"""The outbox's way into Discord: prompts and nudges to DMs, digests to a server channel.

Every request is paced under Discord's global limit by the client's ``Pacer``
(``adapters.discord.pacing``: 40 per second by default, with a burst of 5), and at most
``concurrency`` of this outlet's requests are in flight at once, so a fan-out keeps a
bounded number of connections and a steady rate whatever the scheduler hands over.

What Discord refuses is never asked again: a member who does not accept DMs (403, code
50007) or a channel the bot may not post in (50001 Missing Access, 50013 Missing
Permissions) is remembered for ``refusal_ttl`` seconds and refused here, without a
request. The first refusal is reported as permanent, so the outbox marks the member
unreachable (``/mentor profile`` shows why) or fails the digest; for a digest channel the
server's owner also gets a DM saying what to fix.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import discord

from adapters.common.dm import DmChannels, send_to_dm
from adapters.common.pacing import Pacer, Slots, retry_after
from adapters.common.parts import first_then_rest
from adapters.common.renders import RenderCache
from adapters.discord.render import Outgoing, Rendered, render
from adapters.discord.state import State
from bot import notices
from bot.context import Services
from bot.delivery import Sent, Target
from bot.errors import PlatformUnreachable
from bot.reply import Reply
from storage.repo import MemberKey

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Discord's JSON error codes this outlet acts on.
CANNOT_DM = 50007
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
UNKNOWN_CHANNEL = 10003
UNKNOWN_USER = 10013


async def attachments(message: Outgoing) -> list[discord.File]:
    """The files of a message, read off the event loop."""
    files = []
    for path in message.files:
        data = await asyncio.to_thread(Path(path).read_bytes)
        files.append(discord.File(io.BytesIO(data), filename=Path(path).name))
    if message.document is not None:
        files.append(discord.File(io.BytesIO(message.document.encode()), message.document_name))
    return files


def send_kwargs(message: Outgoing, files: list[discord.File]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if message.content:
        kwargs["content"] = message.content
    if message.embeds:
        kwargs["embeds"] = message.embeds
    if message.view is not None:
        kwargs["view"] = message.view
    if files:
        kwargs["files"] = files
    return kwargs


def retry_after_of(exc: discord.HTTPException) -> float | None:
    return retry_after((getattr(exc.response, "headers", None) or {}).get("Retry-After"))


class DiscordOutlet:
    """``bot.delivery.Outlet`` for Discord: a member's DM, or a server channel."""

    platform = "discord"

    def __init__(
        self,
        client: discord.Client,
        *,
        state: State,
        services: Services,
        pacer: Pacer,
        concurrency: int = 16,
        refusal_ttl: float = 3600.0,
    ) -> None:
        self.client = client
        self.state = state
        self.services = services
        #: The client's pacer (it paces each request); held here to stop during a ban.
        self.pacer = pacer
        self._slots = Slots(concurrency)
        self.refusal_ttl = refusal_ttl
        #: "u:<user>" / "c:<channel>" -> (until, error key): refused, do not ask again.
        self._refused: dict[str, tuple[float, str]] = {}
        #: Each distinct prompt of a fan-out is rendered once per server (its buttons
        #: carry the server in a DM), and its stash written once.
        self.renders: RenderCache[Rendered] = RenderCache()
        #: A DM channel belongs to the user, whatever the server.
        self._dms: DmChannels[str] = DmChannels()

    async def _request(self, call: Callable[[], Awaitable[T]]) -> T:
        async with self._slots:
            return await call()

    # -- the Outlet protocol -----------------------------------------------------------------

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent:
        refusal_key = f"u:{target.user}" if target.user else f"c:{target.channel}"
        self._check_refused(refusal_key)
        direct = target.user is not None
        rendered = await self._rendered(replies, workspace=target.workspace if direct else None)
        try:
            if direct:
                return await self._send_dm(target, rendered.messages)
            return await self._send_channel(target, rendered.messages)
        except discord.Forbidden as exc:
            raise await self._refused_now(refusal_key, target, exc) from exc
        except discord.NotFound as exc:
            key = "discord.user_gone" if exc.code == UNKNOWN_USER else "discord.channel_gone"
            raise PlatformUnreachable(key, permanent=True, code=exc.code) from exc
        except discord.RateLimited as exc:
            raise PlatformUnreachable(
                "discord.rate_limited", permanent=False, retry_after=exc.retry_after
            ) from exc
        except discord.HTTPException as exc:
            if exc.status == 429:
                wait = retry_after_of(exc) or 60.0
                if "Via" not in getattr(exc.response, "headers", {}):
                    # Not Discord's API but the edge in front of it: an IP ban for
                    # invalid requests. Every request now would make it longer.
                    log.error("Discord refuses all requests for %.0f s (IP ban)", wait)
                    self.pacer.pause(wait)
                raise PlatformUnreachable(
                    "discord.rate_limited", permanent=False, retry_after=wait
                ) from exc
            if exc.status >= 500:
                raise PlatformUnreachable("discord.unavailable", permanent=False) from exc
            raise  # a request Discord found malformed: our bug, logged by the outbox
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise PlatformUnreachable("discord.unavailable", permanent=False) from exc

    async def _rendered(self, replies: Sequence[Reply], *, workspace: str | None) -> Rendered:
        """The replies rendered, their long custom ids stored: a rendering is cached
        only once its stash is written (a content hash never changes its value), so a
        cached one is safe to send as it is."""
        found = self.renders.get(replies, context=workspace)
        if found is not None:
            return found
        rendered = render(replies, workspace=workspace, private_ok=False)
        if not rendered.messages:
            raise ValueError("nothing to send")  # the scheduler drops empty renders first
        if rendered.stash:
            await self.state.stash(rendered.stash)
        self.renders.put(replies, rendered, context=workspace)
        return rendered

    # -- sending -----------------------------------------------------------------------------

    async def _send_dm(self, target: Target, messages: Sequence[Outgoing]) -> Sent:
        user = target.user
        assert user is not None

        async def open_dm() -> str:
            data = await self._request(lambda: self.client.http.start_private_message(int(user)))
            return str(data["id"])

        channel_id, first = await send_to_dm(
            target.dm_channel or self._dms.remembered(user),
            open_dm=lambda: self._dms.open(user, open_dm),
            send=lambda channel: self._send_all(int(channel), messages),
            stale=lambda exc: isinstance(exc, discord.NotFound) and exc.code == UNKNOWN_CHANNEL,
            forget=lambda: self._dms.forget(user),
        )
        return Sent(message_id=str(first), dm_channel=channel_id)

    async def _send_channel(self, target: Target, messages: Sequence[Outgoing]) -> Sent:
        if not target.channel or not target.channel.isdigit():
            raise PlatformUnreachable("discord.channel_gone", permanent=True)
        first = await self._send_all(int(target.channel), messages)
        return Sent(message_id=str(first))

    async def _send_all(self, channel_id: int, messages: Sequence[Outgoing]) -> int:
        """Send in order; returns the first message's id (``first_then_rest``: a later
        part that fails is logged, and the next one still sent)."""
        channel = self.client.get_partial_messageable(channel_id)

        async def send(message: Outgoing) -> int:
            kwargs = send_kwargs(message, await attachments(message))
            sent = await self._request(lambda: channel.send(**kwargs))
            return sent.id

        first, *more = messages
        return await first_then_rest(
            lambda: send(first),
            lambda _: [functools.partial(send, message) for message in more],
            failures=(discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError),
            where=f"channel {channel_id}",
        )

    # -- refusals ----------------------------------------------------------------------------

    def _check_refused(self, key: str) -> None:
        found = self._refused.get(key)
        if found is None:
            return
        until, error_key = found
        if time.monotonic() < until:
            raise PlatformUnreachable(error_key, permanent=True)
        del self._refused[key]

    async def _refused_now(
        self, key: str, target: Target, exc: discord.Forbidden
    ) -> PlatformUnreachable:
        if target.user:
            error_key = "discord.dm_closed" if exc.code == CANNOT_DM else "discord.forbidden"
        else:
            error_key = "discord.channel_forbidden"
            if exc.code in (MISSING_ACCESS, MISSING_PERMISSIONS):
                await self._tell_owner(target)
        self._refused[key] = (time.monotonic() + self.refusal_ttl, error_key)
        log.warning("Discord refused %s (%s %s): %s", key, exc.status, exc.code, exc.text)
        return PlatformUnreachable(error_key, permanent=True, code=exc.code)

    async def _tell_owner(self, target: Target) -> None:
        """A digest channel the bot cannot post in: the server owner is told what to fix
        (best effort; the digest fails either way)."""
        try:
            guild_id = int(target.workspace)
            guild = self.client.get_guild(guild_id) or await self._request(
                lambda: self.client.fetch_guild(guild_id)
            )
            if guild.owner_id is None:
                return
            owner = str(guild.owner_id)
            why = PlatformUnreachable(
                "discord.missing_access", permanent=True, channel=target.channel, server=guild.name
            )
            note = await notices.digest_failed(
                self.services, MemberKey(self.platform, target.workspace, owner), why
            )
            await self.deliver(Target(self.platform, target.workspace, user=owner), [note])
        except Exception:
            log.exception(
                "could not tell the owner of server %s about the digest channel", target.workspace
            )
