"""The scheduler's write transactions: one call each, on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, func, insert, select

from bot.context import Services
from storage.db import create_engine, sessionmaker
from storage.models import Workspace
from storage.repo import Store
from storage.writer import SessionWriter, SqliteWriter, writer_for
from tests.conftest import START


def add_workspace(external_id: str):
    def work(conn: Connection) -> int:
        conn.execute(
            insert(Workspace).values(
                platform="console",
                external_id=external_id,
                name=external_id,
                timezone="UTC",
                language="en",
                created_at=START,
            )
        )
        return int(conn.scalar(select(func.count()).select_from(Workspace)) or 0)

    return work


async def workspaces(store: Store) -> list[str]:
    async with store.session() as s:
        return list(await s.scalars(select(Workspace.external_id).order_by(Workspace.id)))


async def test_a_transaction_commits_when_the_work_returns(
    services: Services, backend: str
) -> None:
    writer = writer_for(services.store)
    # A SQLite file gets its own connection on its own thread; PostgreSQL the sessions.
    assert isinstance(writer, SqliteWriter if backend == "sqlite" else SessionWriter)
    try:
        assert await writer.run(add_workspace("W1")) == 1
        assert await writer.run(add_workspace("W2")) == 2
    finally:
        writer.close()
    assert await workspaces(services.store) == ["W1", "W2"]


async def test_a_failing_transaction_leaves_nothing_behind(services: Services) -> None:
    writer = writer_for(services.store)

    def half_done(conn: Connection) -> None:
        add_workspace("W1")(conn)
        raise RuntimeError("stopped half way")

    try:
        with pytest.raises(RuntimeError, match="half way"):
            await writer.run(half_done)
        assert await workspaces(services.store) == []
        # The connection is usable afterwards.
        assert await writer.run(add_workspace("W2")) == 1
    finally:
        writer.close()
    assert await workspaces(services.store) == ["W2"]


async def test_sqlite_in_memory_uses_the_sessions() -> None:
    engine = create_engine("sqlite:///:memory:")
    try:
        writer = writer_for(Store(sessionmaker(engine)))
        assert isinstance(writer, SessionWriter)
        writer.close()
    finally:
        await engine.dispose()
