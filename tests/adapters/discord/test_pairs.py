"""Learning pairs on Discord, against FakeDiscord with the real discord.py client: the
commands as native options, and the introduction as a DM to each naming the other (a
bot cannot open a group DM), then "did you meet?" a week later."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import SimClock
from bot.context import Services
from tests.adapters.discord.conftest import make_adapter, running
from tests.adapters.discord.test_adapter import answer_text, command, custom_ids
from tests.conftest import wired_scheduler
from tests.fakes.discord_fake import FakeDiscord


async def test_a_pair_is_introduced_by_a_dm_to_each_and_asked_a_week_later(
    services: Services, fake: FakeDiscord, clock: SimClock
) -> None:
    clock.set(datetime(2027, 3, 3, 12, 0, tzinfo=UTC))  # a Wednesday
    guild = fake.add_guild()
    owner = guild.owner_id  # may manage the server: the admin
    ben = fake.add_user("ben").id
    adapter = make_adapter(services, fake)
    async with running(adapter):
        for user, level in ((owner, "senior"), (ben, "mid")):
            await command(
                fake, "set", {"setting": "level", "value": level}, guild_id=guild.id, user_id=user
            )
            _, joined = await command(
                fake, "pairs", {"switch": "on"}, guild_id=guild.id, user_id=user
            )
            assert "you're in learning pairs" in await answer_text(fake, joined)
            for cadence in ("daily", "weekly", "monthly"):
                await command(
                    fake,
                    "schedule",
                    {"switch": "off", "cadence": cadence},
                    guild_id=guild.id,
                    user_id=user,
                )
        _, refused = await command(
            fake, "team", {"action": "pairs every 2w"}, guild_id=guild.id, user_id=ben
        )
        assert "admin" in (await answer_text(fake, refused)).lower()
        _, rhythm = await command(
            fake, "team", {"action": "pairs every 2w"}, guild_id=guild.id, user_id=owner
        )
        assert "first round is on Monday 2027-03-08" in await answer_text(fake, rhythm)

        scheduler = wired_scheduler(services, outlets={"discord": adapter.outlet})
        clock.set(datetime(2027, 3, 8, 10, 0, tzinfo=UTC))
        await scheduler.tick()
        await scheduler.tick()  # a second look sends nothing twice
        intro_to_ben = await fake.wait_for_message(channel_id=fake.dm_channel(ben).id)
        intro_to_owner = await fake.wait_for_message(channel_id=fake.dm_channel(owner).id)
        clock.set(datetime(2027, 3, 15, 10, 0, tzinfo=UTC))
        await scheduler.tick()
        ask = await fake.wait_for_message(
            lambda m: (
                m.channel_id == fake.dm_channel(ben).id
                and bool(m.embeds)
                and "Did you meet" in m.embeds[0]["title"]
            )
        )
        yes = next(i for i in custom_ids(ask.components) if i.endswith(":30"))
        click = fake.component_interaction(yes, message_id=ask.id, user_id=ben)
        await fake.dispatch("INTERACTION_CREATE", click)
        answer = await answer_text(fake, await fake.wait_interaction_response(int(click["id"])))

    ben_text = str(intro_to_ben.embeds)
    assert "mentors you" in ben_text and "A topic to start with" in ben_text
    assert "This round you mentor" in str(intro_to_owner.embeds)
    assert "ben" in str(intro_to_owner.embeds)
    dms = [m for m in fake.messages if m.channel_id == fake.dm_channel(ben).id]
    assert sum("learning pair" in str(m.embeds) for m in dms) == 1
    assert "30 minutes of learning from others" in answer
