"""The tick on every backend: routines become rows once, rows are sent once, and each
kind of failure ends where it should."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Connection, func, select, update

from bot import telemetry
from bot.clock import SimClock
from bot.context import Services
from bot.delivery import Target
from bot.errors import PlatformUnreachable
from bot.mentor import Mentor
from schedules import policy
from schedules.engine import Scheduler
from storage import outbox
from storage.models import Delivery, DeliveryReceipt, Member, Workspace
from tests.conftest import Chat, make_actor
from tests.schedules.helpers import (
    MONDAY_8AM,
    Inbox,
    add_member,
    add_members,
    at,
    plain_render,
    routine,
    rows,
)


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def scheduler(services: Services, inbox: Inbox, clock: SimClock) -> Scheduler:
    clock.set(MONDAY_8AM)
    return Scheduler(services, outlets={"console": inbox}, render=plain_render)


async def test_a_due_routine_is_sent_once_and_recorded(
    services: Services, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    member = await add_member(services)
    clock.set(at("2027-03-01T09:00"))
    report = await scheduler.tick()
    assert (report.created, report.sent) == (1, 1)
    assert inbox.texts == ["prompt:daily 2027-03-01"]
    assert inbox.got[0][0] == Target("console", "W1", user="U1")
    [row] = await rows(services, member.id)
    assert (row.status, row.kind, row.period_key) == ("sent", "prompt:daily", "2027-03-01")
    assert row.sent_at == at("2027-03-01T09:00") and row.platform_message_id == "msg-1"
    assert row.lease_owner is None and row.attempts == 1
    assert (await routine(services, member.id, "daily")).next_due_at == at("2027-03-02T09:00")
    assert (await services.store.get_member(member.id)).dm_channel == "D-1"

    again = await scheduler.tick()
    assert (again.created, again.claimed, again.sent) == (0, 0, 0)
    assert len(inbox.got) == 1


async def test_next_wakeup_steps_through_what_falls_due(
    services: Services, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    assert await scheduler.next_wakeup() is None
    await add_member(services)
    seen = []
    for _ in range(4):
        wakeup = await scheduler.next_wakeup()
        assert wakeup is not None
        clock.set(wakeup)
        await scheduler.tick()
        seen.append(wakeup)
    assert seen == [
        at("2027-03-01T09:00"),
        at("2027-03-01T10:00"),  # monthly, the 1st
        at("2027-03-02T09:00"),
        at("2027-03-03T09:00"),
    ]
    assert inbox.texts == [
        "prompt:daily 2027-03-01",
        "prompt:monthly 2027-03",
        "prompt:daily 2027-03-02",
        "prompt:daily 2027-03-03",
    ]


async def test_enqueue_is_idempotent_and_delivers_through_the_outbox(
    services: Services, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    member = await add_member(services)
    when = at("2027-03-01T08:30")
    args = {
        "member_id": member.id,
        "workspace_id": member.workspace_id,
        "kind": "snooze:daily",
        "period_key": "2027-02-26",
        "due_at": when,
        "payload": {"why": "later"},
    }
    assert await scheduler.enqueue(**args) is True
    assert await scheduler.enqueue(**args) is False
    assert await scheduler.next_wakeup() == when
    clock.set(when)
    report = await scheduler.tick()
    assert report.sent == 1 and inbox.texts == ["snooze:daily 2027-02-26"]
    with pytest.raises(ValueError):
        await scheduler.enqueue(
            workspace_id=member.workspace_id, kind="x", period_key="p", due_at=when
        )


async def test_channel_rows_go_to_the_channel(
    services: Services, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    member = await add_member(services)
    await scheduler.enqueue(
        workspace_id=member.workspace_id,
        channel="C-team",
        kind="digest",
        period_key="2027-02",
        due_at=MONDAY_8AM,
    )
    await scheduler.tick()
    [(target, _)] = inbox.got
    assert target == Target("console", "W1", user=None, channel="C-team")


async def test_a_paused_member_gets_nothing_and_resumes_on_the_date(
    services: Services, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    # UTC+7: 09:00 there is 02:00 UTC.
    member = await add_member(services, tz="Asia/Ho_Chi_Minh", now=at("2027-02-28T12:00"))
    await services.store.update_member(member.id, paused=True, paused_until=date(2027, 3, 3))
    skipped = 0
    for day in ("2027-03-01", "2027-03-02"):
        clock.set(at(f"{day}T02:00"))
        report = await scheduler.tick()
        assert report.sent == 0 and report.resumed == 0
        skipped += report.skipped
    assert skipped == 3  # Monday's and Tuesday's daily, and the monthly of the 1st
    clock.set(at("2027-03-02T17:00"))  # 00:00 on the 3rd in Ho Chi Minh City
    assert (await scheduler.tick()).resumed == 1
    assert not (await services.store.get_member(member.id)).paused
    clock.set(at("2027-03-03T02:00"))
    await scheduler.tick()
    assert inbox.texts == ["prompt:daily 2027-03-03"]
    assert [r.period_key for r in await rows(services, member.id)] == ["2027-03-03"]


async def test_pause_without_a_date_holds_everything_until_resume(
    services: Services, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    member = await add_member(services)
    await scheduler.enqueue(
        member_id=member.id,
        workspace_id=member.workspace_id,
        kind="snooze:daily",
        period_key="2027-02-26",
        due_at=at("2027-03-01T08:30"),
    )
    await services.store.update_member(member.id, paused=True)
    for day in range(1, 8):
        clock.set(at(f"2027-03-{day:02d}T09:00"))
        await scheduler.tick()
    assert inbox.got == []
    [snooze] = await rows(services, member.id)
    assert (snooze.status, snooze.last_error) == ("cancelled", "member paused")
    await services.store.update_member(member.id, paused=False)
    clock.set(at("2027-03-08T09:00"))
    await scheduler.tick()
    assert inbox.texts == ["prompt:daily 2027-03-08"]


async def test_transient_errors_back_off_then_give_up(
    services: Services, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    member = await add_member(services)

    async def timeout(target: Target) -> None:
        raise PlatformUnreachable("error.platform_timeout", permanent=False)

    inbox.fail = timeout
    clock.set(at("2027-03-01T09:00"))
    waits = []
    for attempt in range(1, policy.MAX_ATTEMPTS + 1):
        report = await scheduler.tick()
        [row] = await rows(services, member.id)
        assert row.attempts == attempt
        if attempt < policy.MAX_ATTEMPTS:
            assert (report.retried, row.status) == (1, "pending")
            waits.append(row.not_before - clock.now())
            clock.set(row.not_before)
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert (report.failed, row.status) == (1, "failed")
    assert "gave up after 5 attempts" in (row.last_error or "")
    assert (await services.store.get_member(member.id)).unreachable is None


async def test_retry_after_is_honoured_and_a_later_try_succeeds(
    services: Services, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    member = await add_member(services)
    calls = 0

    async def rate_limited_once(target: Target) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise PlatformUnreachable("error.rate_limited", permanent=False, retry_after=600)

    inbox.fail = rate_limited_once
    clock.set(at("2027-03-01T09:00"))
    await scheduler.tick()
    [row] = await rows(services, member.id)
    assert row.not_before == at("2027-03-01T09:10")
    clock.set(at("2027-03-01T09:09"))
    assert (await scheduler.tick()).claimed == 0
    clock.set(at("2027-03-01T09:10"))
    assert (await scheduler.tick()).sent == 1
    [row] = await rows(services, member.id)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 2, at("2027-03-01T09:10"))


async def test_a_permanent_error_stops_the_member_and_profile_says_so(
    services: Services, scheduler: Scheduler, inbox: Inbox, clock: SimClock, mentor: Mentor
) -> None:
    member = await add_member(services)

    async def gone(target: Target) -> None:
        raise PlatformUnreachable("error.dm_closed", permanent=True)

    inbox.fail = gone
    clock.set(at("2027-03-01T09:00"))
    report = await scheduler.tick()
    assert report.failed == 1
    [row] = await rows(services, member.id)
    assert (row.status, row.last_error) == ("failed", "permanent: error.dm_closed")
    assert (await services.store.get_member(member.id)).unreachable == "error.dm_closed"

    inbox.fail = None
    skipped = 0
    for day in range(2, 6):
        clock.set(at(f"2027-03-{day:02d}T09:00"))
        report = await scheduler.tick()
        assert report.created == 0
        skipped += report.skipped
    assert skipped == 5  # the monthly of the 1st, then four daily prompts
    assert inbox.got == [] and len(await rows(services, member.id)) == 1
    text = await Chat(mentor, make_actor("U1", workspace="W1")).say("/mentor profile")
    assert "can no longer reach you" in text and "error.dm_closed" in text


async def test_a_workspace_wide_permanent_error_disables_the_workspace(
    services: Services, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    first = await add_member(services, "U1")
    await add_member(services, "U2")

    async def uninstalled(target: Target) -> None:
        raise PlatformUnreachable("error.app_uninstalled", permanent=True, scope="workspace")

    inbox.fail = uninstalled
    clock.set(at("2027-03-01T09:00"))
    report = await scheduler.tick()
    assert report.failed == 2
    workspace = await services.store.get_workspace(first.workspace_id)
    assert workspace.disabled_reason == "error.app_uninstalled"
    clock.set(at("2027-03-02T09:00"))
    report = await scheduler.tick()
    assert (report.created, report.skipped) == (0, 4)  # daily and monthly, both members


async def test_a_row_the_renderer_cannot_render_fails_without_retries(
    services: Services, inbox: Inbox, clock: SimClock
) -> None:
    member = await add_member(services)

    async def broken(*_: object) -> list:
        raise KeyError("checkin.title.daily")

    scheduler = Scheduler(services, outlets={"console": inbox}, render=broken)
    clock.set(at("2027-03-01T09:00"))
    report = await scheduler.tick()
    assert (report.failed, report.retried, inbox.got) == (1, 0, [])
    [row] = await rows(services, member.id)
    assert row.status == "failed" and "render: KeyError" in (row.last_error or "")


async def test_rows_wait_for_a_worker_with_an_outlet_for_their_platform(
    services: Services, scheduler: Scheduler, clock: SimClock
) -> None:
    member = await add_member(services, platform="slack")
    clock.set(at("2027-03-01T09:00"))
    report = await scheduler.tick()
    assert (report.created, report.claimed) == (1, 0)
    [row] = await rows(services, member.id)
    assert row.status == "pending" and row.lease_owner is None
    slack = Inbox(platform="slack")
    other = Scheduler(services, outlets={"slack": slack}, render=plain_render)
    assert (await other.tick()).sent == 1
    assert slack.got[0][0].platform == "slack"


@pytest.mark.parametrize(
    ("down_until", "sent", "missed"),
    [
        # Daily 09:00 on weekdays: the latest occurrence is Friday's; 5 h late is inside
        # the 6 h grace. Tuesday's to Thursday's leave no trace: never a burst.
        ("2027-03-05T14:00", ["prompt:daily 2027-03-05"], []),
        # 6 h 30 late: recorded as missed, not sent.
        ("2027-03-05T15:30", [], ["prompt:daily 2027-03-05"]),
        # Saturday: Friday 16:00's weekly is 18 h late (inside 2 days), Friday's daily
        # 25 h (past 6 h).
        ("2027-03-06T10:00", ["prompt:weekly 2027-W09"], ["prompt:daily 2027-03-05"]),
        # Ten days down: Monday's daily is 2 h late; the weekly of Friday the 12th is
        # 2 days 19 h late, past its window.
        ("2027-03-15T11:00", ["prompt:daily 2027-03-15"], ["prompt:weekly 2027-W10"]),
    ],
)
async def test_after_downtime_only_the_latest_period_is_sent_if_still_useful(
    services: Services,
    scheduler: Scheduler,
    inbox: Inbox,
    clock: SimClock,
    down_until: str,
    sent: list[str],
    missed: list[str],
) -> None:
    member = await add_member(services)
    await services.store.update_member(member.id, paused=False)
    clock.set(at("2027-03-01T10:30"))  # Monday's daily and monthly go out
    await scheduler.tick()
    inbox.got.clear()
    clock.set(at(down_until))
    report = await scheduler.tick()
    assert sorted(inbox.texts) == sorted(sent)
    found = await rows(services, member.id)
    assert sorted(f"{r.kind} {r.period_key}" for r in found if r.status == "missed") == sorted(
        missed
    )
    assert len(found) == 2 + len(sent) + len(missed)
    assert report.sent == len(sent) and report.missed == len(missed)
    later = await routine(services, member.id, "daily")
    assert later.next_due_at is not None and later.next_due_at > clock.now()


async def test_a_pending_row_found_too_late_is_missed_not_sent(
    services: Services, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    member = await add_member(services)
    await scheduler.enqueue(
        member_id=member.id,
        workspace_id=member.workspace_id,
        kind="nudge:tutorial-hell",
        period_key="2027-W05",
        due_at=MONDAY_8AM - policy.DEFAULT_GRACE - timedelta(minutes=1),
    )
    report = await scheduler.tick()
    assert (report.missed, inbox.got) == (1, [])
    [row] = await rows(services, member.id)
    assert row.status == "missed" and "past its grace window" in (row.last_error or "")


async def test_a_row_that_keeps_killing_its_worker_is_given_up(
    services: Services, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    member = await add_member(services)
    await scheduler.enqueue(
        member_id=member.id,
        workspace_id=member.workspace_id,
        kind="snooze:daily",
        period_key="2027-02-26",
        due_at=MONDAY_8AM,
    )
    async with services.store.session() as s:  # five claims by workers that died
        await s.execute(
            update(Delivery).values(
                status="claimed",
                attempts=policy.MAX_ATTEMPTS,
                lease_owner="dead",
                lease_until=MONDAY_8AM,
            )
        )
    clock.set(MONDAY_8AM + timedelta(seconds=1))
    report = await scheduler.tick()
    assert (report.failed, inbox.got) == (1, [])
    [row] = await rows(services, member.id)
    assert row.status == "failed" and row.last_error == "gave up after 5 attempts"


async def test_identical_prompts_are_rendered_once(
    services: Services, inbox: Inbox, clock: SimClock
) -> None:
    for i in range(12):
        await add_member(services, f"U{i}", language="vi" if i % 3 == 0 else "en")
    scheduler = Scheduler(services, outlets={"console": inbox})  # the core's renderer
    clock.set(at("2027-03-01T09:00"))
    report = await scheduler.tick()
    assert report.sent == 12 and report.rendered == 2
    assert sum("Daily check-in" in text for text in inbox.texts) == 8


async def test_receipts_are_folded_in_chunks_of_a_batch(
    services: Services, inbox: Inbox, clock: SimClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five prompts sent in batches of two are folded two receipts per transaction, and
    every row ends sent with its own message id, none left as a receipt."""
    members = [await add_member(services, f"U{i}") for i in range(5)]
    folds: list[int] = []
    fold_receipts = outbox.fold_receipts

    def counted(conn: Connection, *, limit: int) -> int:
        folds.append(fold_receipts(conn, limit=limit))
        return folds[-1]

    monkeypatch.setattr(outbox, "fold_receipts", counted)
    scheduler = Scheduler(services, outlets={"console": inbox}, render=plain_render, batch_size=2)
    clock.set(at("2027-03-01T09:00"))
    report = await scheduler.tick()
    await scheduler.stop()
    assert report.sent == 5
    assert folds == [2, 2, 1]
    sent = await rows(services)
    assert {row.member_id for row in sent} == {m.id for m in members}
    assert all(row.status == "sent" and row.lease_owner is None for row in sent)
    assert sorted(row.platform_message_id for row in sent) == [f"msg-{i}" for i in range(1, 6)]
    async with services.store.session() as s:
        assert await s.scalar(select(func.count()).select_from(DeliveryReceipt)) == 0


