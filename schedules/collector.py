"""Keeping the cyclic garbage collector out of a fan-out's database and rendering work.

A fan-out allocates hundreds of thousands of lists and tuples (rows, targets, outcomes)
that hold no cycles and are freed by reference counting; while they are alive, every
collection the allocations trigger walks them again, about 6 % of a 100,000-member tick
(measured, alternating runs). So the stages that allocate them (reading due routines,
writing a chunk, reading its members, checking and rendering it) pause the collector.

Only those stages: at a platform's pace a fan-out is minutes of waiting on the network,
while the same process answers members, and a collector off for minutes lets cycles
pile up. The stages run concurrently, so the pause is counted: the collector is off
while at least one of them works and back on as soon as none does, which is whenever
the fan-out only waits for the platform.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_holders = 0
_was_enabled = False


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Pause the collector for the block; nested and concurrent blocks share one pause,
    which ends with the last of them. Cycles made meanwhile wait for the next
    collection after it."""
    global _holders, _was_enabled
    if _holders == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _holders += 1
    try:
        yield
    finally:
        _holders -= 1
        if _holders == 0 and _was_enabled:
            gc.enable()


def holders() -> int:
    """How many blocks hold the pause now (0: the collector runs as configured)."""
    return _holders
