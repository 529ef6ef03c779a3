"""Handlers in flight are waited for at shutdown; the waiter never waits for itself."""

from __future__ import annotations

import asyncio

import pytest

from adapters.common.inflight import InFlight


async def test_wait_idle_waits_for_tracked_bodies_and_added_tasks() -> None:
    in_flight = InFlight()
    release = asyncio.Event()
    finished: list[str] = []

    async def handler() -> None:
        async with in_flight.track():
            await release.wait()
            finished.append("handler")

    async def background() -> None:
        await release.wait()
        finished.append("background")

    task = asyncio.create_task(handler())
    in_flight.add(asyncio.create_task(background()))
    await asyncio.sleep(0)
    assert len(in_flight) == 2
    waiter = asyncio.create_task(in_flight.wait_idle(None))
    await asyncio.sleep(0)
    assert not waiter.done()
    release.set()
    await waiter
    await task
    assert sorted(finished) == ["background", "handler"]
    assert len(in_flight) == 0


async def test_wait_idle_times_out_on_a_handler_that_does_not_end() -> None:
    in_flight = InFlight()
    never = asyncio.Event()

    async def stuck() -> None:
        async with in_flight.track():
            await never.wait()

    task = asyncio.create_task(stuck())
    await asyncio.sleep(0)
    with pytest.raises(TimeoutError):
        await in_flight.wait_idle(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(in_flight) == 0


async def test_a_handler_waiting_for_shutdown_does_not_wait_for_itself() -> None:
    in_flight = InFlight()
    async with in_flight.track(), in_flight.track():  # nested, too
        assert len(in_flight) == 2
        await in_flight.wait_idle(None)
    assert len(in_flight) == 0


async def test_idle_at_once_when_nothing_runs() -> None:
    await InFlight().wait_idle(0)
