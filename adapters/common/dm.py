"""Sending to a member's DM through a cached channel id, and opening it anew when the
platform says that channel is gone (the app was reinstalled, the DM was closed).

Opening a DM is a request of its own, in a low rate tier on Slack (``conversations.open``)
and under the global limit on Discord; the outbox caches the channel on the member, but
a member's first deliveries, several at once in one tick, would each open it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from adapters.common.caches import Lru

log = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

#: DM channel ids remembered in memory (the database keeps them all, on the member).
DM_CACHE = 10_000


class DmChannels(Generic[K]):
    """The DM channels this process opened, by member, and the openings under way: two
    deliveries to one member at once (a daily and a monthly prompt in one tick) open
    the DM once, and the second waits for the first's answer."""

    def __init__(self, size: int = DM_CACHE) -> None:
        self._channels: Lru[K, str] = Lru(size)
        self._opening: dict[K, asyncio.Future[str]] = {}

    async def open(self, key: K, open_dm: Callable[[], Awaitable[str]]) -> str:
        """The channel of ``key``: remembered, being opened, or opened now by ``open_dm``
        (whose failure every waiter gets; nothing is remembered then)."""
        found = self._channels.get(key)
        if found is not None:
            return found
        pending = self._opening.get(key)
        if pending is None:
            pending = self._opening[key] = asyncio.ensure_future(open_dm())
            pending.add_done_callback(functools.partial(self._opened, key))
        # Every waiter shielded, the one that started it too: a waiter cancelled leaves
        # the opening to the others (unshielded, the first one's cancellation cancelled
        # it, and the others got a CancelledError nobody had sent them).
        return await asyncio.shield(pending)

    def _opened(self, key: K, opening: asyncio.Future[str]) -> None:
        """The opening ended: remembered if it gave a channel, whoever still waits."""
        if self._opening.get(key) is opening:
            del self._opening[key]
        if not opening.cancelled() and opening.exception() is None:
            self._channels.put(key, opening.result())

    def remembered(self, key: K) -> str | None:
        """The channel this process opened for ``key``, if it still remembers it: tried
        first like one from the database, so a stale one is opened anew (the database
        may not know it yet: outcomes are written a second after the send)."""
        return self._channels.get(key)

    def forget(self, key: K) -> None:
        """The platform said the channel is gone (``send_to_dm``'s ``forget``)."""
        self._channels.pop(key)

    def __len__(self) -> int:
        return len(self._channels)


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
