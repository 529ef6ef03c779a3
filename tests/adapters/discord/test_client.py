"""The client: intents, sharding settings, and DISCORD_API_URL."""

from __future__ import annotations

import asyncio
import warnings

import pytest

from bot.context import Services
from bot.grammar import command_text
from bot.mentor import Mentor
from mentorbot.settings import ConfigError
from tests.adapters.discord.conftest import make_adapter, running
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_payloads import Intents

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    import discord.gateway
    import discord.http

    from adapters.discord.client import intents, point_at, shard_options
    from adapters.discord.commands import (
        GROUP_NAME,
        MAX_SUBCOMMANDS,
        MentorTranslator,
        autocomplete,
        build_group,
    )


def test_only_guilds_dm_and_guild_messages_are_asked_for():
    wanted = Intents.GUILDS | Intents.DIRECT_MESSAGES | Intents.GUILD_MESSAGES
    assert intents().value == int(wanted)
    assert not intents().members and not intents().message_content


@pytest.mark.parametrize(
    ("value", "options"),
    [
        (None, None),
        ("", None),
        ("auto", {}),
        ("4", {"shard_count": 4}),
        ("0-1/4", {"shard_count": 4, "shard_ids": [0, 1]}),
        ("3,1/4", {"shard_count": 4, "shard_ids": [1, 3]}),
    ],
)
def test_discord_shards_values(value, options):
    assert shard_options(value) == options


@pytest.mark.parametrize("value", ["0", "x", "4/4", "1-2", "-1"])
def test_bad_discord_shards_stop_the_start(value):
    with pytest.raises(ConfigError, match="DISCORD_SHARDS"):
        shard_options(value)


async def test_api_url_points_rest_and_gateway_at_the_fake(fake: FakeDiscord):
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    restore = await point_at(fake.api_url + "/")
    try:
        assert discord.http.Route.BASE == fake.api_url
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == fake.gateway_url
    finally:
        restore()
    assert (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == (
        base,
        gateway,
    )


async def test_sharded_client_when_discord_shards_asks(services: Services, fake: FakeDiscord):
    fake.add_guild()
    adapter = make_adapter(services, fake, shards="auto")
    async with running(adapter):
        assert isinstance(adapter.client, discord.AutoShardedClient)
        assert adapter.client.shard_count == 1 and len(adapter.client.guilds) == 1
    assert fake.requests_matching("GET /gateway/bot")
    [session] = fake.gateway.sessions.values()
    assert session.intents == intents().value


async def test_removed_from_a_server_stops_its_deliveries_until_added_back(
    services: Services, fake: FakeDiscord
):
    guild = fake.add_guild()
    adapter = make_adapter(services, fake)
    key = ("discord", str(guild.id))
    async with running(adapter):
        await adapter.state.put("probe", "x")  # the adapter's own writes work
        await services.store.workspace(*key, now=services.clock.now(), defaults={})
        await fake.dispatch("GUILD_DELETE", {"id": str(guild.id)})
        removed = await _wait_for_disabled(services, key, True)
        payload = guild.payload(fake.users, member_ids=[], bot_user_id=fake.bot_user.id)
        payload.pop("unavailable", None)  # a join, not the end of an outage
        await fake.dispatch("GUILD_CREATE", payload)
        back = await _wait_for_disabled(services, key, False)
    assert removed.disabled_reason and back.disabled_reason is None


async def _wait_for_disabled(services: Services, key: tuple[str, str], disabled: bool):
    for _ in range(100):
        ws = await services.store.workspace(*key, now=services.clock.now(), defaults={})
        if bool(ws.disabled_reason) == disabled:
            return ws
        await asyncio.sleep(0.02)
    raise AssertionError(f"workspace disabled={disabled} never seen")


def test_every_core_command_becomes_a_subcommand_with_its_grammar(services: Services):
    commands = Mentor(services).router.commands
    assert len(commands) <= MAX_SUBCOMMANDS, "Discord allows 25 sub-commands per group"
    assert GROUP_NAME == "mentor"
    undeclared = {name for name, spec in commands.items() if spec.args is None}
    assert not undeclared, f"declare the arguments of {undeclared} at their @router.command"
    grammar = {name: spec.grammar for name, spec in commands.items()}
    schedule = {a.name: a for a in grammar["schedule"]}
    values = {"cadence": "weekly", "days": "fri", "time": "16:00"}
    assert command_text("schedule", grammar["schedule"], values) == "schedule weekly fri 16:00"
    assert command_text("schedule", grammar["schedule"], {"timezone": "Asia/Ho_Chi_Minh"}) == (
        "schedule tz Asia/Ho_Chi_Minh"
    )
    assert schedule["day"].kind == "number"
    diet = {"cadence": "daily", "sources": "arXiv, HN", "reset": False}
    assert command_text("diet", grammar["diet"], diet) == "diet daily set arXiv, HN"
    assert command_text("pause", grammar["pause"], {"until": "2027-01-05"}) == (
        "pause until 2027-01-05"
    )
    assert command_text("team", grammar["team"], {"action": "channel", "channel": 42}) == (
        "team channel <#42>"
    )


def _characters(node: object, locale: str | None = None) -> int:
    """Discord's per-command budget: names, descriptions and choice values, summed."""
    if not isinstance(node, dict):
        return 0
    count = 0
    for key in ("name", "description"):
        if key in node:
            localized = (node.get(f"{key}_localizations") or {}).get(locale or "")
            count += len(str(localized or node[key]))
    if "value" in node:
        count += len(str(node["value"]))
    for key in ("options", "choices"):
        count += sum(_characters(child, locale) for child in node.get(key) or [])
    return count


async def test_the_command_fits_discords_8000_character_budget(services: Services):
    client = discord.Client(intents=discord.Intents.none())
    tree = discord.app_commands.CommandTree(client)
    await tree.set_translator(MentorTranslator())

    async def run(interaction: object, text: str) -> None: ...

    group = build_group(Mentor(services).router.commands, services.content, run=run)
    tree.add_command(group)
    payload = await group.get_translated_payload(tree, MentorTranslator())
    for locale in (None, "vi"):
        assert _characters(payload, locale) < 8000, "Discord rejects a command over 8000"


async def test_metric_and_setting_autocompletes(services: Services):
    from types import SimpleNamespace

    commands = Mentor(services).router.commands
    [metric_arg] = [a for a in commands["log"].grammar if a.name == "metric"]
    [value_arg] = [a for a in commands["set"].grammar if a.name == "value"]
    metric = await autocomplete(metric_arg, services.content)(SimpleNamespace(), "pap")
    assert metric[0].value == "papers_read"
    setting_value = autocomplete(value_arg, services.content)
    vi = SimpleNamespace(
        namespace=SimpleNamespace(setting="level"), locale=discord.Locale.vietnamese
    )
    levels = await setting_value(vi, "sen")
    assert [c.value for c in levels] == ["senior"]
    zones = SimpleNamespace(
        namespace=SimpleNamespace(setting="tz"), locale=discord.Locale.american_english
    )
    assert (await setting_value(zones, "berlin"))[0].value == "Europe/Berlin"
