"""If-then plans as a member meets them: "Make a plan" on a goal and on a nudge, the
form, the check-up through the outbox a week later (or on the day named), the answer,
``/mentor goals plans`` and ``/mentor stats``, both languages, export and forget.

The clock starts on Monday 2027-03-01 at 09:00 UTC; routines are switched off so the
outbox carries only what these tests are about.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.context import Services
from bot.delivery import Sent, Target
from bot.events import Actor
from bot.features.nudges import nudge_replies
from bot.features.plans import named_weekday, parse_day
from bot.reply import Reply
from mentorbot.simulation import run_until
from schedules.engine import Scheduler
from storage.models import Delivery
from storage.plan_models import IfThenPlan
from tests.conftest import Chat, wired_scheduler


@dataclass
class Inbox:
    platform: str = "console"
    sent: list[tuple[Target, tuple[Reply, ...]]] = field(default_factory=list)

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent:
        self.sent.append((target, tuple(replies)))
        return Sent(message_id=f"m{len(self.sent)}")


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def scheduler(services: Services, inbox: Inbox) -> Scheduler:
    return wired_scheduler(services, outlets={"console": inbox})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def form_of(chat: Chat):
    forms = [r.form for r in chat.last if r.form is not None]
    assert forms, chat.text
    return forms[0]


async def quiet(chat: Chat) -> None:
    for cadence in ("daily", "weekly", "monthly"):
        await chat.say(f"/mentor schedule off {cadence}")


async def checkups(services: Services) -> list[Delivery]:
    async with services.store.session() as s:
        rows = await s.scalars(select(Delivery).where(Delivery.kind == "plan:checkup"))
        return list(rows)


async def plans(services: Services) -> list[IfThenPlan]:
    async with services.store.session() as s:
        return list(await s.scalars(select(IfThenPlan).order_by(IfThenPlan.id)))


def test_the_check_up_day_a_member_names() -> None:
    monday = date(2027, 3, 1)
    assert parse_day("", today=monday) is None
    assert parse_day("fri", today=monday) == date(2027, 3, 5)
    assert parse_day("Friday", today=monday) == date(2027, 3, 5)
    assert parse_day("mon", today=monday) == monday, "today's weekday is today"
    assert parse_day("T6", today=monday) == date(2027, 3, 5)
    assert parse_day("thứ Sáu", today=monday) == date(2027, 3, 5)
    assert parse_day("chủ nhật", today=monday) == date(2027, 3, 7)
    assert parse_day("tomorrow", today=monday) == date(2027, 3, 2)
    assert parse_day("ngày mai", today=monday) == date(2027, 3, 2)
    assert parse_day("2027-03-19", today=monday) == date(2027, 3, 19)
    for bad in ("2027-02-27", "2027-06-01", "someday", "32/13"):
        with pytest.raises(ValueError):
            parse_day(bad, today=monday)
    # A weekday named in the "when" part is the plan's day.
    assert named_weekday("I close my laptop on Friday", today=monday) == date(2027, 3, 5)
    assert named_weekday("mình gập laptop chiều thứ Năm", today=monday) == date(2027, 3, 4)
    assert named_weekday("I open a notebook", today=monday) is None
    assert named_weekday("I read the fri-day memo on cnn", today=monday) is None


async def test_a_goal_offers_a_plan_and_the_check_up_comes_a_week_later_once(
    chat: Chat, scheduler: Scheduler, inbox: Inbox, clock, services: Services
) -> None:
    await quiet(chat)
    await chat.submit("goals:set#technical:2027-Q1", {"goal": "Ship the ranking API"})
    out = await chat.say("/mentor goals")
    assert "📝 Plan for the Technical (primary) goal" in out
    await chat.click("Plan for the")
    assert "An if-then plan for your Technical (primary) goal: *Ship the ranking API*" in chat.text
    form = form_of(chat)
    assert [f.label for f in form.fields] == [
        "When …",
        "I will …",
        "Check on (optional: a date or a weekday)",
    ]
    out = await chat.submit(
        form.form_id,
        {"cue": "When I open my laptop in the morning", "action": "I will write one test"},
    )
    assert (
        "Plan saved: *When I open my laptop in the morning, I will write one test.* "
        "I'll ask you on Mon 2027-03-08 whether it happened." in out
    )
    await run_until(scheduler, clock, at("2027-03-08T16:59"))
    assert inbox.sent == []
    await run_until(scheduler, clock, at("2027-03-09T00:00"))
    [(target, replies)] = inbox.sent
    assert target.user == "U1"
    assert replies[0].title == "📝 Your if-then plan"
    assert (
        "On 2027-03-01 you planned: *When I open my laptop in the morning, I will write one "
        "test.* Did it happen?" in replies[0].text
    )
    [row] = await checkups(services)
    [plan] = await plans(services)
    assert row.period_key == f"plan-{plan.id}"
    assert row.sent_at == at("2027-03-08T17:00")
    # A restarted scheduler (a new process on the same database) sends nothing twice.
    again = Inbox()
    await run_until(Scheduler(services, outlets={"console": again}), clock, at("2027-03-10"))
    assert again.sent == [] and len(await checkups(services)) == 1
    chat.last = list(replies)
    out = await chat.click("Partly")
    assert "Partly is progress" in out
    out = await chat.say("/mentor stats")
    assert "If-then plans" in out
    assert "1 plan made: 0 happened, 1 partly, 0 didn't, 0 waiting for its check-up." in out
    assert (
        "When I open my laptop in the morning, I will write one test. "
        "(for the goal: Ship the ranking API) — partly happened" in out
    )
    await chat.say("/mentor lang vi")
    out = await chat.say("/mentor stats")
    assert "Kế hoạch nếu-thì" in out
    assert "1 kế hoạch đã lập: 0 đã diễn ra, 1 một phần" in out


async def test_a_nudge_offers_a_plan_checked_on_the_day_it_names(
    chat: Chat, scheduler: Scheduler, inbox: Inbox, clock, services: Services
) -> None:
    await quiet(chat)
    pack = services.content.pack("en")
    chat.last = nudge_replies(
        pack,
        {
            "pitfall": "tutorial",
            "evidence_key": "nudge.evidence.tutorial",
            "evidence_values": {"count": 3, "window": 4},
            "next_step": "project:junior:0",
        },
        "junior",
    )
    assert "📝 Make a plan" in chat.text
    await chat.click("Make a plan")
    assert "An if-then plan against *Tutorial hell*" in chat.text
    form = form_of(chat)
    out = await chat.submit(form.form_id, {"cue": "I finish a video", "action": "", "day": "x"})
    assert "Fill in both parts" in out
    assert "I can't read `x` as a check-up day" in out
    out = await chat.submit(
        form.form_id,
        {"cue": "I finish a tutorial video", "action": "build one thing with it", "day": "wed"},
    )
    assert "I'll ask you on Wed 2027-03-03 whether it happened." in out
    await run_until(scheduler, clock, at("2027-03-04T00:00"))
    [(_, replies)] = inbox.sent
    chat.last = list(replies)
    assert "🎉 It happened." in await chat.click("Yes")
    [plan] = await plans(services)
    assert (plan.source, plan.outcome, plan.check_on) == (
        "nudge:tutorial",
        "done",
        date(2027, 3, 3),
    )
    out = await chat.say("/mentor goals plans")
    assert "(against Tutorial hell) — happened" in out


async def test_plans_in_vietnamese_with_a_day_named_in_the_cue(
    mentor, scheduler: Scheduler, inbox: Inbox, clock, services: Services
) -> None:
    binh = Chat(
        mentor,
        Actor(
            platform="console", workspace="W1", user="B", timezone="Asia/Ho_Chi_Minh", language="vi"
        ),
    )
    await quiet(binh)
    out = await binh.say("/mentor goals plans")
    assert "Chưa có kế hoạch nào" in out
    await binh.click("Lập kế hoạch")
    out = await binh.submit(
        form_of(binh).form_id,
        {"cue": "Khi mình gập laptop chiều thứ Sáu", "action": "mình sẽ viết ba dòng ghi chú"},
    )
    assert (
        "Đã lưu kế hoạch: *Khi mình gập laptop chiều thứ Sáu, mình sẽ viết ba dòng ghi chú.*" in out
    )
    assert "Mình sẽ hỏi bạn vào T6 2027-03-05" in out
    await run_until(scheduler, clock, at("2027-03-06T00:00"))
    [(_, replies)] = inbox.sent
    assert replies[0].title == "📝 Kế hoạch nếu-thì của bạn"
    [row] = await checkups(services)
    assert row.sent_at == at("2027-03-05T10:00"), "17:00 in Ho Chi Minh City"
    binh.last = list(replies)
    assert "Đó là thông tin, không phải thất bại" in await binh.click("Lần này chưa")


async def test_another_members_plan_and_goal_are_out_of_reach(mentor, services: Services) -> None:
    alice = Chat(mentor, Actor(platform="console", workspace="W1", user="A"))
    mallory = Chat(mentor, Actor(platform="console", workspace="W1", user="M"))
    await alice.submit("goals:set#technical:2027-Q1", {"goal": "Alice's goal"})
    await alice.say("/mentor goals plan")
    await alice.submit(form_of(alice).form_id, {"cue": "I start", "action": "do it"})
    [plan] = await plans(services)
    assert "older message" in await mallory.act("plans:outcome", f"{plan.id}:done")
    assert (await plans(services))[0].outcome is None
    goal_source = f"goal:{plan.member_id}"  # any id: Mallory's lookup is scoped to Mallory
    assert "older message" in await mallory.act("plans:make", goal_source)
    assert "older message" in await mallory.act("plans:make", "nudge:nonsense")
    assert "You have" not in await mallory.say("/mentor goals plans")
    assert "do it" not in await mallory.say("/mentor stats")


async def test_plans_are_exported_and_forgotten(chat: Chat, services: Services) -> None:
    await chat.say("/mentor goals plan")
    await chat.submit(form_of(chat).form_id, {"cue": "lunch ends", "action": "read one paper"})
    await chat.say("/mentor export")
    document = json.loads(next(r.document for r in chat.last if r.document))
    assert [(p["cue"], p["action"]) for p in document["if_then_plan"]] == [
        ("lunch ends", "read one paper")
    ]
    await chat.say("/mentor forget")
    await chat.click("Yes")
    assert await plans(services) == []
