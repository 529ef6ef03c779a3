"""The discord.py client: which intents, how many shards, and where it connects.

Intents (``intents()``), the fewest that work:

- ``GUILDS``: the servers the bot is in, with their names, owners and channels. The
  adapter uses it to know when it is removed from a server (its outbox rows stop) or
  added back, and to find the owner to tell when the digest channel refuses the bot.
- ``DIRECT_MESSAGES``: a member may write to the bot in its DM; DM text arrives with
  its content without the privileged ``MESSAGE_CONTENT`` intent.
- ``GUILD_MESSAGES``: a server message that mentions the bot is answered as a reply;
  Discord gives the bot the text of exactly those messages without ``MESSAGE_CONTENT``.

Not requested: ``GUILD_MEMBERS`` and ``GUILD_PRESENCES`` (privileged; slash commands
bring the member and their permissions with them), ``MESSAGE_CONTENT`` (privileged;
the bot reads no other server messages).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl

from adapters.discord.pacing import Pacer, pacing_trace
from bot.errors import ConfigError

if TYPE_CHECKING:
    from adapters.discord.adapter import DiscordAdapter

_SHARD_RANGE = re.compile(r"(?P<ids>\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*)/(?P<count>\d+)")


def intents() -> discord.Intents:
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.dm_messages = True
    chosen.guild_messages = True
    return chosen


def shard_options(value: str | None) -> dict[str, Any] | None:
    """``DISCORD_SHARDS``: None (unset) means one gateway connection, enough below
    2,500 servers; ``auto`` lets Discord recommend the count; ``N`` runs N shards here;
    ``0-3/8`` (or ``0,2/8``) runs some of 8 shards, to split them over processes."""
    if value is None or not value.strip():
        return None
    value = value.strip().lower()
    if value == "auto":
        return {}
    if value.isdigit() and int(value) > 0:
        return {"shard_count": int(value)}
    match = _SHARD_RANGE.fullmatch(value)
    if match:
        count = int(match["count"])
        ids: list[int] = []
        for part in match["ids"].split(","):
            low, _, high = part.partition("-")
            ids += range(int(low), int(high or low) + 1)
        if count > 0 and ids and max(ids) < count:
            return {"shard_count": count, "shard_ids": sorted(set(ids))}
    raise ConfigError(
        f"DISCORD_SHARDS: {value!r} is not auto, a shard count, or shard ids like 0-3/8"
    )


async def point_at(api_url: str) -> Callable[[], None]:
    """``DISCORD_API_URL``: send every REST call there, and connect to the gateway that
    API names at ``GET /gateway`` (public, like Discord's). Returns the undo.

    discord.py reads both from class attributes when it uses them, so they are set for
    the process: before ``login`` for REST, before ``connect`` for the gateway. A plain
    ``Client`` never asks for the gateway address, and ``AutoShardedClient`` falls back to
    the built-in one after an invalid session, so the default itself is replaced.
    """
    base = api_url.rstrip("/")
    async with aiohttp.ClientSession() as session, session.get(f"{base}/gateway") as resp:
        resp.raise_for_status()
        gateway = str((await resp.json())["url"])
    route, websocket = discord.http.Route, discord.gateway.DiscordWebSocket
    previous = (route.BASE, websocket.DEFAULT_GATEWAY)
    route.BASE = base
    websocket.DEFAULT_GATEWAY = yarl.URL(gateway)

    def restore() -> None:
        route.BASE, websocket.DEFAULT_GATEWAY = previous

    return restore


class _Hooks:
    """discord.py events, handed to the adapter."""

    mentorbot: DiscordAdapter

    async def setup_hook(self) -> None:
        await self.mentorbot.setup()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await self.mentorbot.on_interaction(interaction)

    async def on_message(self, message: discord.Message) -> None:
        await self.mentorbot.on_message(message)

    async def on_ready(self) -> None:
        await self.mentorbot.on_ready()

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.mentorbot.on_guild(guild, present=True)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.mentorbot.on_guild(guild, present=False)


class MentorClient(_Hooks, discord.Client):
    pass


class MentorShardedClient(_Hooks, discord.AutoShardedClient):
    pass


def create_client(
    adapter: DiscordAdapter, *, pacer: Pacer, shards: str | None = None, **options: Any
) -> discord.Client:
    """The client for ``adapter``: sharded when ``DISCORD_SHARDS`` asks for it, every
    REST request paced by ``pacer``.

    No message cache (``max_messages=None``) and no member cache: the bot never looks a
    message or a member up, and a fan-out would otherwise fill memory. Mentions are off
    for everything it sends: a shared note saying ``@everyone`` in a digest pings nobody.
    """
    common: dict[str, Any] = {
        "intents": intents(),
        "allowed_mentions": discord.AllowedMentions.none(),
        "max_messages": None,
        "member_cache_flags": discord.MemberCacheFlags.none(),
        "chunk_guilds_at_startup": False,
        "http_trace": pacing_trace(pacer),
        **options,
    }
    sharding = shard_options(shards)
    client: discord.Client
    if sharding is None:
        client = MentorClient(**common)
    else:
        client = MentorShardedClient(**common, **sharding)
    client.mentorbot = adapter  # type: ignore[attr-defined]
    return client
