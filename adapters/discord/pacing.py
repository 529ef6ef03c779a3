"""Pacing every REST request under Discord's global rate limit.

Discord allows a bot 50 requests per second across all routes (interaction callbacks and
follow-ups excepted), answers more with 429s, and bans the IP for a while after 10,000
invalid requests (401, 403, 429) in ten minutes. discord.py obeys a 429 when it gets one
and waits out a route's bucket when the headers say it is empty, but it does not pace
itself, so a fan-out of thousands of DMs would run into the global limit.

The ``Pacer`` is hooked into discord.py's HTTP session (``aiohttp.TraceConfig``, the
client's ``http_trace`` option), so it paces every attempt the session makes, including
discord.py's own retries after a 429, and every caller shares one budget. Interaction
callbacks and follow-ups skip it: Discord does not count them, and they must not queue
behind a fan-out when the member is waiting for an answer within three seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import aiohttp

from bot import telemetry

#: Below Discord's 50/s, so a clock that is a little off never tips it over.
DEFAULT_RATE = 40.0
DEFAULT_BURST = 5
_UNPACED = ("/interactions/", "/webhooks/")


class Pacer:
    """Spaces request starts ``1 / rate`` seconds apart, allowing ``burst`` at once.

    The generic cell rate algorithm: one "theoretical arrival time" instead of a token
    count. A slot is granted only when the clock has reached it, and a waiter checks
    again when it wakes: an event loop that stalls for a moment then releases at most
    ``burst`` requests, not every request whose slot went by meanwhile. So in any
    one-second window at most ``rate + burst`` requests start.
    """

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        *,
        burst: int = DEFAULT_BURST,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1) * self.interval
        self._clock = clock
        self._sleep = sleep
        self._tat = clock()

    async def take(self) -> None:
        while True:
            now = self._clock()
            wait = self._tat - self.tolerance - now
            if wait <= 0:
                self._tat = max(self._tat, now) + self.interval
                return
            await self._sleep(wait)

    @property
    def delay(self) -> float:
        """Seconds a request asking now would wait."""
        return max(0.0, self._tat - self.tolerance - self._clock())

    def hold(self, seconds: float) -> None:
        """Start nothing for ``seconds`` (Discord said the whole bot must wait)."""
        self._tat = max(self._tat, self._clock() + seconds + self.tolerance)


def pacing_trace(pacer: Pacer) -> aiohttp.TraceConfig:
    """An aiohttp trace that makes each REST request wait for ``pacer`` first."""

    async def on_request_start(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        url = params.url
        if url.scheme in ("ws", "wss") or url.path.endswith(("/gateway", "/gateway/resume")):
            return  # the gateway connection, not a REST request
        if any(part in url.path for part in _UNPACED):
            return
        await pacer.take()

    async def on_request_end(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        if params.response.status == 429:
            telemetry.rate_limited("discord")  # those discord.py retries itself too

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    trace.on_request_end.append(on_request_end)
    return trace
