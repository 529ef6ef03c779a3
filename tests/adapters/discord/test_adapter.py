"""End to end: the real discord.py client, the adapter and the core against FakeDiscord.

Each test reads like what a member does in Discord: run a slash command, click a button
in a DM, fill a modal; and asserts what Discord received.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import SimClock
from bot.content import load_library
from bot.context import Ctx, Services
from bot.mentor import Mentor, default_features
from bot.reply import Form, FormField, Reply
from bot.router import Router
from storage import mentoring
from storage.checkins import get_checkin
from storage.db import sessionmaker
from storage.repo import MemberKey, Store
from tests.adapters.discord.conftest import make_adapter, running
from tests.conftest import wired_scheduler
from tests.fakes import ARRIVAL_TIMEOUT_S
from tests.fakes.discord_fake import FLAG_EPHEMERAL, FakeDiscord
from tests.fakes.discord_world import InteractionCallback

MANAGE_GUILD = 1 << 5
#: An interaction callback that defers ("thinking…"): the answer follows up.
DEFERRED = 5


def custom_ids(components: Sequence[dict[str, Any]]) -> list[str]:
    return [c["custom_id"] for row in components for c in row["components"]]


async def command(
    fake: FakeDiscord,
    sub: str,
    options: Mapping[str, Any] | None = None,
    *,
    settle: bool = True,
    **kw: Any,
):
    """Run ``/mentor SUB`` and return its payload and first callback. With ``settle``, a
    command the adapter deferred (a busy machine takes ``defer_after``) is waited for
    until its answer follows up, so a test's next step starts after this one's work is
    done, as a member's would: a deferral alone does not mean ``lang vi`` is saved."""
    payload = fake.slash_command_interaction("mentor", sub, options, **kw)
    await fake.dispatch("INTERACTION_CREATE", payload)
    callback = await fake.wait_interaction_response(int(payload["id"]))
    if settle:
        await answer_text(fake, callback)
    return payload, callback


async def answer_text(fake: FakeDiscord, callback: InteractionCallback) -> str:
    """What the member first reads in answer to an interaction: the callback's text or,
    when a busy machine made the adapter defer (``defer_after``), its first follow-up's.
    For tests about what is said; tests about when keep asserting the callback's type."""
    if callback.type != DEFERRED:
        return str(callback.data.get("content", ""))
    followup = await fake.wait_for_message(
        lambda m: m.interaction_id == callback.interaction_id and bool(m.content or m.embeds)
    )
    return followup.content or ""


async def member_of(services: Services, guild_id: int, user_id: int):
    return await services.store.find_member(MemberKey("discord", str(guild_id), str(user_id)))


async def test_mentor_level_mid_is_answered_within_3s(services: Services, fake: FakeDiscord):
    guild = fake.add_guild()
    user = fake.add_user("ana").id
    async with running(make_adapter(services, fake)):
        _, reply = await command(fake, "level", {"level": "mid"}, guild_id=guild.id, user_id=user)
        level = await fake.wait_for_message(
            lambda m: any("Mid-level" in (e.get("title") or "") for e in m.embeds)
        )
    assert reply.accepted and reply.type == 4 and reply.elapsed < 3
    assert reply.data["flags"] & FLAG_EPHEMERAL  # the welcome, only for the member
    assert "Mentorbot" in reply.data["content"]
    assert level.source == "followup" and level.flags & FLAG_EPHEMERAL
    member = await member_of(services, guild.id, user)
    assert member is not None and member.display_name == "ana"


async def test_a_slow_answer_is_deferred_then_followed_up(services: Services, fake: FakeDiscord):
    class SlowMentor(Mentor):
        async def handle(self, inbound: Any) -> list[Reply]:
            await asyncio.sleep(0.4)
            return await super().handle(inbound)

    fake.interaction_deadline_s = 0.3  # Discord's 3 s, scaled down with the core's delay
    guild = fake.add_guild()
    adapter = make_adapter(services, fake, mentor=SlowMentor(services), defer_after=0.1)
    async with running(adapter):
        payload, deferred = await command(fake, "profile", guild_id=guild.id)
        answer = await fake.wait_for_message(
            lambda m: m.interaction_id == int(payload["id"]) and bool(m.embeds or m.content)
        )
    assert deferred.accepted and deferred.type == 5 and deferred.elapsed < 0.3
    assert answer.flags & FLAG_EPHEMERAL


