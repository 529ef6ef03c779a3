"""Discord, against FakeDiscord with the real discord.py client: an if-then plan made in
a modal and checked up in the DM, and the promotion packet attached as a Markdown file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from adapters.discord.adapter import DEFER_AFTER_S
from bot.clock import SimClock
from bot.context import Services
from storage.plan_models import IfThenPlan
from tests.adapters.discord.conftest import make_adapter, running
from tests.adapters.discord.test_adapter import answer_text, command, custom_ids
from tests.conftest import wired_scheduler
from tests.fakes.discord_fake import FakeDiscord


async def test_a_plan_made_in_a_modal_is_checked_up_in_the_dm(
    services: Services, fake: FakeDiscord, clock: SimClock
):
    guild = fake.add_guild()
    user = fake.add_user("dao").id
    adapter = make_adapter(services, fake)
    async with running(adapter):
        scheduler = wired_scheduler(services, outlets={"discord": adapter.outlet})
        await command(fake, "lang", {"language": "en"}, guild_id=guild.id, user_id=user)
        for cadence in ("daily", "weekly", "monthly"):
            await command(
                fake,
                "schedule",
                {"switch": "off", "cadence": cadence},
                guild_id=guild.id,
                user_id=user,
            )
        _, opened = await command(
            fake, "goals", {"action": "plan"}, guild_id=guild.id, user_id=user
        )
        assert opened.type == 9
        modal = opened.data
        inputs = [c["component"]["custom_id"] for c in modal["components"] if "component" in c]
        assert inputs == ["cue", "action", "day"]
        submit = fake.modal_submit_interaction(
            modal["custom_id"],
            {"cue": "my tests pass", "action": "open the pull request", "day": "wed"},
            guild_id=guild.id,
            user_id=user,
        )
        await fake.dispatch("INTERACTION_CREATE", submit)
        saved = await fake.wait_interaction_response(int(submit["id"]))
        assert "I'll ask you on Wed 2027-03-03" in await answer_text(fake, saved)
        clock.set(datetime(2027, 3, 3, 17, 0, tzinfo=UTC))
        await scheduler.tick()
        checkup = await fake.wait_for_message(
            lambda m: bool(m.embeds) and "if-then plan" in (m.embeds[0].get("title") or "")
        )
        assert checkup.channel_id == fake.dm_channel(user).id
        partly = next(i for i in custom_ids(checkup.components) if i.endswith(":partly"))
        click = fake.component_interaction(partly, message_id=checkup.id, user_id=user)
        await fake.dispatch("INTERACTION_CREATE", click)
        answer = await answer_text(fake, await fake.wait_interaction_response(int(click["id"])))
    assert "Partly is progress" in answer
    async with services.store.session() as s:
        (plan,) = list(await s.scalars(select(IfThenPlan)))
    assert plan.outcome == "partly"


@pytest.mark.parametrize("defer_after", [DEFER_AFTER_S, 0.0], ids=["direct", "deferred"])
async def test_the_packet_is_attached_as_a_markdown_file(
    services: Services, fake: FakeDiscord, defer_after: float
):
    """Answered at once or deferred (a busy machine), the packet is a file: after a
    deferral the first follow-up fills the "thinking…" message, attachment included."""
    guild = fake.add_guild()
    user = fake.add_user("emi").id
    async with running(make_adapter(services, fake, defer_after=defer_after)):
        await command(fake, "lang", {"language": "vi"}, guild_id=guild.id, user_id=user)
        await command(fake, "packet", {"level": "junior"}, guild_id=guild.id, user_id=user)
        message = await fake.wait_for_message(
            lambda m: any(name.endswith(".md") for name in m.attachments)
        )
    assert message.attachments == ["mentorbot-packet-junior-2027-03-01.md"]
    body = fake.uploads["mentorbot-packet-junior-2027-03-01.md"].decode()
    assert body.startswith("# Hồ sơ bằng chứng thăng cấp:")
    assert "Chưa có bằng chứng." in body
