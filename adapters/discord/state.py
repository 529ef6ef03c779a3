"""The few database reads and writes the Discord adapter needs beyond the core's.

Command-sync hashes and long custom-id values live in ``discord_state``
(``storage.discord_models``); the rest are small lookups on the core's tables that only
Discord needs: which server a DM belongs to, and a server leaving or coming back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select, update

from bot.clock import Clock
from storage.discord_models import DiscordState
from storage.models import Member, Workspace
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

    async def home_workspace(self, user_id: str) -> str | None:
        """The server a DM from ``user_id`` belongs to: the first one where they used
        Mentorbot and that still has it installed. A DM has no server of its own, and a
        member is keyed by server."""
        async with self.store.session() as s:
            return await s.scalar(
                select(Workspace.external_id)
                .join(Member, Member.workspace_id == Workspace.id)
                .where(
                    Workspace.platform == PLATFORM,
                    Workspace.disabled_reason.is_(None),
                    Member.external_user == user_id,
                )
                .order_by(Member.id)
                .limit(1)
            )

    async def workspace_language(self, guild_id: str) -> str | None:
        async with self.store.session() as s:
            return await s.scalar(
                select(Workspace.language).where(
                    Workspace.platform == PLATFORM, Workspace.external_id == guild_id
                )
            )

    async def present(self, guild_ids: Sequence[str]) -> None:
        """Servers the bot is in now: any marked removed were added back while it was
        offline."""
        async with self.store.session() as s:
            for start in range(0, len(guild_ids), 1000):
                await s.execute(
                    update(Workspace)
                    .where(
                        Workspace.platform == PLATFORM,
                        Workspace.disabled_reason == REMOVED,
                        Workspace.external_id.in_(list(guild_ids[start : start + 1000])),
                    )
                    .values(disabled_reason=None)
                )

    async def set_disabled(self, guild_id: str, reason: str | None) -> None:
        """Mark a server Mentorbot was removed from (the outbox stops sending there), or
        clear the mark when it is added back."""
        await self.store.set_workspace_disabled(PLATFORM, guild_id, reason)
