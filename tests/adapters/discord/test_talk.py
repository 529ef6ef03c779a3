"""Free text on Discord, through the real discord.py client and the fake gateway and REST
API: a question in a DM, a check-in sentence in a DM, and a mention in a server channel
answered as a reply to it (other server messages are not read)."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Services
from storage.models import CheckIn
from tests.adapters.discord.conftest import make_adapter, running
from tests.adapters.discord.test_adapter import command
from tests.fakes.discord_fake import FakeDiscord


def embed_text(message) -> str:
    return (
        " ".join(
            str(e.get("title", "")) + " " + str(e.get("description", "")) for e in message.embeds
        )
        + message.content
    )


async def test_a_question_in_a_dm_is_answered_from_the_content(
    services: Services, fake: FakeDiscord
):
    guild = fake.add_guild()
    user = fake.add_user("dana").id
    async with running(make_adapter(services, fake)):
        await command(fake, "profile", guild_id=guild.id, user_id=user)
        dm = fake.dm_channel(user).id
        await fake.dispatch("MESSAGE_CREATE", fake.dm_message(user, "What is the 70/20/10 rule?"))
        answer = await fake.wait_for_message(
            lambda m: m.channel_id == dm and "70/20/10" in embed_text(m)
        )
    assert "/mentor guide 702010" in embed_text(answer)


async def test_a_checkin_sentence_in_a_dm_is_saved(services: Services, fake: FakeDiscord):
    guild = fake.add_guild()
    user = fake.add_user("dana").id
    async with running(make_adapter(services, fake)):
        await command(fake, "checkin", guild_id=guild.id, user_id=user)
        dm = fake.dm_channel(user).id
        await fake.dispatch("MESSAGE_CREATE", fake.dm_message(user, "đọc 1 paper 30 phút"))
        await fake.wait_for_message(
            lambda m: m.channel_id == dm and "check-in" in embed_text(m).lower()
        )
    async with services.store.session() as s:
        [row] = list(await s.scalars(select(CheckIn)))
    assert (row.activities, row.minutes) == (["read"], 30)


async def test_a_mention_in_a_server_channel_is_answered_as_a_reply(
    services: Services, fake: FakeDiscord
):
    guild = fake.add_guild(channels=("general",))
    channel = next(iter(guild.channels))
    user = fake.add_user("dana").id
    async with running(make_adapter(services, fake)):
        plain = fake.guild_message(channel, "what is the 70/20/10 rule?", user_id=user)
        await fake.dispatch("MESSAGE_CREATE", plain)
        asked = fake.guild_message(
            channel,
            f"<@{fake.bot_user.id}> what is the 70/20/10 rule?",
            user_id=user,
            mention_bot=True,
        )
        await fake.dispatch("MESSAGE_CREATE", asked)
        answer = await fake.wait_for_message(
            lambda m: m.channel_id == channel and "70/20/10" in embed_text(m)
        )
    posts = [r for r in fake.requests_matching(f"POST /channels/{channel}/messages")]
    assert posts and all(
        str((r.json or {}).get("message_reference", {}).get("message_id")) == asked["id"]
        for r in posts
    )
    assert answer.guild_id == guild.id
