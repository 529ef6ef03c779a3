"""Mentorbot in Slack, end to end: the real runtime, the real slack-bolt and slack_sdk
clients, FakeSlack on the other side; every test in Socket Mode and in HTTP mode, on
SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import SimClock
from storage.models import CheckIn, Delivery, Goal, Member, Workspace
from tests.adapters.slack.conftest import USER, SlackBot
from tests.conftest import wired_scheduler
from tests.fakes.slack import app_home_opened_event, app_uninstalled_event, message_im_event


def elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    for element in elements(message["blocks"]):
        if element["type"] == "button" and label in element["text"]["text"]:
            return element
    raise AssertionError(f"no button {label!r} in {message['blocks']}")


def all_text(blocks: list[dict[str, Any]]) -> str:
    return str(blocks)


async def rows(bot: SlackBot, model: Any) -> list[Any]:
    async with bot.services.store.session() as s:
        return list(await s.scalars(select(model)))


async def daily_prompt(bot: SlackBot) -> dict[str, Any]:
    """First contact, then the clock to the next weekday 09:00 and one tick: the daily
    check-in arrives in the member's DM through the outbox and this adapter."""
    await bot.command("profile")
    await bot.idle()
    clock = bot.services.clock
    assert isinstance(clock, SimClock)
    clock.advance(timedelta(days=1))
    scheduler = wired_scheduler(bot.services, outlets={"slack": bot.runtime.outlet})
    report = await scheduler.tick()
    assert report.sent >= 1 and report.failed == report.retried == 0, report
    dm = bot.fake.messages_in(bot.fake.dm_channel_id(USER))
    (prompt,) = [m for m in dm if m["text"].startswith("Daily check-in")]
    return prompt


async def test_slash_command_is_acked_at_once_and_answered(slack_bot: SlackBot) -> None:
    ack = await slack_bot.command("level mid")
    assert ack.status == 200 and ack.elapsed < 3.0
    await slack_bot.idle()
    answers = slack_bot.fake.responses()
    assert any("Mid-level" in str(c.args["blocks"]) for c in answers), answers
    assert {c.args["response_type"] for c in answers} == {"ephemeral"}


async def test_daily_prompt_arrives_as_a_dm_with_buttons_and_a_click_stores_it(
    slack_bot: SlackBot,
) -> None:
    prompt = await daily_prompt(slack_bot)
    assert prompt["blocks"][0]["type"] == "header" and "Daily" in prompt["text"]
    built = button(prompt, "Built")
    assert built["action_id"].startswith("mentor|checkin:answer|")
    (delivery,) = [d for d in await rows(slack_bot, Delivery) if d.kind == "prompt:daily"]
    (member,) = await rows(slack_bot, Member)
    assert delivery.status == "sent" and delivery.platform_message_id.endswith(prompt["ts"])
    assert member.dm_channel == slack_bot.fake.dm_channel_id(USER)  # cached for next time
    assert len(slack_bot.fake.calls_to("conversations.open")) == 1

    ack = await slack_bot.click(built["action_id"], built["value"], message_ts=prompt["ts"])
    assert ack.status == 200 and ack.elapsed < 3.0
    await slack_bot.idle()
    (checkin,) = await rows(slack_bot, CheckIn)
    assert checkin.activities == ["built"] and checkin.period_key == delivery.period_key
    reply = slack_bot.fake.messages_in(slack_bot.fake.dm_channel_id(USER))[-1]
    assert "Saved" in reply["text"] or "Saved" in all_text(reply["blocks"])


async def test_details_modal_shows_field_errors_then_stores(slack_bot: SlackBot) -> None:
    prompt = await daily_prompt(slack_bot)
    built = button(prompt, "Built")
    await slack_bot.click(built["action_id"], built["value"], message_ts=prompt["ts"])
    await slack_bot.idle()
    answer = slack_bot.fake.messages_in(slack_bot.fake.dm_channel_id(USER))[-1]
    details = button(answer, "minutes")
    await slack_bot.click(details["action_id"], details["value"], message_ts=answer["ts"])
    await slack_bot.idle()
    (opened,) = slack_bot.fake.calls_to("views.open", ok=True)
    view_id = opened.response["view"]["id"]
    assert {b.get("block_id") for b in opened.args["view"]["blocks"]} >= {"minutes", "note"}

    rejected = await slack_bot.submit(view_id, {"minutes": {"value": "lots"}})
    assert rejected.payload is not None and rejected.payload["response_action"] == "errors"
    assert "minutes" in rejected.payload["errors"]
    accepted = await slack_bot.submit(
        view_id, {"minutes": {"value": "45"}, "note": {"value": "shipped the eval <!here>"}}
    )
    assert accepted.elapsed < 3.0 and not (accepted.payload or {}).get("errors")
    await slack_bot.idle()
    (checkin,) = await rows(slack_bot, CheckIn)
    assert (checkin.minutes, checkin.note) == (45, "shipped the eval <!here>")


