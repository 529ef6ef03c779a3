"""Driving the scheduler on a simulated clock: the console's ``:advance`` and the demo.

Time jumps from one instant the scheduler has work at to the next, and a tick runs at
each, so every prompt that falls due on the way is sent in order, at its own due time,
and a month takes as long as the prompts in it, not as long as a month.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.clock import SimClock

_DURATION = re.compile(r"([0-9]{1,6})\s*([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
#: Ticks at one instant before moving on: work that stays due after a tick (which would
#: be a bug) must not hang the console, so time then moves on by ``STUCK_STEP``.
MAX_TICKS_PER_INSTANT = 3
STUCK_STEP = timedelta(minutes=1)
#: The longest jump ``:advance`` takes: ten years is more than any demo needs, and a
#: bound keeps the clock inside the years ``datetime`` can hold.
MAX_DURATION = timedelta(days=3660)


class Tickable(Protocol):
    async def tick(self) -> Any: ...

    async def next_wakeup(self) -> datetime | None: ...


def parse_duration(text: str) -> timedelta:
    """``30m``, ``12h``, ``3d``, ``2w``, or several together (``1d12h``).

    Raises ValueError with the valid form, which the console shows as typed.
    """
    cleaned = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(cleaned)
    if not cleaned or "".join(n + u for n, u in parts) != cleaned:
        raise ValueError(f"not a duration: {text!r}; write e.g. 30m, 12h, 3d or 2w")
    total = timedelta()
    for number, unit in parts:
        total += timedelta(**{_UNITS[unit]: int(number)})
    if total > MAX_DURATION:
        raise ValueError(f"{text!r} is too far: at most {MAX_DURATION.days} days at a time")
    return total


async def run_until(
    scheduler: Tickable,
    clock: SimClock,
    until: datetime,
    *,
    after_tick: Callable[[Any], Awaitable[None]] | None = None,
) -> int:
    """Move ``clock`` to ``until``, ticking at every instant the scheduler has work at.

    Returns the number of ticks. ``after_tick`` gets each tick's report, with the clock
    still at that tick (the demo answers its prompts there). The loop asks
    ``next_wakeup`` after each tick, so a snooze enqueued by an answer during the run is
    delivered in the same run.
    """
    ticks = 0
    last: datetime | None = None
    repeats = 0
    while True:
        wakeup = await scheduler.next_wakeup()
        if wakeup is None or wakeup > until:
            break
        at = max(wakeup, clock.now())
        if at == last:
            repeats += 1
            if repeats >= MAX_TICKS_PER_INSTANT:
                at += STUCK_STEP
                if at > until:
                    break
                repeats = 0
        else:
            repeats = 0
        clock.set(at)
        report = await scheduler.tick()
        if after_tick is not None:
            await after_tick(report)
        ticks += 1
        last = at
    if until > clock.now():
        clock.set(until)
    return ticks
