"""A stalled tick says where it waits: one warning per stall, with the tasks' stacks."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot import stacks, telemetry


async def _parked(event: asyncio.Event) -> None:
    await _deeper(event)


async def _deeper(event: asyncio.Event) -> None:
    await event.wait()


async def test_a_task_stack_follows_the_awaits_down_to_what_it_waits_on() -> None:
    event = asyncio.Event()
    task = asyncio.create_task(_parked(event), name="parked")
    await asyncio.sleep(0)
    text = stacks.task_stack(task)
    # The outer coroutine, the one it awaits, the event's wait, and the future below:
    # Task.print_stack would show the first line only.
    assert text.splitlines()[0].startswith("parked: ")
    assert "in _parked" in text and "in _deeper" in text and "await event.wait()" in text
    assert "in wait" in text and "waiting on <Future pending" in text
    assert "parked: " in stacks.all_task_stacks()
    event.set()
    await task
    assert stacks.task_stack(task).startswith("<Task finished")


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(telemetry, "_clock", lambda: now[0])
    monkeypatch.setattr(telemetry, "_finished_at", None)
    monkeypatch.setattr(telemetry, "_running", 0)
    monkeypatch.setattr(telemetry, "_progress_at", None)
    monkeypatch.setattr(telemetry, "_warned_for", None)
    return now


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "bot.telemetry" and r.levelno == logging.WARNING
    ]


async def test_a_stall_is_warned_about_once_with_the_stacks(
    fake_clock: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.telemetry")
    event = asyncio.Event()
    stuck = asyncio.create_task(_parked(event), name="stuck-stage")
    await asyncio.sleep(0)
    assert telemetry.quiet_for() is None and not telemetry.warn_if_stalled(120)

    telemetry.tick_started()
    fake_clock[0] += 100
    assert telemetry.quiet_for() == 100 and not telemetry.warn_if_stalled(120)
    fake_clock[0] += 30
    assert telemetry.warn_if_stalled(120)
    [warning] = _warnings(caplog)
    assert "has not moved for 130 s (more than 120 s)" in warning
    assert "stuck-stage: " in warning and "in _deeper" in warning

    fake_clock[0] += 300  # the same stall, looked at again (readyz, the watch): no repeat
    assert telemetry.warn_if_stalled(120) and len(_warnings(caplog)) == 1

    telemetry.count_created(10, 0)  # it moved: a later stall is a new one
    fake_clock[0] += 121
    assert telemetry.warn_if_stalled(120) and len(_warnings(caplog)) == 2
    telemetry.tick_finished(1.0)
    assert telemetry.quiet_for() is None and not telemetry.warn_if_stalled(120)
    event.set()
    await stuck
