"""Faults, by really interrupting a worker process (``tests/schedules/worker.py``).

Each test runs workers as separate processes against the test database, kills one with
SIGKILL at a chosen point, then runs another and reads two records: the file the
worker's outlet appends to (what the platform received) and the outbox rows.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from bot.context import Services
from storage.models import DeliveryReceipt
from tests.schedules.helpers import Workers, add_member, at, rows


async def test_crash_after_claim_is_sent_once_when_the_lease_expires(
    services: Services, workers: Workers
) -> None:
    for i in range(3):
        await add_member(services, f"U{i}")
    first = await workers.start("2027-03-01T09:00", "--mode", "hang-before-send")
    await workers.kill_when(first, "claimed", 3)
    claimed = [r for r in await rows(services) if r.kind == "prompt:daily"]
    assert [(r.status, r.attempts) for r in claimed] == [("claimed", 1)] * 3
    assert workers.lines("sent") == []

    early = await workers.run("2027-03-01T09:01:59")  # the lease (2 min) still holds
    assert early["claimed"] == 0 and workers.lines("sent") == []

    late = await workers.run("2027-03-01T09:02:01")
    assert late["sent"] == 3
    assert sorted(workers.lines("sent")) == [
        (f"U{i}", "prompt:daily", "2027-03-01") for i in range(3)
    ]
    done = [r for r in await rows(services) if r.kind == "prompt:daily"]
    assert [(r.status, r.attempts) for r in done] == [("sent", 2)] * 3
    assert all(r.sent_at == at("2027-03-01T09:02:01") for r in done)


async def test_crash_after_send_before_record_duplicates_at_most_once(
    services: Services, workers: Workers
) -> None:
    for i in range(3):
        await add_member(services, f"U{i}")
    first = await workers.start("2027-03-01T09:00", "--mode", "hang-after-send")
    await workers.kill_when(first, "sent", 3)
    assert {r.status for r in await rows(services)} == {"claimed"}

    await workers.run("2027-03-01T09:02:01")
    await workers.run("2027-03-01T09:30")  # and later ticks send nothing more
    await workers.run("2027-03-01T09:45")
    per_row = Counter(workers.lines("sent"))
    assert per_row == {(f"U{i}", "prompt:daily", "2027-03-01"): 2 for i in range(3)}
    assert {(r.status, r.attempts) for r in await rows(services)} == {("sent", 2)}


async def test_crash_after_receipts_before_the_fold_sends_nothing_again(
    services: Services, workers: Workers
) -> None:
    for i in range(3):
        await add_member(services, f"U{i}")
    first = await workers.start("2027-03-01T09:00", "--mode", "hang-before-fold")
    await workers.kill_when(first, "fold", 1)
    assert len(workers.lines("sent")) == 3
    assert {r.status for r in await rows(services)} == {"claimed"}
    async with services.store.session() as s:
        assert await s.scalar(select(func.count()).select_from(DeliveryReceipt)) == 3

    later = await workers.run("2027-03-01T09:02:01")  # every lease has run out
    assert later["claimed"] == 0 and len(workers.lines("sent")) == 3
    done = await rows(services)
    assert {(r.status, r.attempts) for r in done} == {("sent", 1)}
    assert all(r.sent_at == at("2027-03-01T09:00") for r in done)
    async with services.store.session() as s:
        assert await s.scalar(select(func.count()).select_from(DeliveryReceipt)) == 0


async def test_after_downtime_each_routine_is_sent_once_or_recorded_as_missed(
    services: Services, workers: Workers
) -> None:
    member = await add_member(services, "U1")

    async def recorded() -> bool:
        return [r.status for r in await rows(services)] == ["sent", "sent"]

    # A long-running worker (its APScheduler job ticking) sends Monday's prompts...
    serving = await workers.start("2027-03-01T10:30", "--run", "serve")
    await workers.kill_when(serving, "sent", 2, also=recorded)
    assert sorted(workers.lines("sent")) == [
        ("U1", "prompt:daily", "2027-03-01"),
        ("U1", "prompt:monthly", "2027-03"),
    ]
    # ...and is killed. Back on Friday at 14:00: of the daily prompts due Tuesday to
    # Friday only Friday's (5 h late, inside 6 h) is still useful, and it goes once.
    friday = await workers.run("2027-03-05T14:00")
    assert friday["sent"] == 1
    assert workers.lines("sent")[2:] == [("U1", "prompt:daily", "2027-03-05")]
    # Down again until Monday 17:00: Monday's daily is 8 h late and Friday's weekly
    # 3 days late, both past their windows: recorded as missed, nothing sent.
    monday = await workers.run("2027-03-08T17:00")
    assert (monday["sent"], monday["missed"]) == (0, 2)
    assert len(workers.lines("sent")) == 3
    found = {(r.kind, r.period_key): r.status for r in await rows(services, member.id)}
    assert found == {
        ("prompt:daily", "2027-03-01"): "sent",
        ("prompt:monthly", "2027-03"): "sent",
        ("prompt:daily", "2027-03-05"): "sent",
        ("prompt:weekly", "2027-W09"): "missed",
        ("prompt:daily", "2027-03-08"): "missed",
    }
