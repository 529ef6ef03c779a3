"""Slack, against FakeSlack with the real clients: a member whose status says time off
gets no prompt and keeps the streak; learning pairs are introduced in one group
conversation with both, and asked a week later in each one's DM."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import SimClock
from bot.prompts import CADENCES
from schedules.engine import Scheduler
from storage.models import Delivery
from tests.adapters.slack.conftest import USER, SlackBot
from tests.adapters.slack.test_end_to_end import button
from tests.conftest import wired_scheduler


@pytest.fixture(params=["socket"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def tick_at(bot: SlackBot, scheduler: Scheduler, when: str) -> None:
    clock = bot.services.clock
    assert isinstance(clock, SimClock)
    clock.set(at(when))
    await scheduler.tick()


def dm_prompts(bot: SlackBot, user: str, start: str) -> list[dict[str, Any]]:
    return [
        m for m in bot.fake.messages_in(bot.fake.dm_channel_id(user)) if m["text"].startswith(start)
    ]


async def deliveries(bot: SlackBot, kind: str) -> list[Delivery]:
    async with bot.services.store.session() as s:
        rows = await s.scalars(select(Delivery).where(Delivery.kind == kind).order_by(Delivery.id))
        return list(rows)


async def test_an_away_status_skips_the_prompt_and_keeps_the_streak(slack_bot: SlackBot) -> None:
    fake = slack_bot.fake
    fake.add_user(USER, name="mai", tz="Europe/London")
    await slack_bot.command("profile")
    await slack_bot.idle()
    scheduler = wired_scheduler(slack_bot.services, outlets={"slack": slack_bot.runtime.outlet})

    async def answer_today() -> None:
        prompt = dm_prompts(slack_bot, USER, "Daily check-in")[-1]
        built = button(prompt, "Built")
        await slack_bot.click(built["action_id"], built["value"], message_ts=prompt["ts"])
        await slack_bot.idle()

    await tick_at(slack_bot, scheduler, "2027-03-02T09:00")  # Tuesday
    assert len(dm_prompts(slack_bot, USER, "Daily check-in")) == 1
    await answer_today()

    fake.set_status(USER, "Vacationing", ":palm_tree:")
    reads = len(fake.calls_to("users.info"))
    await tick_at(slack_bot, scheduler, "2027-03-03T09:00")
    assert len(fake.calls_to("users.info")) == reads + 1  # one status read for the prompt
    fake.set_status(USER, "Nghỉ phép đến thứ Sáu")
    await tick_at(slack_bot, scheduler, "2027-03-04T09:00")
    assert len(dm_prompts(slack_bot, USER, "Daily check-in")) == 1  # none while away

    fake.set_status(USER, "OOO", expiration=int(at("2027-03-05T00:00").timestamp()))
    await tick_at(slack_bot, scheduler, "2027-03-05T09:00")  # the status has expired
    assert len(dm_prompts(slack_bot, USER, "Daily check-in")) == 2
    await answer_today()

    daily = await deliveries(slack_bot, "prompt:daily")
    assert [(d.period_key, d.status) for d in daily] == [
        ("2027-03-02", "sent"),
        ("2027-03-03", "cancelled"),
        ("2027-03-04", "cancelled"),
        ("2027-03-05", "sent"),
    ]
    assert daily[1].last_error == "member away (time off)"

    before = len(fake.responses())
    await slack_bot.command("stats")
    await slack_bot.idle()
    stats = str(fake.responses()[before:])
    # Two days away in one week would break a daily streak if they had been asked;
    # they were not, so the streak runs on.
    assert "2 in a row" in stats, stats


async def test_a_learning_pair_meets_in_one_group_conversation(slack_bot: SlackBot) -> None:
    fake = slack_bot.fake
    fake.add_user("U0ANA", name="ana", tz="Europe/Berlin", tz_offset=3600, is_admin=True)
    fake.add_user("U0BAO", name="bao", tz="Europe/London")
    for user, level in (("U0ANA", "senior"), ("U0BAO", "mid")):
        for line in (f"set level {level}", "pairs on", *(f"schedule off {c}" for c in CADENCES)):
            await slack_bot.command(line, user=user)
            await slack_bot.idle()
    await slack_bot.command("team pairs every 2w", user="U0ANA")
    await slack_bot.idle()
    assert "first round is on Monday 2027-03-08" in str(fake.responses()[-1].args)

    scheduler = wired_scheduler(slack_bot.services, outlets={"slack": slack_bot.runtime.outlet})
    await tick_at(slack_bot, scheduler, "2027-03-08T10:00")  # 10:00 workspace time (UTC)
    (opened,) = [c for c in fake.calls_to("conversations.open") if "," in c.args.get("users", "")]
    assert set(opened.args["users"].split(",")) == {"U0ANA", "U0BAO"}
    group = opened.response["channel"]["id"]
    (intro,) = fake.messages_in(group)
    text = str(intro["blocks"])
    assert "Hi *ana* and *bao*! This round *ana* (Senior Engineer" in text
    assert "A topic to start with" in text

    await tick_at(slack_bot, scheduler, "2027-03-08T10:05")  # a restart-like second look
    assert len(fake.messages_in(group)) == 1

    await tick_at(slack_bot, scheduler, "2027-03-15T10:00")
    (ask,) = dm_prompts(slack_bot, "U0BAO", "🤝 Did you meet?")
    assert dm_prompts(slack_bot, "U0ANA", "🤝 Did you meet?")
    yes = button(ask, "an hour or more")
    await slack_bot.click(yes["action_id"], yes["value"], user="U0BAO", message_ts=ask["ts"])
    await slack_bot.idle()
    assert "60 minutes of learning from others" in str(
        fake.messages_in(fake.dm_channel_id("U0BAO"))[-1]
    )

    before = len(fake.responses())
    await slack_bot.command("team pairs", user="U0ANA")
    await slack_bot.idle()
    overview = str(fake.responses()[before:])
    assert "2027-W10" in overview and "1 pair, 1 met" in overview
