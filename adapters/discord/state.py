"""What the Discord adapter keeps in the database besides the core's tables: the
command-sync hashes and the long custom-id values (``discord_state``,
``storage.discord_models``)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from bot.clock import Clock
from storage.discord_models import DiscordState
from storage.repo import Store
from storage.upsert import get_or_create

PLATFORM = "discord"
#: ``Workspace.disabled_reason`` of a server that removed Mentorbot.
REMOVED = "Mentorbot was removed from this Discord server"


class State:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def get(self, key: str) -> str | None:
        async with self.store.session() as s:
            return await s.scalar(select(DiscordState.value).where(DiscordState.key == key))

    async def put(self, key: str, value: str) -> None:
        now = self.clock.now()
        async with self.store.session() as s:
            await get_or_create(
                s, DiscordState, {"key": key}, values={"value": value, "updated_at": now}
            )

    async def stash(self, values: Mapping[str, str]) -> None:
        """Store long custom-id values under their tokens (content hashes: a token that
        exists already holds the same value, so it is left alone, also when a concurrent
        send writes it a moment before)."""
        now = self.clock.now()
        async with self.store.session() as s:
            for token, value in values.items():
                await get_or_create(
                    s,
                    DiscordState,
                    {"key": f"value:{token}"},
                    defaults={"value": value, "updated_at": now},
                )

    async def unstash(self, token: str) -> str | None:
        return await self.get(f"value:{token}")
