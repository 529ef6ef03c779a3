"""Queries of the Discord adapter's key-value table (``storage.discord_models``): its
command-sync hashes and the long custom-id values it stashes under tokens."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from storage.discord_models import DiscordState
from storage.repo import Store
from storage.upsert import get_or_create


async def get_value(store: Store, key: str) -> str | None:
    async with store.session() as s:
        return await s.scalar(select(DiscordState.value).where(DiscordState.key == key))


async def put_value(store: Store, key: str, value: str, *, now: datetime) -> None:
    """Set ``key`` to ``value``, replacing what it held."""
    async with store.session() as s:
        await get_or_create(
            s, DiscordState, {"key": key}, values={"value": value, "updated_at": now}
        )


async def add_values(store: Store, values: Mapping[str, str], *, now: datetime) -> None:
    """Store each key that is not stored yet, in one transaction; a key that exists (a
    content hash: the same value) is left alone, also one a concurrent send wrote a
    moment before."""
    async with store.session() as s:
        for key, value in values.items():
            await get_or_create(
                s, DiscordState, {"key": key}, defaults={"value": value, "updated_at": now}
            )
