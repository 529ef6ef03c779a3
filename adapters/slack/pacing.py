"""Sending no faster than Slack allows, so a fan-out of thousands meets few 429s.

Slack's limits that matter here: ``chat.postMessage`` allows about one message per
second per channel (short bursts tolerated) plus an unpublished workspace-wide cap;
``conversations.open`` is in a low tier (about 50 a minute). The adapter therefore paces
itself per workspace (a configurable rate with a small burst), spaces messages to one
channel a second apart, bounds the requests in flight, and — when Slack still answers
429 — holds back every sender of that workspace and method for the ``Retry-After`` the
answer named, instead of letting each of them discover the limit on its own.

Both pacers reserve a slot without a lock (the GCRA: each caller moves a "theoretical
arrival time" forward and sleeps until its slot), which is exact under asyncio's single
thread and costs one float per workspace and per recently used channel.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SendLimits:
    """How fast the adapter sends; the defaults suit a real Slack workspace.

    ``per_workspace`` is the cap on ``chat.postMessage`` per second per workspace
    (configurable: Slack does not publish the workspace-wide limit, and an Enterprise
    Grid org may want it lower); ``per_channel`` is Slack's documented one a second;
    ``opens_per_second`` paces ``conversations.open`` (None: rely on Retry-After).
    """

    #: Slack: "several hundred messages per minute" per workspace; 300 a minute.
    per_workspace: float = 5.0
    workspace_burst: int = 5
    per_channel: float = 1.0
    concurrency: int = 16
    opens_per_second: float | None = None
    #: 429s retried inside one call (after Retry-After) before the outbox takes over.
    max_429_retries: int = 5
    #: Seconds to wait for Slack before calling the attempt failed (transient).
    timeout: float = 15.0


class Gcra:
    """A rate with a burst allowance, plus a pause (a 429's Retry-After)."""

    PROBE = 2.0

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.tolerance = max(burst - 1, 0) * self.interval
        self._tat = 0.0
        self._paused_until = 0.0
        self._clock = clock
        self._sleep = sleep

    def reserve(self) -> float:
        """Take the next slot; returns how long to wait for it."""
        now = self._clock()
        tat = max(self._tat, now, self._paused_until + self.tolerance)
        self._tat = tat + self.interval
        return max(0.0, tat - self.tolerance - now)

    def pause(self, seconds: float) -> None:
        """Hold every new send for ``seconds``. Right after a pause ends, further 429s
        do not pause again for ``PROBE`` seconds: the sends that meet them retry on
        their own, and the rest go on, so a burst of 429s costs one pause, not one each."""
        now = self._clock()
        if self._paused_until <= now < self._paused_until + self.PROBE:
            return
        self._paused_until = max(self._paused_until, now + seconds)

    async def wait(self) -> None:
        """Wait for a slot; a pause that began while waiting is honoured too."""
        while True:
            delay = self.reserve()
            if delay > 0:
                await self._sleep(delay)
            if self._clock() >= self._paused_until:
                return


class ChannelSpacing:
    """At most one message per ``interval`` seconds to any one channel."""

    #: Above this many remembered channels, those whose slot has passed are forgotten.
    PRUNE_AT = 10_000

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
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