async def test_goals_modal_stores_goals(slack_bot: SlackBot) -> None:
    ack = await slack_bot.command("goals technical")
    assert ack.elapsed < 3.0
    await slack_bot.idle()
    (opened,) = slack_bot.fake.calls_to("views.open", ok=True)
    view = opened.args["view"]
    assert view["type"] == "modal" and len(view["title"]["text"]) <= 24
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [
        "goal",
        "plan",
        "metric",
    ]
    view_id = opened.response["view"]["id"]
    empty = await slack_bot.submit(view_id, {"goal": {"value": ""}})
    assert empty.payload is not None and "goal" in empty.payload["errors"]
    await slack_bot.submit(
        view_id,
        {
            "goal": {"value": "Ship the ranking model"},
            "plan": {"value": "offline eval, then A/B"},
            "metric": {"value": "+3% CTR"},
        },
    )
    await slack_bot.idle()
    (goal,) = await rows(slack_bot, Goal)
    assert (goal.area, goal.goal, goal.metric) == ("technical", "Ship the ranking model", "+3% CTR")
    confirmation = slack_bot.fake.calls_to("chat.postMessage")[-1]
    assert confirmation.args["channel"] == USER  # the answer goes to the member's DM


async def test_app_home_renders(slack_bot: SlackBot) -> None:
    await slack_bot.command("set level senior")
    await slack_bot.idle()
    await slack_bot.event(app_home_opened_event(USER))
    await slack_bot.idle()
    home = slack_bot.fake.home_views[USER]
    text = all_text(home["blocks"])
    assert home["type"] == "home" and len(home["blocks"]) <= 100
    assert "Senior" in text and "Next check-ins" in text
    labels = [e["text"]["text"] for e in elements(home["blocks"])]
    assert any("Check in now" in label for label in labels)

    # A quick button runs its command; the answer lands in the DM and Home refreshes.
    checkin = next(e for e in elements(home["blocks"]) if "Check in now" in e["text"]["text"])
    view_id = home["id"]
    await slack_bot.click(checkin["action_id"], checkin["value"], view_id=view_id)
    await slack_bot.idle()
    posted = slack_bot.fake.calls_to("chat.postMessage")[-1]
    assert posted.args["channel"] == USER and "check-in" in posted.args["text"].lower()
    assert len(slack_bot.fake.calls_to("views.publish")) == 2


async def test_a_dm_to_the_bot_is_answered_in_the_dm(slack_bot: SlackBot) -> None:
    ack = await slack_bot.event(message_im_event(USER, "level junior"))
    assert ack.status == 200
    await slack_bot.idle()
    posts = slack_bot.fake.calls_to("chat.postMessage", ok=True)
    assert posts and {p.args["channel"] for p in posts} == {slack_bot.fake.dm_channel_id(USER)}
    assert any("Junior" in str(p.args["blocks"]) for p in posts)


async def test_uninstall_stops_sending(slack_bot: SlackBot) -> None:
    await daily_prompt(slack_bot)
    slack_bot.fake.revoke_token(slack_bot.fake.bot_token)
    await slack_bot.event(app_uninstalled_event())
    await slack_bot.idle()
    (workspace,) = await rows(slack_bot, Workspace)
    assert workspace.disabled_reason == "app_uninstalled"

    before = len(slack_bot.fake.calls)
    clock = slack_bot.services.clock
    assert isinstance(clock, SimClock)
    clock.advance(timedelta(days=1))
    report = await wired_scheduler(
        slack_bot.services, outlets={"slack": slack_bot.runtime.outlet}
    ).tick()
    assert report.sent == 0
    assert slack_bot.fake.calls[before:] == []  # not even an attempt


async def test_export_arrives_as_a_file_in_the_dm(slack_bot: SlackBot) -> None:
    fake = slack_bot.fake
    fake.handle(
        "files.getUploadURLExternal",
        lambda args: {"upload_url": fake.new_response_url(), "file_id": "F0EXPORT"},
    )
    fake.handle(
        "files.completeUploadExternal", lambda args: {"files": [{"id": "F0EXPORT", "title": ""}]}
    )
    await slack_bot.command("export")
    await slack_bot.idle()
    (asked,) = fake.calls_to("files.getUploadURLExternal", ok=True)
    (done,) = fake.calls_to("files.completeUploadExternal", ok=True)
    assert asked.args["filename"] == "mentorbot-export.json" and int(asked.args["length"]) > 100
    assert done.args["channel_id"] == fake.dm_channel_id(USER)  # private: the member's DM


async def test_a_form_asked_for_in_a_dm_opens_from_a_button(slack_bot: SlackBot) -> None:
    """A typed DM has no trigger id to open a modal with: the member gets a button that
    asks again, and the click (which has one) opens the form."""
    await slack_bot.event(message_im_event(USER, "goals breadth"))
    await slack_bot.idle()
    assert slack_bot.fake.calls_to("views.open") == []
    hint = slack_bot.fake.messages_in(slack_bot.fake.dm_channel_id(USER))[-1]
    opener = button(hint, "Open the form")
    await slack_bot.click(opener["action_id"], opener["value"], message_ts=hint["ts"])
    await slack_bot.idle()
    (opened,) = slack_bot.fake.calls_to("views.open", ok=True)
    assert "breadth" in opened.args["view"]["private_metadata"]
