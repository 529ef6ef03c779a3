"""Sending to a member's DM through a cached channel id, and opening it anew when the
platform says that channel is gone (the app was reinstalled, the DM was closed)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


async def send_to_dm(
    cached: str | None,
    *,
    open_dm: Callable[[], Awaitable[str]],
    send: Callable[[str], Awaitable[T]],
    stale: Callable[[Exception], bool],
    forget: Callable[[], None] | None = None,
) -> tuple[str, T]:
    """``send`` to the ``cached`` channel, or to one ``open_dm`` opens when there is none
    or ``stale`` says the cached one is gone (then ``forget`` drops it first). Only a
    cached id is retried: a channel just opened that fails is a real failure. Returns
    the channel used, for the caller to cache, and what ``send`` returned."""
    if cached:
        try:
            return cached, await send(cached)
        except Exception as exc:
            if not stale(exc):
                raise
            log.info("cached DM channel %s is gone; opening a new one", cached)
            if forget is not None:
                forget()
    channel = await open_dm()
    return channel, await send(channel)
