"""A SQLite connection given back to the pool: rolled back only when a transaction is open."""

from __future__ import annotations

from pathlib import Path

import aiosqlite.core
import pytest
from sqlalchemy import text

from storage.db import create_engine, sessionmaker
from storage.repo import Store


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The calls that crossed to aiosqlite's thread, by name."""
    seen: list[str] = []
    original = aiosqlite.core.Connection._execute

    async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
    return seen


async def test_a_committed_session_is_not_rolled_back_again(tmp_path: Path, hops) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    store = Store(sessionmaker(engine))
    try:
        async with store.session() as s:
            await s.execute(text("select 1"))
        hops.clear()
        async with store.session() as s:
            await s.execute(text("select 1"))
        assert hops.count("commit") == 1
        assert "rollback" not in hops
    finally:
        await engine.dispose()


async def test_a_connection_given_back_inside_a_transaction_is_rolled_back(
    tmp_path: Path, hops
) -> None:
    """A transaction the pool did not see begin (raw SQL on the driver's connection)
    still ends when the connection comes back: its write lock is not kept."""
    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            await raw.driver_connection.execute("BEGIN IMMEDIATE")
            assert raw.driver_connection.in_transaction
        assert "rollback" in hops
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert not raw.driver_connection.in_transaction
    finally:
        await engine.dispose()
