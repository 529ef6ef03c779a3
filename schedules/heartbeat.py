"""A worker's identity and heartbeat: what holds its claimed outbox rows while it lives.

A fan-out at a platform's pace (Discord: about 50 requests a second) holds thousands of
rows at once: the chunk being sent and the chunks written and read behind it. A lease
per row, renewed per chunk, let the queued ones expire while the first was still being
sent, and another worker sent them again. Here the lease follows the worker instead:
one ``worker`` row (``storage.models.Worker``) per scheduler, beaten every quarter of
the lease while a tick runs, and a claimed row is taken by another worker only once
its own lease has run out **and** its owner has stopped beating
(``storage.outbox.claim``). Renewing everything a worker holds is one row's update.

A dead worker is told from a slow one two ways. Anywhere: its heartbeat stops, and its
rows are free a lease after its last beat. On the same machine, at once: the row names
the host and pid, so a worker restarted there (or any other on that host) sees that the
pid no longer runs and puts the dead worker's unreceipted rows back to ``pending``
(:meth:`Heartbeat.take_back`), instead of waiting out the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection

from bot.clock import Clock
from storage import outbox
from storage.writer import Writer

log = logging.getLogger(__name__)

#: Owners of the heartbeats beating in this process: several schedulers may share a pid
#: (tests, the benchmark), and a row with this pid that is not one of them is a
#: predecessor's (a container restarted with the same pid).
_BEATING_HERE: set[str] = set()


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a worker is: the ``lease_owner`` on its rows, and where it runs."""

    owner: str
    host: str
    pid: int

    @classmethod
    def of_this_process(cls, owner: str | None = None, host: str | None = None) -> Identity:
        """Host and pid of this process; the owner adds a random suffix, so two
        schedulers in one process (tests, the benchmark) are two workers."""
        host = host or socket.gethostname()
        pid = os.getpid()
        return cls(owner or f"{host}:{pid}:{uuid.uuid4().hex[:8]}", host, pid)


def pid_running(pid: int) -> bool:
    """Whether a process with this pid exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


class Heartbeat:
    """Beats one worker's row and takes back the rows of dead workers on its host.

    Writes go through the scheduler's writer (and, on SQLite, its writer lock), like
    every other write of a tick.
    """

    def __init__(
        self,
        identity: Identity,
        *,
        writer: Writer,
        writing: contextlib.AbstractAsyncContextManager[Any],
        clock: Clock,
        lease: timedelta,
    ) -> None:
        self.identity = identity
        self.writer = writer
        self.writing = writing
        self.clock = clock
        self.lease = lease
        #: The last beat written, on the worker's clock: for a readiness check.
        self.beat_at: datetime | None = None
        _BEATING_HERE.add(identity.owner)

    @property
    def interval_s(self) -> float:
        """Seconds between beats: a quarter of the lease, so three beats can be late
        before another worker would take the rows."""
        return self.lease.total_seconds() / 4

    async def beat(self, *, take_back: bool = False) -> int:
        """Write a beat. With ``take_back``, the same transaction then does what
        :meth:`take_back` does (a tick starts with both: one transaction instead of
        two), and the rows it took back are returned; else 0."""
        now = self.clock.now()
        me = self.identity

        def transaction(conn: Connection) -> int:
            outbox.beat(
                conn,
                owner=me.owner,
                host=me.host,
                pid=me.pid,
                now=now,
                alive_until=now + self.lease,
            )
            return self._take_back(conn) if take_back else 0

        async with self.writing:
            taken = await self.writer.run(transaction)
        self.beat_at = now
        return taken

    @contextlib.asynccontextmanager
    async def kept(self, *, take_back: bool = False) -> AsyncIterator[int]:
        """Beat now and every :attr:`interval_s` until the block ends (a tick); with
        ``take_back``, the first beat also takes back dead workers' rows, and the block
        gets how many it took.

        At the end the loop is asked to stop, not cancelled: a beat in progress
        finishes (a cancelled write may commit anyway, on SQLite's thread, and a
        cancelled wait can be swallowed, leaving a loop nobody stops)."""
        taken = await self.beat(take_back=take_back)
        stop = asyncio.Event()
        task = asyncio.create_task(self._keep(stop), name="mentorbot-heartbeat")
        try:
            yield taken
        finally:
            stop.set()
            # ``wait``, not ``await task``: the caller's own cancellation still reaches
            # it, and is not passed on to a beat being written.
            await asyncio.wait({task})

    async def _keep(self, stop: asyncio.Event) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval_s):
                    await stop.wait()
            if stop.is_set():
                return
            try:
                await self.beat()
            except Exception:
                # The database may be back by the next beat; until then the lease of
                # the last one holds.
                log.exception("heartbeat of %s failed", self.identity.owner)

    async def take_back(self) -> int:
        """Put back to ``pending`` the rows of workers on this host whose process is
        gone (this one's predecessor after a restart, a crashed neighbour), and forget
        them. Returns how many rows came back."""
        async with self.writing:
            return await self.writer.run(self._take_back)

    def _take_back(self, conn: Connection) -> int:
        me = self.identity
        gone = [
            row.owner
            for row in outbox.workers(conn, host=me.host)
            if row.owner not in _BEATING_HERE and (row.pid == me.pid or not pid_running(row.pid))
        ]
        if not gone:
            return 0
        reason = "taken back: its worker stopped"
        count = outbox.release(conn, gone, now=self.clock.now(), reason=reason)
        outbox.forget_workers(conn, gone)
        if count:
            log.warning("took back %d rows of stopped workers %s", count, ", ".join(gone))
        return count

    async def release_own(self, reason: str) -> int:
        """Put this worker's unreceipted rows back to ``pending``: after a tick failed
        midway, since a live worker's rows are otherwise never taken."""
        work = partial(outbox.release, owners=[self.identity.owner], now=self.clock.now())
        async with self.writing:
            return await self.writer.run(partial(work, reason=reason))

    async def end(self) -> None:
        """Leave: free whatever is still held and remove the row (a clean stop)."""
        me = self.identity.owner

        def transaction(conn: Connection) -> None:
            outbox.release(conn, [me], now=self.clock.now(), reason="released: worker stopped")
            outbox.forget_workers(conn, [me])

        async with self.writing:
            await self.writer.run(transaction)
        _BEATING_HERE.discard(me)