async def test_close_lets_an_answer_in_flight_reach_discord(
    services: Services, fake: FakeDiscord, caplog: Any
):
    """Shutdown waits for the handlers still answering before it closes the HTTP session:
    closed first, a deferred answer's follow-up failed with "Session is closed"."""
    gate = asyncio.Event()

    class GatedMentor(Mentor):
        async def handle(self, inbound: Any) -> list[Reply]:
            await gate.wait()
            return await super().handle(inbound)

    fake.interaction_deadline_s = 0.3
    guild = fake.add_guild()
    adapter = make_adapter(services, fake, mentor=GatedMentor(services), defer_after=0.1)
    await adapter.start()
    try:
        await adapter.wait_until_ready(ARRIVAL_TIMEOUT_S)
        payload, deferred = await command(fake, "profile", guild_id=guild.id, settle=False)
        assert deferred.type == 5  # the member sees "thinking…"; the core is still at work
        closing = asyncio.create_task(adapter.close())
        await asyncio.sleep(0)  # close has begun
        gate.set()
        await closing
    finally:
        await adapter.close()
    await fake.wait_for_message(  # the answer reached Discord
        lambda m: m.interaction_id == int(payload["id"]) and bool(m.embeds or m.content)
    )


async def test_a_click_slow_to_read_is_answered_not_called_stale(
    services: Services, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
):
    """Reading a click (its stash, the member's server) can take a while on a busy
    machine. The guard that answers clicks no handler took (``defer_after`` + 1 s) must
    leave a taken one alone, and the deferral counts the time spent reading: before,
    the member got "that button is stale" and the real answer failed behind it."""
    guild = fake.add_guild()
    user = fake.add_user("kim").id
    adapter = make_adapter(services, fake, defer_after=0.1, guard_after=1.1)  # the default
    read = adapter._actor_or_explain

    async def slow_read(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(1.2)  # past the guard's 1.1 s
        return await read(*args, **kwargs)

    stale = services.content.t("en", "error.stale_action")
    async with running(adapter):
        adapter._actor_or_explain = read  # type: ignore[method-assign]
        await command(fake, "profile", guild_id=guild.id, user_id=user)  # the welcome first
        _, picker = await command(fake, "level", guild_id=guild.id, user_id=user)
        message = fake.messages_by_id[picker.message_id or 0]
        adapter._actor_or_explain = slow_read  # type: ignore[method-assign]
        click = fake.component_interaction(
            custom_ids(message.components)[0],
            component_type=3,
            values=["mid"],
            message_id=message.id,
            user_id=user,
        )
        with caplog.at_level(logging.ERROR):
            await fake.dispatch("INTERACTION_CREATE", click)
            first = await fake.wait_interaction_response(int(click["id"]))
            level = await fake.wait_for_message(
                lambda m: (
                    m.interaction_id == int(click["id"])
                    and any("Mid-level" in (e.get("title") or "") for e in m.embeds)
                )
            )
    assert first.accepted and first.type == 5  # deferred at once: its time was spent
    assert len(fake.interactions[int(click["id"])].attempts) == 1
    assert level.flags & FLAG_EPHEMERAL
    assert not [m for m in fake.messages if stale in (m.content or "")]
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_click_reaching_its_handler_after_the_guard_is_answered_once(
    services: Services, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
):
    """The other order: the guard answers a click whose handler starts later still (it
    is still reading who the member is when the handler begins). One of them answers,
    never both: the member read "stale" and then the answer as a follow-up."""
    guild = fake.add_guild()
    user = fake.add_user("lan").id
    adapter = make_adapter(services, fake, defer_after=0.1, guard_after=1.1)  # the default
    async with running(adapter):
        await command(fake, "profile", guild_id=guild.id, user_id=user)
        _, picker = await command(fake, "level", guild_id=guild.id, user_id=user)
        message = fake.messages_by_id[picker.message_id or 0]
        handle, find = adapter.on_component, adapter.workspace_for

        async def late_handler(*args: Any, **kwargs: Any) -> None:
            await asyncio.sleep(1.2)  # after the guard's 1.1 s
            await handle(*args, **kwargs)

        async def slow_find(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(0.3)  # the guard is still at it when the handler begins
            return await find(*args, **kwargs)

        adapter.on_component = late_handler  # type: ignore[method-assign]
        adapter.workspace_for = slow_find  # type: ignore[method-assign]
        click = fake.component_interaction(
            custom_ids(message.components)[0],
            component_type=3,
            values=["mid"],
            message_id=message.id,
            user_id=user,
        )
        with caplog.at_level(logging.ERROR):
            await fake.dispatch("INTERACTION_CREATE", click)
            first = await fake.wait_interaction_response(int(click["id"]))
            await asyncio.sleep(1.0)  # the handler would answer in this time: it must not
    assert first.accepted
    assert len(fake.interactions[int(click["id"])].attempts) == 1
    assert len([m for m in fake.messages if m.interaction_id == int(click["id"])]) == 1
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_commands_are_synced_once_and_skipped_when_unchanged(
    services: Services, fake: FakeDiscord
):
    guild = fake.add_guild()
    first = make_adapter(services, fake, guild_id=guild.id)
    async with running(first):
        pass
    second = make_adapter(services, fake, guild_id=guild.id)
    async with running(second):
        pass
    assert (first.synced, second.synced) == (True, False)
    assert fake.command_writes == {guild.id: 1}  # development: one guild, no global write
    [mentor] = fake.commands[guild.id]
    subcommands = {o["name"]: o for o in mentor["options"]}
    assert set(subcommands) == set(Mentor(services).router.commands)
    level = subcommands["level"]["options"][0]
    assert [c["value"] for c in level["choices"]] == [
        *("intern", "junior", "mid", "senior", "staff"),
        "shape",  # the T/pi-shape page, offered like on Slack and the console
    ]
    assert subcommands["level"]["description_localizations"]["vi"]
    schedule = {o["name"]: o for o in subcommands["schedule"]["options"]}
    assert schedule["timezone"]["autocomplete"] and schedule["day"]["type"] == 4


async def test_daily_prompt_arrives_as_a_dm_and_a_click_after_restart_is_stored(
    services: Services, fake: FakeDiscord, clock: SimClock
):
    guild = fake.add_guild()
    user = fake.add_user("ben").id
    first = make_adapter(services, fake)
    async with running(first):
        await command(fake, "lang", {"language": "en"}, guild_id=guild.id, user_id=user)
        scheduler = wired_scheduler(services, outlets={"discord": first.outlet})
        clock.advance(timedelta(days=1))  # Tuesday 09:00 UTC: the default daily routine
        report = await scheduler.tick()
        prompt = await fake.wait_for_message(
            lambda m: bool(m.embeds) and m.embeds[0]["title"].startswith("Daily check-in")
        )
    assert report.sent == report.claimed >= 1  # the daily prompt (and March's monthly one)
    assert prompt.channel_id == fake.dm_channel(user).id  # a DM, not a server channel
    ids = custom_ids(prompt.components)
    built = next(i for i in ids if i.endswith(":built"))
    assert built == f"mentor@{guild.id}:checkin:answer|daily:2027-03-02:built"
    member = await member_of(services, guild.id, user)
    assert member is not None and member.dm_channel == str(prompt.channel_id)

    second = make_adapter(services, fake)  # a new process: new client, same database
    async with running(second):
        click = fake.component_interaction(built, message_id=prompt.id, user_id=user)
        await fake.dispatch("INTERACTION_CREATE", click)
        answer = await fake.wait_interaction_response(int(click["id"]))
    assert answer.accepted and answer.type == 4 and answer.elapsed < 3
    assert "Saved" in answer.data["content"] or "saved" in answer.data["content"]
    saved = await get_checkin(services.store, member.id, "daily", "2027-03-02")
    assert saved is not None and saved.activities == ["built"]


async def test_goals_modal_opens_and_its_submission_stores_the_goal(
    services: Services, fake: FakeDiscord
):
    guild = fake.add_guild()
    user = fake.add_user("chi").id
    async with running(make_adapter(services, fake)):
        await command(fake, "profile", guild_id=guild.id, user_id=user)  # first contact
        _, opened = await command(
            fake, "goals", {"action": "set", "area": "technical"}, guild_id=guild.id, user_id=user
        )
        assert opened.type == 9  # the modal itself answers the command
        modal = opened.data
        inputs = [c["component"]["custom_id"] for c in modal["components"] if "component" in c]
        assert inputs == ["goal", "plan", "metric"]
        submit = fake.modal_submit_interaction(
            modal["custom_id"],
            {"goal": "Ship a RAG demo", "plan": "eval harness, blog post", "metric": "1 demo"},
            guild_id=guild.id,
            user_id=user,
        )
        await fake.dispatch("INTERACTION_CREATE", submit)
        saved = await fake.wait_interaction_response(int(submit["id"]))
    assert saved.accepted and saved.type == 4
    member = await member_of(services, guild.id, user)
    assert member is not None
    [goal] = await mentoring.goals_of(services.store, member.id)
    assert (goal.area, goal.goal, goal.metric) == ("technical", "Ship a RAG demo", "1 demo")


async def test_a_form_after_the_welcome_opens_from_a_button(services: Services, fake: FakeDiscord):
    guild = fake.add_guild()
    user = fake.add_user("dao").id
    async with running(make_adapter(services, fake)):
        # First contact: the welcome answers the command, so the form cannot be a modal.
        _, welcome = await command(
            fake, "goals", {"action": "set", "area": "soft"}, guild_id=guild.id, user_id=user
        )
        button = await fake.wait_for_message(
            lambda m: m.interaction_id is not None and bool(m.components)
        )
        [open_id] = custom_ids(button.components)
        click = fake.component_interaction(open_id, message_id=button.id, user_id=user)
        await fake.dispatch("INTERACTION_CREATE", click)
        opened = await fake.wait_interaction_response(int(click["id"]))
        submit = fake.modal_submit_interaction(
            opened.data["custom_id"],
            {"goal": "Present at the team demo", "plan": "", "metric": "1 talk"},
            user_id=user,
            guild_id=guild.id,
        )
        await fake.dispatch("INTERACTION_CREATE", submit)
        saved = await fake.wait_interaction_response(int(submit["id"]))
    assert welcome.type == 4 and opened.type == 9 and saved.accepted
    member = await member_of(services, guild.id, user)
    assert member is not None
    [goal] = await mentoring.goals_of(services.store, member.id)
    assert (goal.area, goal.goal) == ("soft", "Present at the team demo")


async def test_a_form_longer_than_a_modal_is_asked_in_pages(services: Services, fake: FakeDiscord):
    got: list[dict[str, str]] = []
    extra = Router()
    fields = tuple(FormField(f"f{i}", f"Field {i}", required=False) for i in range(7))

    @extra.command("survey")
    async def survey(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
        return [Reply(form=Form("survey:done", "Survey", fields, "Send"))]

    @extra.form("survey:done")
    async def done(ctx: Ctx, values: Mapping[str, str]) -> list[Reply]:
        got.append(dict(values))
        return [Reply(text="thanks")]

    guild = fake.add_guild()
    mentor = Mentor(services, features=[*default_features(), extra])
    async with running(make_adapter(services, fake, mentor=mentor)):
        await command(fake, "profile", guild_id=guild.id)
        _, first = await command(fake, "survey", guild_id=guild.id)
        assert first.type == 9 and first.data["title"] == "Survey (1/2)"
        page1 = fake.modal_submit_interaction(
            first.data["custom_id"], {f"f{i}": str(i) for i in range(5)}, guild_id=guild.id
        )
        await fake.dispatch("INTERACTION_CREATE", page1)
        kept = await fake.wait_interaction_response(int(page1["id"]))
        [next_id] = custom_ids(kept.data["components"])
        message = fake.messages_by_id[kept.message_id or 0]
        click = fake.component_interaction(next_id, message_id=message.id)
        await fake.dispatch("INTERACTION_CREATE", click)
        second = await fake.wait_interaction_response(int(click["id"]))
        assert second.type == 9 and second.data["title"] == "Survey (2/2)"
        page2 = fake.modal_submit_interaction(
            second.data["custom_id"], {"f5": "5", "f6": "6"}, guild_id=guild.id
        )
        await fake.dispatch("INTERACTION_CREATE", page2)
        thanks = await fake.wait_interaction_response(int(page2["id"]))
    assert await answer_text(fake, thanks) == "thanks"
    assert got[0]["f0"] == "0" and got[0]["f6"] == "6" and len(got[0]) >= 7


def survey_mentor(services: Services, got: list[dict[str, str]]) -> Mentor:
    """The mentor with ``/mentor survey``: a form of seven inputs, two modal pages."""
    extra = Router()
    fields = tuple(FormField(f"f{i}", f"Field {i}", required=False) for i in range(7))

    @extra.command("survey")
    async def survey(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
        return [Reply(form=Form("survey:done", "Survey", fields, "Send"))]

    @extra.form("survey:done")
    async def done(ctx: Ctx, values: Mapping[str, str]) -> list[Reply]:
        got.append(dict(values))
        return [Reply(text="thanks")]

    return Mentor(services, features=[*default_features(), extra])


async def test_a_paged_form_survives_a_restart_and_is_only_its_members(
    services: Services, fake: FakeDiscord, engine: Any, clock: SimClock
):
    """The pages sent so far are in the database: a new adapter on the same database
    (a restart, or another process) opens page 2 and submits both pages' values. Another
    member can neither open the form nor send a page of it."""
    got: list[dict[str, str]] = []
    guild = fake.add_guild()
    ana, bob = fake.add_user("ana").id, fake.add_user("bob").id
    where = {"guild_id": guild.id}
    async with running(make_adapter(services, fake, mentor=survey_mentor(services, got))):
        await command(fake, "profile", user_id=ana, **where)
        _, first = await command(fake, "survey", user_id=ana, **where)
        page1 = fake.modal_submit_interaction(
            first.data["custom_id"], {f"f{i}": str(i) for i in range(5)}, user_id=ana, **where
        )
        await fake.dispatch("INTERACTION_CREATE", page1)
        kept = await fake.wait_interaction_response(int(page1["id"]))
        [next_id] = custom_ids(kept.data["components"])

    restarted = Services(store=Store(sessionmaker(engine)), content=load_library(), clock=clock)
    adapter = make_adapter(restarted, fake, mentor=survey_mentor(restarted, got))
    async with running(adapter):
        click = fake.component_interaction(next_id, message_id=kept.message_id, user_id=bob)
        await fake.dispatch("INTERACTION_CREATE", click)
        refused = await fake.wait_interaction_response(int(click["id"]))
        forged = fake.modal_submit_interaction(
            first.data["custom_id"].removesuffix(":1") + ":2",
            {"f5": "bob", "f6": "bob"},
            user_id=bob,
            **where,
        )
        await fake.dispatch("INTERACTION_CREATE", forged)
        not_sent = await fake.wait_interaction_response(int(forged["id"]))

        click = fake.component_interaction(next_id, message_id=kept.message_id, user_id=ana)
        await fake.dispatch("INTERACTION_CREATE", click)
        second = await fake.wait_interaction_response(int(click["id"]))
        assert second.type == 9 and second.data["title"] == "Survey (2/2)"
        page2 = fake.modal_submit_interaction(
            second.data["custom_id"], {"f5": "5", "f6": "6"}, user_id=ana, **where
        )
        await fake.dispatch("INTERACTION_CREATE", page2)
        thanks = await fake.wait_interaction_response(int(page2["id"]))
        assert await answer_text(fake, thanks) == "thanks"
    for answer in (refused, not_sent):
        assert answer.type == 4 and answer.data["flags"] & FLAG_EPHEMERAL
        assert "no longer open" in answer.data["content"]
    assert got == [{f"f{i}": str(i) for i in range(7)}]


async def team_channel(fake: FakeDiscord, guild_id: int, channel_id: int, user_id: int):
    """``/mentor team action:channel channel:#digest``: a channel option comes with the
    channel in ``resolved``, as Discord sends it."""
    channel = fake.channels[channel_id].payload(fake.users)
    resolved = {"channels": {str(channel_id): {**channel, "permissions": "0"}}}
    payload = fake.slash_command_interaction(
        "mentor",
        "team",
        {"action": "channel"},
        guild_id=guild_id,
        user_id=user_id,
        resolved=resolved,
    )
    leaves = payload["data"]["options"][0]["options"]
    leaves.append({"name": "channel", "type": 7, "value": str(channel_id)})
    await fake.dispatch("INTERACTION_CREATE", payload)
    callback = await fake.wait_interaction_response(int(payload["id"]))
    await answer_text(fake, callback)  # settled, as ``command`` does
    return payload, callback


async def test_team_commands_need_manage_server(services: Services, fake: FakeDiscord):
    guild = fake.add_guild(channels=("general", "digest"))
    digest = list(guild.channels)[1]
    member, admin = fake.add_user("dev").id, fake.add_user("lead").id
    fake.add_role(guild.id, "leads", MANAGE_GUILD, member_ids=[admin])
    async with running(make_adapter(services, fake)):
        for user in (member, admin):
            await command(fake, "profile", guild_id=guild.id, user_id=user)
        _, refused = await team_channel(fake, guild.id, digest, member)
        _, accepted = await team_channel(fake, guild.id, digest, admin)
    refused_text = await answer_text(fake, refused)
    assert "Manage" in refused_text or "admin" in refused_text.lower()
    workspace = await services.store.workspace(
        "discord", str(guild.id), now=services.clock.now(), defaults={}
    )
    assert workspace.digest_channel == str(digest)
    assert str(digest) in await answer_text(fake, accepted)


async def test_the_monthly_digest_arrives_in_the_chosen_channel_with_its_chart(
    services: Services, fake: FakeDiscord, clock: SimClock
):
    guild = fake.add_guild(channels=("general", "learning"))
    learning = list(guild.channels)[1]
    adapter = make_adapter(services, fake)
    async with running(adapter):
        await command(fake, "profile", guild_id=guild.id, user_id=guild.owner_id)
        _, chosen = await team_channel(fake, guild.id, learning, guild.owner_id)
        scheduler = wired_scheduler(services, outlets={"discord": adapter.outlet})
        clock.set(datetime(2027, 4, 1, 9, 0, tzinfo=UTC))  # 09:00 on the 1st, server time
        for _ in range(2):
            await scheduler.tick()
        digest = await fake.wait_for_message(channel_id=learning)
    assert chosen.accepted and digest.source == "channel"
    assert digest.embeds and any(name.endswith(".png") for name in digest.attachments)


async def test_a_dm_text_reaches_the_core_for_the_members_server(
    services: Services, fake: FakeDiscord
):
    guild = fake.add_guild()
    user = fake.add_user("dana").id
    stranger = fake.add_user("eve").id
    async with running(make_adapter(services, fake)):
        await command(fake, "profile", guild_id=guild.id, user_id=user)
        await fake.dispatch("MESSAGE_CREATE", fake.dm_message(user, "/mentor level senior"))
        answer = await fake.wait_for_message(
            lambda m: m.channel_id == fake.dm_channel(user).id and bool(m.embeds)
        )
        await fake.dispatch("MESSAGE_CREATE", fake.dm_message(stranger, "hello"))
        unknown = await fake.wait_for_message(channel_id=fake.dm_channel(stranger).id)
    assert "Senior Engineer" in answer.embeds[0]["title"]
    assert "server" in unknown.content


async def test_timezone_autocomplete_finds_zones_by_city(services: Services, fake: FakeDiscord):
    guild = fake.add_guild()
    async with running(make_adapter(services, fake)):
        payload = fake.slash_command_interaction(
            "mentor", "schedule", {"timezone": "ho chi"}, guild_id=guild.id
        )
        payload["type"] = 4  # APPLICATION_COMMAND_AUTOCOMPLETE
        payload["data"]["options"][0]["options"][0]["focused"] = True
        fake.interactions[int(payload["id"])].type = 4
        await fake.dispatch("INTERACTION_CREATE", payload)
        answer = await fake.wait_interaction_response(int(payload["id"]))
    assert answer.type == 8
    assert answer.data["choices"][0]["value"] == "Asia/Ho_Chi_Minh"
