"""Free text on Slack, through the real bolt app and the fake Slack Web API: a question
in a DM (the App Home *Messages* tab is the same DM), a check-in answered in a DM
sentence, and a mention in a channel answered in the message's thread."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import CheckIn
from tests.adapters.slack.conftest import USER, SlackBot
from tests.fakes.slack import message_im_event
from tests.fakes.slack_payloads import app_mention_event


async def test_a_question_in_a_dm_is_answered_in_the_dm(slack_bot: SlackBot) -> None:
    await slack_bot.event(message_im_event(USER, "How do I deal with information overload?"))
    await slack_bot.idle()
    posts = slack_bot.fake.calls_to("chat.postMessage", ok=True)
    dm = slack_bot.fake.dm_channel_id(USER)
    assert posts and {p.args["channel"] for p in posts} == {dm}
    assert "/mentor" in str(posts[-1].args["blocks"])
    assert "talk:show" in str(posts[-1].args["blocks"])


async def test_a_checkin_sentence_in_a_dm_is_saved_once(slack_bot: SlackBot) -> None:
    await slack_bot.event(message_im_event(USER, "/mentor checkin"))
    await slack_bot.idle()
    await slack_bot.event(message_im_event(USER, "read the LoRA paper, 1h"))
    await slack_bot.idle()
    text = str(slack_bot.fake.calls_to("chat.postMessage", ok=True)[-1].args["blocks"])
    assert "I read that as your check-in" in text and "60 min" in text
    async with slack_bot.services.store.session() as s:
        [row] = list(await s.scalars(select(CheckIn)))
    assert (row.activities, row.minutes) == (["read"], 60)


async def test_a_mention_in_a_channel_is_answered_in_its_thread(slack_bot: SlackBot) -> None:
    event = app_mention_event(USER, "what is the 70/20/10 rule?")
    await slack_bot.event(event)
    await slack_bot.idle()
    posts = slack_bot.fake.calls_to("chat.postMessage", ok=True)
    assert {p.args["channel"] for p in posts} == {"C0TEAMCHAN"}
    assert {p.args["thread_ts"] for p in posts} == {event["ts"]}
    post = posts[-1]
    assert post.args["thread_ts"] == event["ts"]
    assert "70/20/10" in str(post.args["blocks"])


async def test_a_mention_inside_a_thread_stays_in_that_thread(slack_bot: SlackBot) -> None:
    event = app_mention_event(USER, "lam sao len senior", thread_ts="1700000000.000100")
    await slack_bot.event(event)
    await slack_bot.idle()
    posts = slack_bot.fake.calls_to("chat.postMessage", ok=True)
    assert {p.args["thread_ts"] for p in posts} == {"1700000000.000100"}
