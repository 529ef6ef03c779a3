"""Answering within the platform's few seconds, or acknowledging and answering later.

Slack waits three seconds for a modal submission's acknowledgement and Discord three
for an interaction's answer; the core usually replies in milliseconds, but a slow
database or a busy machine must cost the member a "thinking…" or a closed modal, never
"the app did not respond".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def within(
    work: asyncio.Future[T], budget: float, *, late: Callable[[], Awaitable[None]]
) -> tuple[T, bool]:
    """``work``'s result, and whether it was late: when it is not done ``budget``
    seconds from now, ``late()`` (the acknowledgement) is awaited and the work goes on.

    ``work`` is the caller's future, so a caller that gives up can cancel it; the
    budget running out does not.
    """
    done, _ = await asyncio.wait({work}, timeout=max(budget, 0.0))
    if done:
        return work.result(), False
    await late()
    return await work, True
