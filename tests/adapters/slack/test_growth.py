"""Slack, against FakeSlack with the real clients: an if-then plan made in a modal, its
check-up in the DM a week later answered with a button, and the promotion packet
uploaded as a Markdown file into the member's DM."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.clock import SimClock
from storage.plan_models import IfThenPlan
from tests.adapters.slack.conftest import USER, SlackBot
from tests.adapters.slack.test_end_to_end import button
from tests.conftest import wired_scheduler


@pytest.fixture(params=["socket"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


async def test_a_plan_is_made_in_a_modal_and_checked_up_in_the_dm(slack_bot: SlackBot) -> None:
    fake = slack_bot.fake
    scheduler = wired_scheduler(slack_bot.services, outlets={"slack": slack_bot.runtime.outlet})
    for cadence in ("daily", "weekly", "monthly"):
        await slack_bot.command(f"schedule off {cadence}")
        await slack_bot.idle()
    await slack_bot.command("goals plan")
    await slack_bot.idle()
    (opened,) = fake.calls_to("views.open", ok=True)
    view = opened.args["view"]
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [
        "cue",
        "action",
        "day",
    ]
    await slack_bot.submit(
        opened.response["view"]["id"],
        {"cue": {"value": "standup ends"}, "action": {"value": "pair for 30 minutes"}},
    )
    await slack_bot.idle()
    clock = slack_bot.services.clock
    assert isinstance(clock, SimClock)
    clock.set(datetime(2027, 3, 8, 17, 0, tzinfo=UTC))  # a week on, 17:00 UTC
    await scheduler.tick()
    await slack_bot.idle()
    checkup = fake.messages_in(fake.dm_channel_id(USER))[-1]
    assert "When standup ends, I will pair for 30 minutes." in str(checkup)
    yes = button(checkup, "Yes")
    await slack_bot.click(yes["action_id"], yes["value"], message_ts=checkup["ts"])
    await slack_bot.idle()
    async with slack_bot.services.store.session() as s:
        (plan,) = list(await s.scalars(select(IfThenPlan)))
    assert plan.outcome == "done"


async def test_the_packet_arrives_as_a_markdown_file_in_the_dm(slack_bot: SlackBot) -> None:
    fake = slack_bot.fake
    fake.handle(
        "files.getUploadURLExternal",
        lambda args: {"upload_url": fake.new_response_url(), "file_id": "F0PACKET"},
    )
    fake.handle(
        "files.completeUploadExternal", lambda args: {"files": [{"id": "F0PACKET", "title": ""}]}
    )
    for line in ("set level mid", "log users 2k ranking API"):
        await slack_bot.command(line)
        await slack_bot.idle()
    await slack_bot.command("packet")
    await slack_bot.idle()
    (asked,) = fake.calls_to("files.getUploadURLExternal", ok=True)
    (done,) = fake.calls_to("files.completeUploadExternal", ok=True)
    assert asked.args["filename"] == "mentorbot-packet-senior-2027-03-01.md"
    assert done.args["channel_id"] == fake.dm_channel_id(USER)
    uploaded = [c.args.get("_raw", "") for c in fake.calls if c.method == "response_url"]
    body = next(b for b in uploaded if "# Promotion evidence packet" in b)
    assert body.startswith("# Promotion evidence packet: Senior Engineer")
    assert "Users impacted 2,000 (ranking API)" in body