async def test_an_interval_job_drives_the_ticks(
    services: Services, inbox: Inbox, clock: SimClock
) -> None:
    """The one real-time test: APScheduler's job, not a loop in the test, calls tick."""
    await add_member(services)
    clock.set(at("2027-03-01T09:00"))
    delivered = asyncio.Event()

    async def note(target: Target) -> None:
        delivered.set()

    inbox.fail = note
    scheduler = Scheduler(services, outlets={"console": inbox}, render=plain_render)
    scheduler.start(interval_s=0.05)
    try:
        assert scheduler._aps is not None and len(scheduler._aps.get_jobs()) == 1
        await asyncio.wait_for(delivered.wait(), timeout=10)
    finally:
        await scheduler.stop()
    assert scheduler.last_report is not None
    assert inbox.texts == ["prompt:daily 2027-03-01"]


async def test_a_stalled_scheduled_tick_logs_where_it_waits_once(
    services: Services,
    inbox: Inbox,
    clock: SimClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The scheduler watches its own tick: with no ``/readyz`` asking (a benchmark, a
    worker without a probe), a tick that stops moving still logs one warning saying
    where its tasks wait."""
    await add_member(services)
    clock.set(at("2027-03-01T09:00"))
    quiet = [1000.0]  # telemetry's clock, moved by hand
    monkeypatch.setattr(telemetry, "_clock", lambda: quiet[0])
    monkeypatch.setattr(telemetry, "_running", 0)
    monkeypatch.setattr(telemetry, "_warned_for", None)
    caplog.set_level(logging.WARNING, logger="bot.telemetry")
    arrived, release = asyncio.Event(), asyncio.Event()

    async def stuck_on_the_platform(target: Target) -> None:
        arrived.set()
        await release.wait()

    inbox.fail = stuck_on_the_platform
    scheduler = Scheduler(services, outlets={"console": inbox}, render=plain_render)
    scheduler.stall_check_s = 0.01
    scheduler.start(interval_s=3600)

    def warnings() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "bot.telemetry"]

    try:
        await asyncio.wait_for(arrived.wait(), timeout=10)
        await asyncio.sleep(0.05)  # several looks while it has been quiet 0 s: nothing
        assert warnings() == []
        quiet[0] += telemetry.STALL_AFTER_S + 1
        async with asyncio.timeout(10):
            while not warnings():
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # more looks at the same stall: still one warning
        [warning] = warnings()
        assert "has not moved for 121 s" in warning
        assert "mentorbot-tick: " in warning and "fan-out:send: " in warning
        assert "in stuck_on_the_platform" in warning and "await release.wait()" in warning
    finally:
        release.set()
        await scheduler.stop()
    assert inbox.texts == ["prompt:daily 2027-03-01"]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_a_write_loop_that_fails_leaves_no_other_behind(
    services: Services, inbox: Inbox, clock: SimClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a fan-out runs several write loops (``writers``). When one fails,
    the tick fails only once the others have finished the write they are in, and
    nothing is left running: ``gather`` does not cancel its other children, so a loop
    used to outlive the failed tick, write its rows claimed after the tick had put back
    what it held, and wait forever on a queue nobody read any more."""
    from schedules import engine

    await add_members(services, 30)
    clock.set(at("2027-03-01T09:00"))
    real_write_due = engine.write_due
    calls = 0
    second_in, release = asyncio.Event(), asyncio.Event()

    async def write_due(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:
            await second_in.wait()  # both loops are in a write
            raise RuntimeError("disk full")
        if calls == 2:
            second_in.set()
            await release.wait()  # a slow write, still going when the first fails
        return await real_write_due(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "write_due", write_due)
    scheduler = Scheduler(
        services, outlets={"console": inbox}, render=plain_render, batch_size=10, writers=2
    )
    before = asyncio.all_tasks()
    tick = asyncio.create_task(scheduler.tick())
    await asyncio.wait_for(second_in.wait(), timeout=10)
    for _ in range(20):
        await asyncio.sleep(0)
    assert not tick.done()  # the failure waits for the other loop's write
    release.set()
    with pytest.raises(RuntimeError, match="disk full"):
        await asyncio.wait_for(tick, timeout=10)
    assert asyncio.all_tasks() - before - {tick} == set()  # no loop left behind
    assert calls == 2  # told to stop, the slow loop wrote no further page
    # What the slow loop created is sent or back to pending: nothing stays held.
    statuses = {row.status for row in await rows(services)}
    assert statuses and statuses <= {"pending", "sent"}
    assert len(inbox.got) == len({target.user for target, _ in inbox.got})


async def test_member_rows_are_exported_and_forgotten_with_the_member(
    services: Services, scheduler: Scheduler, clock: SimClock
) -> None:
    from storage.privacy import delete_member, export_member

    member = await add_member(services)
    clock.set(at("2027-03-01T09:00"))
    await scheduler.tick()
    exported = await export_member(services.store, member.id)
    assert [d["kind"] for d in exported["delivery"]] == ["prompt:daily"]
    assert len(exported["routine"]) == 3
    await delete_member(services.store, member.id)
    assert await rows(services) == []


def test_backoff_and_grace_policy() -> None:
    assert [policy.backoff(n).total_seconds() for n in range(1, 8)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1800,
    ]
    assert policy.backoff(1, retry_after=90).total_seconds() == 90
    assert policy.grace_for("prompt:weekly") == timedelta(days=2)
    assert policy.grace_for("snooze:daily") == timedelta(hours=6)
    assert policy.grace_for("digest") == policy.DEFAULT_GRACE
    assert max(policy.GRACE.values()) < timedelta(days=28)


async def test_members_are_independent_of_each_others_failures(
    services: Services, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    ok = await add_member(services, "U-ok")
    bad = await add_member(services, "U-bad")

    async def only_bad(target: Target) -> None:
        if target.user == "U-bad":
            raise PlatformUnreachable("error.dm_closed", permanent=True)

    inbox.fail = only_bad
    clock.set(at("2027-03-01T09:00"))
    report = await scheduler.tick()
    assert (report.sent, report.failed) == (1, 1)
    fresh: Member | None = await services.store.get_member(ok.id)
    assert fresh is not None and fresh.unreachable is None
    assert (await services.store.get_member(bad.id)).unreachable


def test_sim_clock_is_utc() -> None:
    assert SimClock(datetime(2027, 1, 1, tzinfo=UTC)).now().tzinfo is UTC


async def test_fresh_rows_follow_members_who_change_before_the_send(
    services: Services, inbox: Inbox, clock: SimClock
) -> None:
    """At fan-out the sender reads the members of rows just created on its own
    connection, after the writer committed: a member who paused, became unreachable
    or was deleted in between gets nothing, and each row ends with the reason."""
    from schedules.dispatch import Dispatcher
    from schedules.materialise import read_due, write_due
    from schedules.plans import Plans
    from schedules.render import RenderCache
    from storage import outbox
    from storage.checkins import asked_periods
    from storage.privacy import delete_member

    kept, paused, gone, closed = [
        await add_member(services, user) for user in ("U1", "U2", "U3", "U4")
    ]
    elsewhere = await add_member(services, "U5", workspace="W2")
    now = at("2027-03-01T09:00")
    clock.set(now)
    scheduler = Scheduler(services, outlets={"console": inbox}, render=plain_render)
    due = await read_due(services.store, now=now, plans=Plans(now), limit=100)
    _, made = await write_due(scheduler.writer, due, now=now, claim=scheduler._claim_for(now))
    assert made.created == 5 and sum(len(part.rows) for part in made.fresh) == 5
    ids = {row.member_id: row.id for row in await rows(services) if row.status == "claimed"}

    await services.store.update_member(paused.id, paused=True)
    await services.store.update_member(closed.id, unreachable="DMs closed")
    await delete_member(services.store, gone.id)
    async with services.store.session() as s:
        await s.execute(
            update(Workspace)
            .where(Workspace.id == elsewhere.workspace_id)
            .values(disabled_reason="uninstalled")
        )
    dispatcher = Dispatcher(
        services,
        scheduler.outlets,
        RenderCache(services, plain_render),
        writing=asyncio.Lock(),
        writer=scheduler.writer,
        owner=scheduler.owner,
        lease=scheduler.lease,
        max_in_flight=4,
        max_attempts=3,
    )
    await dispatcher.deliver_fresh(made.fresh, now)
    await dispatcher.recorder.close()  # the tick's last flush
    # The send is recorded as a receipt; the tick folds it into the row at its end.
    assert {row.member_id: row.status for row in await rows(services)}[kept.id] == "claimed"
    assert await asked_periods(services.store, kept.id, "daily") == {"2027-03-01"}
    await scheduler.writer.run(outbox.fold_receipts)
    await scheduler.stop()

    assert [target.user for target, _ in inbox.got] == ["U1"]
    assert (dispatcher.recorder.tally.sent, dispatcher.recorder.tally.cancelled) == (1, 4)
    assert {row.id: row.platform_message_id for row in await rows(services)}[
        ids[kept.id]
    ] == "msg-1"
    status = {row.member_id: (row.status, row.last_error) for row in await rows(services)}
    assert status == {
        kept.id: ("sent", None),
        paused.id: ("cancelled", "member paused"),
        closed.id: ("cancelled", "member unreachable: DMs closed"),
        elsewhere.id: ("cancelled", "workspace disabled: uninstalled"),
    }


async def test_schedulers_sharing_a_process_keep_each_others_rows(
    services: Services, inbox: Inbox, clock: SimClock
) -> None:
    """Two schedulers in one process share its pid: neither takes the other's claimed
    rows for a dead predecessor's. A live worker's rows are held by its heartbeat
    whatever their own lease says; once it stops, they are free."""
    member = await add_member(services, "U1")
    now = at("2027-03-01T08:30")
    clock.set(now)
    first = Scheduler(services, outlets={"console": inbox}, render=plain_render)
    second = Scheduler(services, outlets={"console": inbox}, render=plain_render)
    assert await first.enqueue(
        member_id=member.id, workspace_id=member.workspace_id, kind="nudge:test",
        period_key="p1", due_at=now,
    )  # fmt: skip
    await first.heartbeat.beat()
    async with services.store.session() as s:
        held = await outbox.claim(await s.connection(), first._claim_for(now), now=now, limit=10)
    assert len(held) == 1

    assert await second.heartbeat.take_back() == 0
    clock.set(now + first.lease / 2)
    await first.heartbeat.beat()  # a beat while the rows wait in its queues
    clock.set(now + first.lease + timedelta(seconds=1))  # the row's own lease is over
    async with services.store.session() as s:
        conn = await s.connection()
        assert (
            await outbox.claim(conn, second._claim_for(clock.now()), now=clock.now(), limit=10)
            == []
        )
    await first.stop()  # a clean stop puts what it held back to pending
    assert [(r.kind, r.status) for r in await rows(services, member.id)] == [
        ("nudge:test", "pending")
    ]
    await second.stop()


async def test_a_row_a_tick_hook_enqueues_goes_out_in_the_same_idle_tick(
    services: Services, scheduler: Scheduler, inbox: Inbox
) -> None:
    """A tick whose first read finds nothing claimable skips the claim, unless a row
    was enqueued since: here by a tick hook, which runs after that read."""
    member = await add_member(services)  # nothing due at 08:00

    async def hook(sched: Scheduler, now: datetime) -> None:
        await sched.enqueue(
            member_id=member.id, workspace_id=member.workspace_id, kind="nudge:test",
            period_key="p1", due_at=now,
        )  # fmt: skip

    services.tick_hooks.append(hook)
    report = await scheduler.tick()
    assert (report.created, report.claimed, report.sent) == (0, 1, 1)
    assert inbox.texts == ["nudge:test p1"]
    assert (await scheduler.tick()).claimed == 0


async def test_an_idle_tick_claims_what_another_process_left_claimable(
    services: Services, inbox: Inbox, clock: SimClock
) -> None:
    """Nothing due and nothing enqueued by this scheduler: rows another worker made
    claimable before the tick (a pending row; a row whose lease and owner's heartbeat
    ran out, its owner on another host) are found by the tick's first read and sent."""
    member = await add_member(services)
    now = at("2027-03-01T08:30")
    clock.set(now)
    other = Scheduler(services, outlets={"console": inbox}, render=plain_render, host="elsewhere")
    for key in ("p1", "p2"):
        assert await other.enqueue(
            member_id=member.id, workspace_id=member.workspace_id, kind="nudge:test",
            period_key=key, due_at=now,
        )  # fmt: skip
    await other.heartbeat.beat()
    async with services.store.session() as s:
        claim = other._claim_for(now)
        held = await outbox.claim(await s.connection(), claim, now=now, limit=1)
    assert len(held) == 1  # p1 is held by ``other``, p2 still pending

    scheduler = Scheduler(services, outlets={"console": inbox}, render=plain_render)
    report = await scheduler.tick()
    assert (report.claimed, report.sent, inbox.texts) == (1, 1, ["nudge:test p2"])
    clock.set(now + other.lease + timedelta(seconds=1))  # ``other`` has stopped beating
    report = await scheduler.tick()
    assert (report.claimed, report.sent) == (1, 1)
    assert inbox.texts == ["nudge:test p2", "nudge:test p1"]
    assert [(r.period_key, r.status, r.attempts) for r in await rows(services, member.id)] == [
        ("p1", "sent", 2),
        ("p2", "sent", 1),
    ]
    await scheduler.stop()


async def test_a_tick_with_a_fan_out_also_claims_what_was_claimable_at_its_start(
    services: Services, inbox: Inbox, clock: SimClock
) -> None:
    """The claim after a fan-out runs when the tick's first read found a claimable row
    (here one another scheduler enqueued), and is skipped otherwise: the fan-out's own
    rows are created claimed."""
    member = await add_member(services)
    clock.set(at("2027-03-01T09:00"))
    other = Scheduler(services, outlets={"console": inbox}, render=plain_render)
    assert await other.enqueue(
        member_id=member.id, workspace_id=member.workspace_id, kind="nudge:test",
        period_key="p1", due_at=clock.now(),
    )  # fmt: skip
    scheduler = Scheduler(services, outlets={"console": inbox}, render=plain_render)
    report = await scheduler.tick()
    assert (report.created, report.claimed, report.sent) == (1, 2, 2)
    assert sorted(inbox.texts) == ["nudge:test p1", "prompt:daily 2027-03-01"]
    clock.set(at("2027-03-01T10:00"))  # the monthly routine
    report = await scheduler.tick()
    assert (report.created, report.claimed, report.sent) == (1, 1, 1)
    assert [(r.kind, r.status) for r in await rows(services, member.id)] == [
        ("nudge:test", "sent"),
        ("prompt:daily", "sent"),
        ("prompt:monthly", "sent"),
    ]
    await scheduler.stop()
