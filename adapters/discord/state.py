"""What the Discord adapter keeps in the database besides the core's tables: the
command-sync hashes and the long custom-id values (``discord_state``,
``storage.discord_models``), through ``storage.discord_state``."""

from __future__ import annotations

from collections.abc import Mapping

from bot.clock import Clock
from storage import discord_state
from storage.repo import Store

PLATFORM = "discord"
#: ``Workspace.disabled_reason`` of a server that removed Mentorbot.
REMOVED = "Mentorbot was removed from this Discord server"


class State:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def get(self, key: str) -> str | None:
        return await discord_state.get_value(self.store, key)

    async def put(self, key: str, value: str) -> None:
        await discord_state.put_value(self.store, key, value, now=self.clock.now())

    async def stash(self, values: Mapping[str, str]) -> None:
        """Store long custom-id values under their tokens (content hashes: a token that
        exists already holds the same value, so it is left alone)."""
        await discord_state.add_values(
            self.store,
            {f"value:{token}": value for token, value in values.items()},
            now=self.clock.now(),
        )

    async def unstash(self, token: str) -> str | None:
        return await self.get(f"value:{token}")
