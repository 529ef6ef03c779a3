"""Quarterly goals and the monthly review, as a member meets them; the quarter-end
question through the scheduler and the outbox on the simulated clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.context import Services
from bot.delivery import Sent, Target
from bot.events import Actor
from bot.features.goals import review_period
from bot.prompts import render_delivery
from bot.reply import Reply
from mentorbot.simulation import run_until
from schedules.engine import Scheduler
from storage.models import Delivery, Goal, Member, Review
from tests.conftest import Chat, wired_scheduler


@dataclass
class Inbox:
    platform: str = "console"
    sent: list[tuple[Target, tuple[Reply, ...]]] = field(default_factory=list)

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent:
        self.sent.append((target, tuple(replies)))
        return Sent(message_id=f"m{len(self.sent)}")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def form_of(chat: Chat):
    forms = [r.form for r in chat.last if r.form is not None]
    assert forms, chat.text
    return forms[0]


async def goals(chat: Chat) -> list[Goal]:
    async with chat.mentor.services.store.session() as s:
        return list(await s.scalars(select(Goal).order_by(Goal.quarter, Goal.id)))


async def set_goal(chat: Chat, area_label: str, values: dict[str, str]) -> str:
    await chat.say("/mentor goals")
    await chat.click(area_label)
    return await chat.submit(form_of(chat).form_id, values)


async def test_goals_shows_three_areas_and_sets_each_through_a_form(chat: Chat) -> None:
    out = await chat.say("/mentor goals")
    assert "Your goals for 2027-Q1" in out
    assert "Technical (primary)\n_not set yet_" in out and "Soft skills" in out
    await chat.click("Set technical goal")
    form = form_of(chat)
    assert form.form_id == "goals:set#technical:2027-Q1"
    assert [f.label for f in form.fields] == ["Primary goal", "Projects", "Metric"]
    assert len(form.fields) <= 5  # Discord's limit for a modal
    out = await chat.submit(
        form.form_id,
        {
            "goal": "Master RAG systems",
            "plan": "Ship a production RAG chatbot; add re-ranking",
            "metric": "1000 users, latency under 500 ms",
        },
    )
    assert "Saved your Technical (primary) goal." in out
    assert "*Master RAG systems*\nProjects: Ship a production RAG chatbot" in out
    assert "Metric: 1000 users, latency under 500 ms" in out
    await set_goal(
        chat, "Set breadth goal", {"goal": "Kubernetes basics", "plan": "", "metric": ""}
    )
    assert "no metric yet" in chat.text
    await set_goal(
        chat,
        "Set soft-skills goal",
        {"goal": "Technical writing", "plan": "3 posts", "metric": "1000 views"},
    )
    out = await chat.say("/mentor goals")
    assert "Action: 3 posts" in out and "What to learn" not in out
    # Setting an area again replaces its goal.
    await set_goal(chat, "Set technical goal", {"goal": "Evaluate LLM apps", "metric": "x"})
    rows = await goals(chat)
    assert [(g.area, g.goal) for g in rows] == [
        ("technical", "Evaluate LLM apps"),
        ("breadth", "Kubernetes basics"),
        ("soft", "Technical writing"),
    ]


async def test_goal_forms_refuse_empty_goals_and_forged_quarters(chat: Chat) -> None:
    out = await chat.submit("goals:set#technical:2027-Q1", {"goal": " ", "metric": "x"})
    assert "A goal needs at least its first line. Nothing was saved." in out
    assert chat.last[0].errors == {"goal": chat.last[0].text}
    out = await chat.submit("goals:set#technical:2025-Q1", {"goal": "old"})
    assert "That button belongs to an older message" in out
    out = await chat.submit("goals:set#nonsense:2027-Q1", {"goal": "x"})
    assert "That button belongs to an older message" in out
    assert await goals(chat) == []
    # Next quarter may be planned ahead.
    await chat.submit("goals:set#soft:2027-Q2", {"goal": "Present monthly"})
    assert "Present monthly" in await chat.say("/mentor goals next")


async def test_goals_set_by_command_with_area_aliases(chat: Chat) -> None:
    await chat.say("/mentor goals set")
    assert "Which area?" in chat.text
    await chat.click("Breadth")
    assert form_of(chat).form_id == "goals:set#breadth:2027-Q1"
    await chat.say("/mentor goals set soft-skills")
    assert form_of(chat).form_id == "goals:set#soft:2027-Q1"
    await chat.say("/mentor goals tech")
    assert form_of(chat).form_id == "goals:set#technical:2027-Q1"
    out = await chat.say("/mentor goals set techincal")
    assert "`techincal` is not a goal area" in out and "`technical`" in out
    out = await chat.say("/mentor goals banana")
    assert "Use: `/mentor goals" in out


async def test_goals_in_vietnamese(chat: Chat) -> None:
    await chat.say("/mentor lang vi")
    out = await chat.say("/mentor goals")
    assert "Mục tiêu của bạn cho 2027-Q1" in out and "Kỹ năng mềm" in out


def test_review_period_looks_back_in_the_first_week() -> None:
    assert review_period(datetime(2027, 4, 1).date()) == "2027-03"
    assert review_period(datetime(2027, 4, 7).date()) == "2027-03"
    assert review_period(datetime(2027, 4, 8).date()) == "2027-04"
    assert review_period(datetime(2027, 1, 3).date()) == "2026-12"


async def test_review_is_written_through_a_form_and_listed(chat: Chat, clock) -> None:
    out = await chat.say("/mentor review")
    assert "No review yet." in out
    await chat.click("Write the review for 2027-02")
    form = form_of(chat)
    assert form.form_id == "review:monthly#2027-02"
    assert [f.name for f in form.fields] == ["worked", "didnt", "adjust"]
    out = await chat.submit(form.form_id, {"worked": "pairing", "didnt": "", "adjust": "x"})
    assert "All three questions need an answer." in out
    assert set(chat.last[0].errors) == {"didnt"}
    out = await chat.submit(
        form.form_id,
        {
            "worked": "Weekly pairing with Ana",
            "didnt": "Too many courses at once",
            "adjust": "One course per quarter",
        },
    )
    assert "Saved your review of 2027-02." in out
    clock.set(at("2027-03-20T10:00"))
    await chat.say("/mentor review write")
    assert form_of(chat).form_id == "review:monthly#2027-03"
    await chat.submit(
        "review:monthly#2027-03", {"worked": "shipped", "didnt": "no post", "adjust": "write"}
    )
    out = await chat.say("/mentor review")
    assert out.index("2027-03") < out.index("2027-02")
    assert "*Worked:* Weekly pairing with Ana" in out
    # Writing the same month again updates it; a future month is refused.
    await chat.submit(
        "review:monthly#2027-03", {"worked": "shipped v2", "didnt": "-", "adjust": "-"}
    )
    out = await chat.submit("review:monthly#2027-05", {"worked": "a", "didnt": "b", "adjust": "c"})
    assert "older message" in out
    async with chat.mentor.services.store.session() as s:
        rows = list(await s.scalars(select(Review).order_by(Review.period)))
    assert [(r.period, r.worked) for r in rows] == [
        ("2027-02", "Weekly pairing with Ana"),
        ("2027-03", "shipped v2"),
    ]


async def test_monthly_checkin_carries_the_review_button(chat: Chat, services: Services) -> None:
    await chat.submit("goals:set#technical:2027-Q1", {"goal": "Master RAG"})
    member = Member(id=1, language="en", timezone="UTC", diet_sources={})
    delivery = Delivery(id=1, kind="prompt:monthly", period_key="2027-03")
    [prompt] = await render_delivery(services, delivery, member)
    assert prompt.buttons[-1].label == "📝 Monthly review"
    weekly = Delivery(id=2, kind="prompt:weekly", period_key="2027-W09")
    [other] = await render_delivery(services, weekly, member)
    assert "📝 Monthly review" not in [b.label for b in other.buttons]
    chat.last = [prompt]
    await chat.click("Monthly review")
    assert "Your goals this quarter:\n- Technical (primary): Master RAG" in chat.text
    assert form_of(chat).form_id == "review:monthly#2027-02"


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def scheduler(services: Services, inbox: Inbox) -> Scheduler:
    return wired_scheduler(services, outlets={"console": inbox})


async def test_quarter_end_asks_to_close_or_carry_each_goal_once(
    mentor, scheduler: Scheduler, inbox: Inbox, clock
) -> None:
    tokyo = Chat(
        mentor,
        Actor(platform="console", workspace="W1", user="U1", timezone="Asia/Tokyo", language="en"),
    )
    await tokyo.say("/mentor schedule off daily")
    await tokyo.say("/mentor schedule off weekly")
    await tokyo.say("/mentor schedule off monthly")
    await tokyo.submit("goals:set#technical:2027-Q1", {"goal": "Master RAG", "metric": "1k users"})
    await tokyo.submit("goals:set#soft:2027-Q1", {"goal": "Technical writing"})
    await run_until(scheduler, clock, at("2027-03-31T23:59"))
    assert inbox.sent == []
    await run_until(scheduler, clock, at("2027-04-10T00:00"))
    assert len(inbox.sent) == 1
    target, replies = inbox.sent[0]
    assert target.user == "U1"
    assert replies[0].title == "2027-Q1 is over: how did your goals go?"
    assert [r.text for r in replies[1:]] == [
        "*Technical (primary)*: Master RAG",
        "*Soft skills*: Technical writing",
    ]
    async with mentor.services.store.session() as s:
        row = await s.scalar(select(Delivery).where(Delivery.kind == "goals:quarter"))
    assert row is not None and row.period_key == "2027-Q1"
    assert row.sent_at == at("2027-04-01T00:00")  # 09:00 in Tokyo
    tokyo.last = list(replies)
    out = await tokyo.click("Carry into 2027-Q2", reply=1)
    assert "Carried your Technical (primary) goal into 2027-Q2." in out
    tokyo.last = list(replies)
    out = await tokyo.click("Close it", reply=2)
    assert "Closed your Soft skills goal for 2027-Q1." in out
    tokyo.last = list(replies)
    assert "already settled" in await tokyo.click("Close it", reply=1)
    rows = await goals(tokyo)
    assert [(g.quarter, g.area, g.status) for g in rows] == [
        ("2027-Q1", "technical", "carried"),
        ("2027-Q1", "soft", "closed"),
        ("2027-Q2", "technical", "open"),
    ]
    out = await tokyo.say("/mentor goals last")
    assert "carried into the next quarter" in out and "✅ closed" in out
    assert "Master RAG" in await tokyo.say("/mentor goals")


async def test_a_goal_button_forged_for_another_member_is_refused(mentor) -> None:
    alice = Chat(mentor, Actor(platform="console", workspace="W1", user="A"))
    mallory = Chat(mentor, Actor(platform="console", workspace="W1", user="M"))
    await alice.submit("goals:set#technical:2027-Q1", {"goal": "Alice's goal"})
    [goal] = await goals(alice)
    out = await mallory.act("goals:close", str(goal.id))
    assert "older message" in out
    assert (await goals(alice))[0].status == "open"


async def test_goals_and_reviews_are_exported(chat: Chat) -> None:
    await chat.submit("goals:set#technical:2027-Q1", {"goal": "Master RAG"})
    await chat.submit("review:monthly#2027-02", {"worked": "a", "didnt": "b", "adjust": "c"})
    await chat.say("/mentor export")
    document = chat.last[-1].document or ""
    assert '"goal": "Master RAG"' in document and '"worked": "a"' in document


async def test_a_past_or_far_quarter_promises_nothing(chat: Chat) -> None:
    out = await chat.say("/mentor goals 1999-Q1")
    assert "You set no goals for 1999-Q1, and it is over." in out
    assert "ends I'll ask" not in out and not chat.last[-1].buttons
    out = await chat.say("/mentor goals 2030-Q1")
    assert "Goals can be set for this quarter and the next" in out
    assert not chat.last[-1].buttons


async def test_an_unknown_area_suggests_only_a_close_one(chat: Chat) -> None:
    out = await chat.say("/mentor goals set xyz")
    assert "`xyz` is not a goal area." in out and "Did you mean" not in out
    out = await chat.say("/mentor goals set bredth")
    assert "Did you mean `breadth`?" in out
