"""Answering within a budget, else acknowledging first: no clock is read, the work is
finished (or not) by the test before the budget is looked at."""

from __future__ import annotations

import asyncio

import pytest

from adapters.common.deadline import within


class Acks:
    def __init__(self) -> None:
        self.count = 0

    async def __call__(self) -> None:
        self.count += 1


async def test_work_done_in_time_is_answered_without_an_acknowledgement() -> None:
    ack = Acks()
    work: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    work.set_result("answer")
    assert await within(work, 0.0, late=ack) == ("answer", False)
    assert ack.count == 0


async def test_work_finishing_within_a_long_budget_is_not_late() -> None:
    ack = Acks()
    work: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon(work.set_result, "answer")
    assert await within(work, 3600.0, late=ack) == ("answer", False)
    assert ack.count == 0


async def test_late_work_is_acknowledged_first_and_still_answered() -> None:
    work: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    order: list[str] = []

    async def ack() -> None:
        order.append("ack")
        assert not work.done()  # the budget ran out; the work was not cancelled
        work.set_result("answer")

    assert await within(work, 0.0, late=ack) == ("answer", True)
    assert order == ["ack"]


async def test_a_failure_of_the_work_reaches_the_caller_in_time_or_late() -> None:
    ack = Acks()
    failed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    failed.set_exception(LookupError("core"))
    with pytest.raises(LookupError):
        await within(failed, 0.0, late=ack)
    assert ack.count == 0

    work: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def ack_then_fail() -> None:
        work.set_exception(LookupError("core"))

    with pytest.raises(LookupError):
        await within(work, 0.0, late=ack_then_fail)


async def test_an_acknowledgement_that_fails_leaves_the_work_to_the_caller() -> None:
    work: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def ack() -> None:
        raise ConnectionError("platform")

    with pytest.raises(ConnectionError):
        await within(work, 0.0, late=ack)
    assert not work.cancelled()
    work.cancel()
