"""Sending no faster than a platform allows, so a fan-out of thousands meets few 429s.

``Pacer`` is the generic cell rate algorithm (GCRA): one "theoretical arrival time"
instead of a token count, exact under asyncio's single thread and one float per pacer.
A slot is granted only once the clock has reached it, and a waiter checks again when it
wakes: an event loop that stalls for a moment then releases at most ``burst`` requests,
not every request whose slot went by meanwhile. So in any one-second window at most
``rate + burst`` requests start.

``ChannelSpacing`` keeps messages to one channel apart (Slack: one a second), and
``Slots`` bounds the requests in flight while letting a request that sleeps out a 429
give its slot back.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class Pacer:
    """Request starts ``1 / rate`` seconds apart, ``burst`` at once, and a pause (a
    429's ``Retry-After``, an IP ban) that holds every new start.

    ``probe``: right after a pause ends, further pauses are ignored for that many
    seconds. The sends that meet a 429 then retry on their own and the rest go on, so a
    burst of 429s answered to requests already under way costs one pause, not one each.
    """

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        probe: float = 0.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1) * self.interval
        self.probe = probe
        self._clock = clock
        self._sleep = sleep
        self._tat = clock()
        self._paused_until = float("-inf")

    @property
    def delay(self) -> float:
        """Seconds a request asking now would wait."""
        return max(0.0, self._tat - self.tolerance - self._clock())

    async def wait(self) -> None:
        """Until this request's slot; a pause that began meanwhile is honoured too."""
        while True:
            now = self._clock()
            wait = self._tat - self.tolerance - now
            if wait <= 0:
                self._tat = max(self._tat, now) + self.interval
                return
            await self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """Start nothing for ``seconds``; the first start after it has no burst."""
        now = self._clock()
        if self._paused_until <= now < self._paused_until + self.probe:
            return
        self._paused_until = max(self._paused_until, now + seconds)
        self._tat = max(self._tat, self._paused_until + self.tolerance)


class ChannelSpacing:
    """At most one message per ``1 / per_second`` seconds to any one channel.

    The spacing is between the moments messages are let go, not between their
    completions: Slack's "one message a second per channel" allows short bursts, so the
    tens of milliseconds of network jitter that can bring two arrivals closer are within
    it, while waiting for each answer before counting the second would add a round trip
    to every message of a digest.
    """

    #: Above this many remembered channels, those whose slot has passed are forgotten.
    PRUNE_AT = 10_000

    def __init__(
        self, per_second: float, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.interval = 1.0 / per_second
        self._next: dict[str, float] = {}
        self._clock = clock
        self._sleep = sleep

    async def wait(self, channel: str) -> None:
        now = self._clock()
        slot = max(now, self._next.get(channel, 0.0))
        self._next[channel] = slot + self.interval
        if len(self._next) > self.PRUNE_AT:
            self._next = {k: v for k, v in self._next.items() if v > now}
        if slot > now:
            await self._sleep(slot - now)


class Slots:
    """A semaphore on the requests in flight (``async with slots:``) whose holder can
    lend its slot while it sleeps (``async with slots.released():``), so requests
    waiting out a 429 cannot starve those that may go."""

    def __init__(self, size: int) -> None:
        self._semaphore = asyncio.Semaphore(size)
        self._holders: set[asyncio.Task[Any]] = set()

    async def __aenter__(self) -> None:
        await self._semaphore.acquire()
        task = asyncio.current_task()
        if task is not None:
            self._holders.add(task)

    async def __aexit__(self, *exc_info: object) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._holders.discard(task)
        self._semaphore.release()

    @contextlib.asynccontextmanager
    async def released(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is None or task not in self._holders:
            yield
            return
        self._holders.discard(task)
        self._semaphore.release()
        try:
            yield
        finally:
            await self._semaphore.acquire()
            self._holders.add(task)


def retry_after(value: object) -> float | None:
    """A ``Retry-After`` header's seconds, or None when absent or not a number."""
    if value is None:
        return None
    try:
        seconds = float(str(value))
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
