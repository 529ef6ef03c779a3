"""The tick's helpers stop without cancelling a write: the delivery recorder and the
heartbeat are asked to stop, finish the write they are in, and return.

Both used to be cancelled. A write cancelled mid-way could be written twice (SQLite's
thread commits anyway, and the batch went back into the buffer for the final flush),
and on Python 3.11 a cancellation that arrives just as ``asyncio.wait_for`` finishes
is swallowed (its inner future done, it returns the result): the recorder's loop then
went on waiting for the next second, and ``close()`` waited for it forever, with the
heartbeat still beating. That is how a PostgreSQL benchmark run could sit for 13 minutes
with every receipt written and the fold never started.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection

from bot.clock import SimClock
from schedules.dispatch import Outcomes, Recorder
from schedules.heartbeat import Heartbeat, Identity

#: How long a test waits for something that should happen at once before failing
#: (a guard against hanging the suite, not a pace).
PATIENCE_S = 5.0


async def _finishes(awaitable: Any) -> Any:
    """Await with a guard: a stop that never returns fails the test instead of hanging.
    In a task of its own, so that a guard's cancellation cannot be swallowed by the
    very code under test and pass for a return."""
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=PATIENCE_S)
    if not done:
        task.cancel()
        pytest.fail(f"still waiting after {PATIENCE_S} s: {task!r}")
    return task.result()


class SlowWrites:
    """Records each write; the ``hold``-th one (1-based) waits for ``release`` midway."""

    def __init__(self, hold: int | None = None) -> None:
        self.hold = hold
        self.calls = 0
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.done: list[Any] = []
        self.cancelled = 0

    async def write(self, what: Any) -> None:
        self.calls += 1
        try:
            if self.calls == self.hold:
                self.entered.set()
                await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        self.done.append(what)


def _sent(*ids: int) -> Outcomes:
    return Outcomes(sent=[(i, f"m{i}") for i in ids])


def _written_ids(writes: SlowWrites) -> list[int]:
    return [did for out in writes.done for did, _ in out.sent]


async def test_closing_the_recorder_mid_write_lets_that_write_finish_once() -> None:
    writes = SlowWrites(hold=1)
    recorder = Recorder(writes.write, every_s=3600, sends=2)
    recorder.start()
    recorder.take(_sent(1, 2))  # two sends: a flush is due now
    await _finishes(writes.entered.wait())
    recorder.take(_sent(3))  # arrives while the first batch is being written
    closing = asyncio.create_task(recorder.close())
    await asyncio.sleep(0)
    assert not closing.done() and writes.cancelled == 0  # waits; does not cancel
    writes.release.set()
    await _finishes(closing)
    assert writes.cancelled == 0
    assert sorted(_written_ids(writes)) == [1, 2, 3]  # each exactly once
    assert recorder.tally.sent == 3 and not recorder.out


@pytest.mark.parametrize("turns", range(5))
async def test_closing_the_recorder_just_as_a_flush_is_due_returns(turns: int) -> None:
    """A flush asked for (``noted``) and ``close()`` within a few turns of the loop:
    on Python 3.11 a cancel landing there was swallowed by ``wait_for`` and ``close()``
    never returned (turns 0 and 1, before the fix)."""
    writes = SlowWrites()
    recorder = Recorder(writes.write, every_s=3600, sends=1)
    recorder.start()
    await asyncio.sleep(0)  # the recorder waits for its next flush
    recorder.out.sent.append((1, "m1"))
    recorder.noted()
    for _ in range(turns):
        await asyncio.sleep(0)
    await _finishes(recorder.close())
    assert _written_ids(writes) == [1]


async def test_a_caller_cancelled_while_the_recorder_closes_is_cancelled() -> None:
    """Waiting for the recorder to stop does not swallow the caller's own cancellation
    (``contextlib.suppress(CancelledError)`` around the wait did), nor pass it on to the
    write in progress, which still finishes."""
    writes = SlowWrites(hold=1)
    recorder = Recorder(writes.write, every_s=3600, sends=1)
    recorder.start()
    recorder.take(_sent(1))
    await _finishes(writes.entered.wait())
    closing = asyncio.create_task(recorder.close())
    await asyncio.sleep(0)
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await _finishes(closing)
    assert writes.cancelled == 0
    writes.release.set()
    for _ in range(5):
        await asyncio.sleep(0)
    assert _written_ids(writes) == [1]


async def test_a_failed_last_write_still_fails_the_close() -> None:
    async def write(out: Outcomes) -> None:
        raise RuntimeError("database gone")

    recorder = Recorder(write, every_s=3600, sends=1)
    recorder.start()
    recorder.take(_sent(1))
    with pytest.raises(RuntimeError, match="database gone"):
        await _finishes(recorder.close())
    assert recorder.out.sent == [(1, "m1")]  # kept for whoever handles the failure


class SlowWriter:
    """A ``storage.writer.Writer`` whose calls go to :class:`SlowWrites`."""

    def __init__(self, writes: SlowWrites) -> None:
        self.writes = writes

    async def run(self, work: Callable[[Connection], Any]) -> Any:
        await self.writes.write(work)

    def close(self) -> None:
        pass


def _heartbeat(writes: SlowWrites, lease: timedelta) -> Heartbeat:
    return Heartbeat(
        Identity.of_this_process("test-stopping"),
        writer=SlowWriter(writes),
        writing=asyncio.Lock(),
        clock=SimClock(datetime(2027, 3, 1, 9, 0, tzinfo=UTC)),
        lease=lease,
    )


async def test_leaving_the_heartbeat_mid_beat_lets_that_beat_finish() -> None:
    writes = SlowWrites(hold=2)  # the first beat is at entry; the second is the loop's
    heartbeat = _heartbeat(writes, lease=timedelta(milliseconds=40))  # beat every 10 ms
    kept = heartbeat.kept()
    await _finishes(kept.__aenter__())
    await _finishes(writes.entered.wait())
    leaving = asyncio.create_task(kept.__aexit__(None, None, None))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not leaving.done() and writes.cancelled == 0
    writes.release.set()
    await _finishes(leaving)
    assert writes.cancelled == 0 and writes.calls == 2 and len(writes.done) == 2


async def test_leaving_the_heartbeat_between_beats_is_at_once() -> None:
    writes = SlowWrites()
    heartbeat = _heartbeat(writes, lease=timedelta(hours=1))  # next beat in 15 minutes
    async with heartbeat.kept():
        pass
    assert writes.calls == 1 and writes.cancelled == 0
