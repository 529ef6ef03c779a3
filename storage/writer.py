"""Where the scheduler's write transactions run: one call per transaction.

The fan-out's writes (creating a chunk's rows, advancing its routines, recording its
sends) are sync functions of a SQLAlchemy ``Connection``, so that a transaction can be
handed over whole instead of statement by statement:

- on a SQLite file, :class:`SqliteWriter` runs each in one call on its own thread, on a
  plain ``sqlite3`` connection. Through the async driver every statement is several
  round trips between the event loop and the driver's thread (cursor, execute, fetch,
  close), each waiting for the loop to come round; at fan-out the single writer is what
  every other stage waits for, and those round trips were about a sixth of its time.
- elsewhere (PostgreSQL, SQLite in memory) :class:`SessionWriter` runs the same
  function with ``AsyncConnection.run_sync`` in an ordinary session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import StaticPool

from storage.db import sqlite_pragmas
from storage.repo import Store

T = TypeVar("T")


class Writer(Protocol):
    async def run(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in a transaction that commits when it returns."""
        ...

    def close(self) -> None: ...


class SessionWriter:
    """Runs the work through the store's own sessions (and driver)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def run(self, work: Callable[[Connection], T]) -> T:
        async with self.store.session() as s:
            conn = await s.connection()
            return await conn.run_sync(work)

    def close(self) -> None:
        pass


class SqliteWriter:
    """One ``sqlite3`` connection on one thread of its own, for one SQLite file.

    SQLite lets one connection write at a time, so one is all a process can use; the
    thread's connection never changes hands, and the driver releases the GIL while
    SQLite works, so the event loop goes on meanwhile.
    """

    def __init__(self, url: str) -> None:
        sync_url = make_url(url).set(drivername="sqlite")
        self._engine: Engine = create_engine(
            sync_url, poolclass=StaticPool, connect_args={"timeout": 30}
        )
        event.listen(self._engine, "connect", sqlite_pragmas(url))
        event.listen(self._engine, "connect", _writer_cache)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mentorbot-writer")

    async def run(self, work: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._transaction, work)

    def _transaction(self, work: Callable[[Connection], T]) -> T:
        with self._engine.begin() as conn:
            return work(conn)

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        self._engine.dispose()


#: The writer connection's page cache, in KiB (SQLite's default is 2,000). A fan-out
#: chunk touches more pages than that (its rows, the indexes, the routines), so with
#: the default each transaction read back from the file pages the previous one had
#: just written: 8 MB cut the bytes read per 100,000-member fan-out from 277 MB to
#: about 160 MB and the tick by about 7 %, for about 5.5 MB of memory (measured).
WRITER_CACHE_KIB = 8000


def _writer_cache(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")


def writer_for(store: Store) -> Writer:
    """A :class:`SqliteWriter` when the store is on a SQLite file, else a
    :class:`SessionWriter`."""
    engine: Any = store.bind
    if isinstance(engine, AsyncEngine):
        url = engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return SqliteWriter(url.render_as_string(hide_password=False))
    return SessionWriter(store)
