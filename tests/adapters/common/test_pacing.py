"""The shared pacer, channel spacing and slots, on a fake clock (no real sleeps)."""

from __future__ import annotations

import asyncio

import pytest

from adapters.common.pacing import ChannelSpacing, Pacer, Slots, retry_after


class FakeTime:
    """A clock that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 6))
        self.now += seconds


async def test_pacer_spaces_requests_and_allows_a_small_burst() -> None:
    t = FakeTime()
    pacer = Pacer(10, burst=3, clock=t.clock, sleep=t.sleep)
    for _ in range(6):
        await pacer.wait()
    assert t.waits == [0.1, 0.1, 0.1]  # three at once, then one every 0.1 s
    assert t.now == pytest.approx(0.3)
    t.now = 10.0  # after a long pause (or a stalled loop): the burst, not a backlog
    t.waits.clear()
    for _ in range(4):
        await pacer.wait()
    assert t.waits == [0.1]
    pacer.pause(5)
    assert pacer.delay == pytest.approx(5.0)


async def test_a_pause_holds_every_start_and_then_there_is_no_burst() -> None:
    t = FakeTime()
    pacer = Pacer(10, burst=5, clock=t.clock, sleep=t.sleep)
    pacer.pause(2.0)
    for _ in range(3):
        await pacer.wait()
    assert t.waits == [2.0, 0.1, 0.1]


async def test_a_pause_that_begins_while_waiting_is_honoured() -> None:
    t = FakeTime()
    pacer = Pacer(1, clock=t.clock)
    await pacer.wait()

    async def sleep_and_get_paused(seconds: float) -> None:
        await t.sleep(seconds)
        if len(t.waits) == 1:
            pacer.pause(3.0)  # a 429 elsewhere, answered while this one slept

    pacer._sleep = sleep_and_get_paused
    await pacer.wait()
    assert t.waits == [1.0, 3.0]


async def test_a_burst_of_429s_right_after_a_pause_costs_one_pause() -> None:
    t = FakeTime()
    pacer = Pacer(100, clock=t.clock, sleep=t.sleep, probe=2.0)
    pacer.pause(1.0)
    t.now = 1.5  # the pause is over; the requests sent at its end meet more 429s
    pacer.pause(1.0)
    pacer.pause(1.0)
    assert pacer.delay == 0.0
    t.now = 3.5  # past the probe window: a new 429 pauses again
    pacer.pause(1.0)
    assert pacer.delay == pytest.approx(1.0)


async def test_without_a_probe_every_pause_counts() -> None:
    t = FakeTime()
    pacer = Pacer(100, clock=t.clock, sleep=t.sleep)
    pacer.pause(1.0)
    t.now = 1.5
    pacer.pause(1.0)
    assert pacer.delay == pytest.approx(1.0)


def test_a_pacer_needs_a_rate_and_a_burst() -> None:
    with pytest.raises(ValueError):
        Pacer(0)
    with pytest.raises(ValueError):
        Pacer(1, burst=0)


async def test_channel_spacing_is_per_channel() -> None:
    t = FakeTime()
    spacing = ChannelSpacing(1.0, clock=t.clock, sleep=t.sleep)
    await spacing.wait("C1")
    await spacing.wait("C2")
    assert t.waits == []
    await spacing.wait("C1")
    assert t.waits == [1.0]


async def test_channel_spacing_forgets_channels_whose_slot_passed() -> None:
    t = FakeTime()
    spacing = ChannelSpacing(1.0, clock=t.clock, sleep=t.sleep)
    spacing.PRUNE_AT = 3
    for channel in ("A", "B", "C"):
        await spacing.wait(channel)
    t.now = 5.0
    await spacing.wait("D")
    assert set(spacing._next) == {"D"}


async def test_slots_bound_the_requests_in_flight_and_a_sleeper_lends_its_slot() -> None:
    slots = Slots(1)
    order: list[str] = []
    lent = asyncio.Event()
    back = asyncio.Event()

    async def sleeper() -> None:
        async with slots:
            async with slots.released():
                lent.set()
                await back.wait()
            order.append("sleeper done")

    async def sender() -> None:
        await lent.wait()
        async with slots:
            order.append("sender")
        back.set()

    await asyncio.gather(sleeper(), sender())
    assert order == ["sender", "sleeper done"]


async def test_released_outside_a_slot_is_a_no_op() -> None:
    slots = Slots(1)
    async with slots.released():
        pass
    async with slots:  # the one slot is still there
        pass


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("3", 3.0), (1.5, 1.5), ("abc", None), (None, None), ("-1", None), ("inf", None)],
)
def test_retry_after(value: object, seconds: float | None) -> None:
    assert retry_after(value) == seconds
