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
from tests.schedules.helpers import Workers, add_member, add_members, at, rows


async def test_crash_after_claim_is_sent_once_when_the_lease_expires(
    services: Services, workers: Workers
) -> None:
    """Seen from another machine, a dead worker's rows are free once its heartbeat and
    their lease have run out (2 min), not before."""
    for i in range(3):
        await add_member(services, f"U{i}")
    first = await workers.start("2027-03-01T09:00", "--mode", "hang-before-send")
    await workers.kill_when(first, "claimed", 3)
    claimed = [r for r in await rows(services) if r.kind == "prompt:daily"]
    assert [(r.status, r.attempts) for r in claimed] == [("claimed", 1)] * 3
    assert workers.lines("sent") == []

    early = await workers.run("2027-03-01T09:01:59", "--host", "elsewhere")
    assert early["claimed"] == 0 and workers.lines("sent") == []

    late = await workers.run("2027-03-01T09:02:01", "--host", "elsewhere")
    assert late["sent"] == 3
    assert sorted(workers.lines("sent")) == [
        (f"U{i}", "prompt:daily", "2027-03-01") for i in range(3)
    ]
    done = [r for r in await rows(services) if r.kind == "prompt:daily"]
    assert [(r.status, r.attempts) for r in done] == [("sent", 2)] * 3
    assert all(r.sent_at == at("2027-03-01T09:02:01") for r in done)


async def test_a_restarted_worker_takes_back_its_claims_at_once(
    services: Services, workers: Workers
) -> None:
    """On the same machine the dead worker's pid no longer runs: a worker started there
    a second later sends its rows at once, without waiting out the lease."""
    for i in range(3):
        await add_member(services, f"U{i}")
    first = await workers.start("2027-03-01T09:00", "--mode", "hang-before-send")
    await workers.kill_when(first, "claimed", 3)

    restarted = await workers.run("2027-03-01T09:00:01")
    assert restarted["sent"] == 3
    done = [r for r in await rows(services) if r.kind == "prompt:daily"]
    assert [(r.status, r.attempts) for r in done] == [("sent", 2)] * 3


#: A paced fan-out killed midway: 1,000 members without a DM channel yet (each prompt
#: is two requests: open the channel, send), 400 requests a second, so 200 prompts/s.
CRASH_MEMBERS = 1000
PROMPTS_PER_S = 200
IN_FLIGHT = 8


async def test_a_crash_mid_fan_out_duplicates_at_most_about_a_second_of_sends(
    services: Services, workers: Workers
) -> None:
    """Outcomes are written at least every second, so a SIGKILL 600 prompts into a
    fan-out (3 s, inside one 1,000-row chunk) re-sends about a second's worth, not the
    chunk; DM channels opened before the last write are not opened again. The
    restarted worker (same machine, same instant) sends the rest at once."""
    members = await add_members(services, CRASH_MEMBERS)
    paced = ("--pace", str(2 * PROMPTS_PER_S), "--in-flight", str(IN_FLIGHT))
    first = await workers.start("2027-03-01T09:00", *paced)
    await workers.kill_when(first, "sent", 600)
    before = len(workers.lines("sent"))

    await workers.run("2027-03-01T09:00", "--run", "drain", *paced)
    sent = Counter(user for user, kind, _ in workers.lines("sent") if kind == "prompt:daily")
    assert set(sent) == {m.external_user for m in members}  # none lost
    duplicates = sum(n - 1 for n in sent.values())
    opened_twice = sum(n - 1 for n in Counter(u for u, *_ in workers.lines("open")).values())
    bound = PROMPTS_PER_S + IN_FLIGHT  # a second of sends, and those in flight
    assert duplicates <= bound < before, (duplicates, before)
    assert opened_twice <= bound, opened_twice
    daily = [r for r in await rows(services) if r.kind == "prompt:daily"]
    assert {r.status for r in daily} == {"sent"} and len(daily) == CRASH_MEMBERS


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
