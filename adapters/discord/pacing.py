"""Pacing every REST request under Discord's global rate limit.

Discord allows a bot 50 requests per second across all routes (interaction callbacks and
follow-ups excepted), answers more with 429s, and bans the IP for a while after 10,000
invalid requests (401, 403, 429) in ten minutes. discord.py obeys a 429 when it gets one
and waits out a route's bucket when the headers say it is empty, but it does not pace
itself, so a fan-out of thousands of DMs would run into the global limit.

The ``Pacer`` (``adapters.common.pacing``, which the Slack adapter paces with too) is
hooked into discord.py's HTTP session (``aiohttp.TraceConfig``, the client's
``http_trace`` option), so it paces every attempt the session makes, including
discord.py's own retries after a 429, and every caller shares one budget. Interaction
callbacks and follow-ups skip it: Discord does not count them, and they must not queue
behind a fan-out when the member is waiting for an answer within three seconds.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import aiohttp

from adapters.common.pacing import Pacer
from bot import telemetry

#: Below Discord's 50/s, so a clock that is a little off never tips it over.
DEFAULT_RATE = 40.0
DEFAULT_BURST = 5
_UNPACED = ("/interactions/", "/webhooks/")


def discord_pacer(rate: float = DEFAULT_RATE) -> Pacer:
    """One pacer for all of the bot's REST requests (Discord's limit is per bot)."""
    return Pacer(rate, DEFAULT_BURST)


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
        await pacer.wait()

    async def on_request_end(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        if params.response.status == 429:
            telemetry.rate_limited("discord")  # those discord.py retries itself too

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    trace.on_request_end.append(on_request_end)
    return trace
