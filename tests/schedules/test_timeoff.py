"""The outbox and time off: a platform that says a member is away (``Presence``) gets no
check-in prompt, snooze or nudge for them, on the fan-out path and on the claimed-row
path; other kinds still go; a status that cannot be read is not time off."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.context import Services
from bot.delivery import Sent, Target
from bot.nudges import Finding
from bot.reply import Reply
from schedules.engine import Scheduler
from storage.models import Delivery
from tests.conftest import Chat

NUDGE = Finding("lonewolf", "nudge.evidence.lonewolf", {"count": 3}, "fix:lonewolf:0").payload()


@dataclass
class StatusInbox:
    """A console outlet that can read statuses, like Slack's."""

    away: set[str] = field(default_factory=set)
    broken: bool = False
    platform: str = "console"
    sent: list[tuple[Target, tuple[Reply, ...]]] = field(default_factory=list)
    asked: int = 0

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent:
        self.sent.append((target, tuple(replies)))
        return Sent(message_id=f"m{len(self.sent)}")

    async def is_away(self, target: Target, *, now: datetime) -> bool:
        self.asked += 1
        if self.broken:
            raise RuntimeError("status service down")
        return target.user in self.away


async def statuses(services: Services) -> dict[str, str]:
    async with services.store.session() as s:
        rows = await s.scalars(select(Delivery).order_by(Delivery.id))
        return {
            f"{r.kind} {r.period_key}": f"{r.status} {r.last_error or ''}".strip() for r in rows
        }


async def test_prompts_snoozes_and_nudges_wait_while_away_and_other_kinds_go(
    chat: Chat, services: Services, clock
) -> None:
    await chat.say("/mentor schedule")  # first contact: routines at 09:00 UTC
    inbox = StatusInbox(away={"U1"})
    scheduler = Scheduler(services, outlets={"console": inbox})
    clock.set(datetime(2027, 3, 2, 9, 0, tzinfo=UTC))
    await scheduler.tick()  # fan-out: the daily prompt
    now = clock.now()
    for kind in ("snooze:daily", "nudge:lonewolf", "pairs:intro"):
        await scheduler.enqueue(
            member_id=1, workspace_id=1, kind=kind, period_key="2027-03-02", due_at=now,
            payload=NUDGE if kind.startswith("nudge") else {},
        )  # fmt: skip
    await scheduler.tick()  # claimed rows
    found = await statuses(services)
    assert found["prompt:daily 2027-03-02"] == "cancelled member away (time off)"
    assert found["snooze:daily 2027-03-02"] == "cancelled member away (time off)"
    assert found["nudge:lonewolf 2027-03-02"] == "cancelled member away (time off)"
    # Not held back: an introduction renders nothing here (no such pair), so it is
    # cancelled for that reason, never for time off.
    assert "time off" not in found["pairs:intro 2027-03-02"]
    assert inbox.sent == []

    inbox.away.clear()
    clock.advance(timedelta(days=1))
    await scheduler.tick()
    assert (await statuses(services))["prompt:daily 2027-03-03"] == "sent"


async def test_a_status_that_cannot_be_read_is_not_time_off(
    chat: Chat, services: Services, clock
) -> None:
    await chat.say("/mentor schedule")
    inbox = StatusInbox(broken=True)
    clock.set(datetime(2027, 3, 2, 9, 0, tzinfo=UTC))
    await Scheduler(services, outlets={"console": inbox}).tick()
    assert inbox.asked >= 1
    assert (await statuses(services))["prompt:daily 2027-03-02"] == "sent"
