"""The handlers still running, so shutdown can let them finish before the database
closes instead of cutting a reply in half (a platform SDK runs each event in a task of
its own and forgets it)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any


class InFlight:
    """Counts handler bodies (``async with in_flight.track():``) and background tasks
    (``in_flight.add(task)``) until they end."""

    def __init__(self) -> None:
        self._running: Counter[asyncio.Task[Any] | None] = Counter()
        self._changed = asyncio.Event()

    @contextlib.asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        self._running[task] += 1
        try:
            yield
        finally:
            self._done(task)

    def add(self, task: asyncio.Task[Any]) -> None:
        """A task started elsewhere, counted until it ends."""
        self._running[task] += 1
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any] | None) -> None:
        self._running[task] -= 1
        if self._running[task] <= 0:
            del self._running[task]
        self._changed.set()

    async def wait_idle(self, timeout: float | None = None) -> None:
        """Until every other task's handlers ended (the caller's own, if it is one of
        them, cannot end while it waits); ``TimeoutError`` after ``timeout`` seconds."""
        me = asyncio.current_task()
        async with asyncio.timeout(timeout):
            while any(task is not me for task in self._running):
                self._changed.clear()
                await self._changed.wait()

    def __len__(self) -> int:
        return sum(self._running.values())
