"""The real discord.py 2.7 client against FakeDiscord: proves the fake is faithful enough to
test the Discord adapter end to end (gateway, app commands, interactions, DMs, 429s, 403s)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
import warnings
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.fakes import ARRIVAL_TIMEOUT_S
from tests.fakes.discord_fake import (
    FLAG_EPHEMERAL,
    FakeDiscord,
    configure_discord_client,
    discover_gateway_url,
)
from tests.fakes.discord_payloads import Intents

with warnings.catch_warnings():
    # discord.py's player imports the stdlib ``audioop`` (deprecated on 3.11/3.12); the project
    # runs pytest with filterwarnings=error, which would fail the import itself.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    import discord.utils
    from discord import app_commands


def minimal_intents() -> discord.Intents:
    """What a mentoring bot needs: guild metadata + DMs; no privileged intents."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.dm_messages = True
    return intents


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(heartbeat_interval_ms=200) as server:
        restore = server.configure_discord_client()
        try:
            yield server
        finally:
            restore()
        assert not server.internal_errors  # a bug in the fake must not pass as a Discord 500


@contextlib.asynccontextmanager
async def running(client: discord.Client, fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    """login + connect in a task; on exit close the client *before* the fake goes away."""
    await client.login(fake.token)
    task = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), ARRIVAL_TIMEOUT_S)
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(task, ARRIVAL_TIMEOUT_S)


def new_client(**kwargs: object) -> discord.Client:
    return discord.Client(intents=minimal_intents(), guild_ready_timeout=0.05, **kwargs)


def mentor_tree(client: discord.Client, seen: list[str]) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)
    mentor = app_commands.Group(name="mentor", description="Career mentoring")

    @mentor.command(name="level", description="Set your career level")
    async def level(interaction: discord.Interaction, track: str) -> None:
        seen.append(track)
        await interaction.response.send_message(f"level set for {track}", ephemeral=True)

    tree.add_command(mentor)
    return tree


async def test_client_connects_gets_ready_and_heartbeats_are_acked(fake: FakeDiscord) -> None:
    guild = fake.add_guild("Mentor Lab", channels=("general", "mentoring"))
    client = new_client()
    ready = asyncio.Event()
    client.event(_setter("on_ready", ready))
    async with running(client, fake):
        assert ready.is_set()
        assert client.user is not None and client.user.id == fake.bot_user.id
        assert client.application_id == fake.application_id
        assert [g.id for g in client.guilds] == [guild.id]
        assert {c.name for c in client.guilds[0].text_channels} == {"general", "mentoring"}
        deadline = time.monotonic() + 3
        while fake.gateway.heartbeat_count < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert fake.gateway.heartbeat_count >= 3
        assert math.isfinite(client.latency)  # an ACK came back for the heartbeat
        conn = fake.gateway.live_connections[0]
        # discord.py asks for transport compression; the fake answered in that format.
        compression = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
        assert conn.compression == compression and conn.query["v"] == "10"
        assert conn.session is not None
        assert conn.session.intents == minimal_intents().value
    assert fake.requests[0].path == "/users/@me"
    assert fake.requests_matching("GET /oauth2/applications/@me")
    assert not fake.gateway.live_connections
    # discord.py 2.7's close() races its own reader and sends 4000: the session stays resumable.
    assert fake.gateway.connections[0].client_close_code == 4000


async def test_dm_message_create_reaches_on_message(fake: FakeDiscord) -> None:
    client = new_client()
    got: asyncio.Queue[discord.Message] = asyncio.Queue()
    client.event(_putter("on_message", got))
    async with running(client, fake):
        delivered = await fake.dispatch("MESSAGE_CREATE", fake.dm_message(content="I need help"))
        message = await asyncio.wait_for(got.get(), ARRIVAL_TIMEOUT_S)
    assert delivered == 1
    assert message.content == "I need help"  # DMs carry content without MESSAGE_CONTENT
    assert isinstance(message.channel, discord.DMChannel)
    assert message.author.id == fake.default_user.id


async def test_guild_message_content_needs_the_privileged_intent(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    intents = minimal_intents()
    intents.guild_messages = True
    client = discord.Client(intents=intents, guild_ready_timeout=0.05)
    got: asyncio.Queue[discord.Message] = asyncio.Queue()
    client.event(_putter("on_message", got))
    async with running(client, fake):
        channel_id = guild.default_channel_id
        await fake.dispatch("MESSAGE_CREATE", fake.guild_message(channel_id, "secret"))
        await fake.dispatch(
            "MESSAGE_CREATE", fake.guild_message(channel_id, "hi", mention_bot=True)
        )
        first, second = (
            await asyncio.wait_for(got.get(), ARRIVAL_TIMEOUT_S),
            await asyncio.wait_for(got.get(), ARRIVAL_TIMEOUT_S),
        )
    assert (first.content, second.content) == ("", "hi")


async def test_slash_subcommand_runs_and_callback_arrives_within_3s(fake: FakeDiscord) -> None:
    client = new_client()
    seen: list[str] = []
    tree = mentor_tree(client, seen)
    async with running(client, fake):
        synced = await tree.sync()
        assert [c.name for c in synced] == ["mentor"]
        assert fake.command_writes[None] == 1
        payload = fake.slash_command_interaction("mentor", "level", {"track": "mlops"})
        assert payload["data"]["id"] == str(synced[0].id)
        assert await fake.dispatch("INTERACTION_CREATE", payload) == 1
        reply = await fake.wait_interaction_response(int(payload["id"]))
    assert seen == ["mlops"]
    assert reply.accepted and reply.type == 4 and reply.elapsed < 3
    assert reply.data["content"] == "level set for mlops"
    assert reply.data["flags"] & FLAG_EPHEMERAL
    assert fake.messages[-1].source == "interaction"


async def test_guild_command_defer_followup_and_edit_original(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    client = new_client()
    tree = app_commands.CommandTree(client)
    done: asyncio.Queue[discord.WebhookMessage] = asyncio.Queue()

    @tree.command(name="plan", description="Weekly plan", guild=discord.Object(guild.id))
    async def plan(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        sent = await interaction.followup.send("drafting your plan", wait=True)
        await interaction.edit_original_response(content="your plan: read 2 papers")
        await done.put(sent)

    async with running(client, fake):
        await tree.sync(guild=discord.Object(guild.id))
        assert fake.command_writes == {guild.id: 1}
        payload = fake.slash_command_interaction("plan", guild_id=guild.id)
        assert payload["data"]["guild_id"] == str(guild.id)
        await fake.dispatch("INTERACTION_CREATE", payload)
        deferred = await fake.wait_interaction_response(int(payload["id"]))
        followup = await asyncio.wait_for(done.get(), ARRIVAL_TIMEOUT_S)
    assert deferred.type == 5 and deferred.data["flags"] & FLAG_EPHEMERAL
    original = fake.messages_by_id[followup.id]  # the first follow-up filled "thinking..."
    assert original.content == "your plan: read 2 papers" and original.flags & FLAG_EPHEMERAL
    assert [r.method for r in fake.requests_matching("/webhooks/*")] == ["POST", "PATCH"]


async def test_button_opens_modal_and_submit_is_answered(fake: FakeDiscord) -> None:
    client = new_client()
    tree = app_commands.CommandTree(client)
    submitted: list[str] = []

    class GoalModal(discord.ui.Modal, title="Your goal"):
        goal = discord.ui.TextInput(label="Goal", custom_id="goal")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            submitted.append(self.goal.value)
            await interaction.response.send_message("goal saved")

    class GoalView(discord.ui.View):
        @discord.ui.button(label="Set goal", custom_id="set-goal")
        async def set_goal(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
            await interaction.response.send_modal(GoalModal(custom_id="goal-modal"))

        @discord.ui.button(label="Later", custom_id="later")
        async def later(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
            await interaction.response.edit_message(content="Maybe later", view=None)

    @tree.command(name="goal", description="Set a goal")
    async def goal(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Set a goal?", view=GoalView())

    async with running(client, fake):
        await tree.sync()
        command = fake.slash_command_interaction("goal")
        await fake.dispatch("INTERACTION_CREATE", command)
        shown = await fake.wait_interaction_response(int(command["id"]))
        assert shown.message_id is not None
        button = fake.component_interaction("set-goal", message_id=shown.message_id)
        await fake.dispatch("INTERACTION_CREATE", button)
        modal = await fake.wait_interaction_response(int(button["id"]))
        assert modal.type == 9 and modal.data["custom_id"] == "goal-modal"
        submit = fake.modal_submit_interaction("goal-modal", {"goal": "ship a RAG demo"})
        await fake.dispatch("INTERACTION_CREATE", submit)
        saved = await fake.wait_interaction_response(int(submit["id"]))
        later = fake.component_interaction("later", message_id=shown.message_id)
        await fake.dispatch("INTERACTION_CREATE", later)
        edited = await fake.wait_interaction_response(int(later["id"]))
    assert saved.type == 4 and saved.data["content"] == "goal saved"
    assert submitted == ["ship a RAG demo"]
    assert edited.type == 7  # UPDATE_MESSAGE edits the message carrying the buttons
    message = fake.messages_by_id[shown.message_id]
    assert (message.content, message.components) == ("Maybe later", [])


async def test_late_interaction_answer_is_rejected_like_discord(fake: FakeDiscord) -> None:
    fake.interaction_deadline_s = 0.1
    client = new_client()
    tree = app_commands.CommandTree(client)
    errors: asyncio.Queue[BaseException] = asyncio.Queue()

    @tree.command(name="slow", description="Too slow")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        try:
            await interaction.response.send_message("late")
        except discord.NotFound as exc:
            await errors.put(exc)

    async with running(client, fake):
        payload = fake.slash_command_interaction("slow")
        await fake.dispatch("INTERACTION_CREATE", payload)
        exc = await asyncio.wait_for(errors.get(), ARRIVAL_TIMEOUT_S)
        late = await fake.wait_interaction_response(int(payload["id"]))
    assert isinstance(exc, discord.NotFound) and exc.code == 10062
    assert not late.accepted and late.elapsed > 0.1


async def test_dm_send_is_retried_through_injected_429(fake: FakeDiscord) -> None:
    client = new_client()
    user_id = fake.add_user("learner").id
    async with running(client, fake):
        user = await client.fetch_user(user_id)
        channel = await user.create_dm()
        assert channel.id == fake.dm_channel(user_id).id  # stable DM channel per recipient
        limited = fake.inject_429("POST /channels/*/messages", count=1, retry_after=0.2)
        started = time.monotonic()
        sent = await channel.send("Your weekly check-in")
        elapsed = time.monotonic() - started
    assert limited.hits == 1 and elapsed >= 0.2
    attempts = fake.requests_matching("POST /channels/*/messages")
    assert [r.status for r in attempts] == [429, 200]
    assert [m.content for m in fake.dm_messages(user_id)] == ["Your weekly check-in"]
    assert sent.id == fake.dm_messages(user_id)[0].id
    assert fake.invalid_request_count == 1  # Discord counts 429s toward the IP ban


async def test_rate_limit_responses_carry_discords_headers(fake: FakeDiscord) -> None:
    fake.inject_429("/users/@me", retry_after=0.25, global_=True)
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bot {fake.token}"}
        async with http.get(f"{fake.api_url}/users/@me", headers=headers) as resp:
            body = await resp.json()
            assert resp.status == 429 and resp.headers["Via"] == "1.1 google"
            assert resp.headers["Content-Type"] == "application/json"
            assert resp.headers["X-RateLimit-Global"] == "true"
            assert resp.headers["X-RateLimit-Scope"] == "global"
            assert resp.headers["Retry-After"] == "1"
        assert body == {
            "message": "You are being rate limited.",
            "retry_after": 0.25,
            "global": True,
        }
        async with http.get(f"{fake.api_url}/users/@me", headers=headers) as resp:
            assert resp.status == 200
            assert resp.headers["X-RateLimit-Remaining"].isdigit()
            assert resp.headers["X-RateLimit-Bucket"]
            assert float(resp.headers["X-RateLimit-Reset-After"]) >= 0


async def test_global_limit_makes_discord_py_wait_and_retry(fake: FakeDiscord) -> None:
    client = new_client()
    ids = [fake.add_user().id for _ in range(4)]
    async with running(client, fake):
        fake.global_limit_per_s = 2
        users = await asyncio.gather(*(client.fetch_user(i) for i in ids))
    assert [u.id for u in users] == ids
    statuses = [r.status for r in fake.requests_matching("GET /users/*") if r.path != "/users/@me"]
    assert statuses.count(200) == 4 and 429 in statuses


async def test_dm_to_user_blocking_dms_raises_forbidden_50007(fake: FakeDiscord) -> None:
    client = new_client()
    user_id = fake.add_user("private").id
    fake.forbid_dm(user_id)
    async with running(client, fake):
        channel = await (await client.fetch_user(user_id)).create_dm()  # creating the DM works
        with pytest.raises(discord.Forbidden) as info:
            await channel.send("hello")
    assert info.value.status == 403 and info.value.code == 50007
    assert info.value.text == "Cannot send messages to this user"
    assert fake.invalid_requests[403] == 1 and not fake.dm_messages(user_id)


async def test_channel_missing_access_and_message_limits(fake: FakeDiscord) -> None:
    guild = fake.add_guild(channels=("general", "staff"))
    general, staff = list(guild.channels)
    fake.forbid_channel(staff)
    client = new_client()
    async with running(client, fake):
        with pytest.raises(discord.Forbidden) as denied:
            await client.get_channel(staff).send("hi")  # type: ignore[union-attr]
        with pytest.raises(discord.HTTPException) as too_long:
            await client.get_channel(general).send("x" * 2001)  # type: ignore[union-attr]
    assert denied.value.code == 50001 and denied.value.text == "Missing Access"
    assert too_long.value.status == 400 and too_long.value.code == 50035


async def test_too_many_invalid_requests_gets_a_cloudflare_ban(fake: FakeDiscord) -> None:
    client = new_client()
    user_id = fake.add_user().id
    fake.forbid_dm(user_id)
    fake.invalid_request_limit = 1
    async with running(client, fake):
        channel = await (await client.fetch_user(user_id)).create_dm()
        with pytest.raises(discord.Forbidden):
            await channel.send("one")
        with pytest.raises(discord.HTTPException) as banned:
            await client.fetch_user(user_id)
    # No Via header and an HTML body: discord.py does not retry, it raises at once.
    assert banned.value.status == 429 and fake.banned
    assert fake.requests[-1].status == 429


async def test_reconnect_resumes_and_replays_missed_events(fake: FakeDiscord) -> None:
    client = new_client()
    got: asyncio.Queue[discord.Message] = asyncio.Queue()
    resumed = asyncio.Event()
    client.event(_putter("on_message", got))
    client.event(_setter("on_resumed", resumed))
    async with running(client, fake):
        await fake.gateway.force_reconnect()
        # Sent while the client is away: buffered and replayed after RESUME.
        await fake.dispatch("MESSAGE_CREATE", fake.dm_message(content="while you were away"))
        session = await fake.wait_for_session("resume")
        await asyncio.wait_for(resumed.wait(), ARRIVAL_TIMEOUT_S)
        message = await asyncio.wait_for(got.get(), ARRIVAL_TIMEOUT_S)
    assert message.content == "while you were away"
    assert session.resumes == 1 and fake.gateway.identify_count == 1
    assert [c.path for c in fake.gateway.connections] == ["/gateway", "/gateway/resume"]


async def test_invalid_session_reidentifies_on_the_patched_default_gateway(
    fake: FakeDiscord,
) -> None:
    class QuickClient(discord.Client):
        async def before_identify_hook(
            self, shard_id: int | None, *, initial: bool = False
        ) -> None:
            """The default sleeps 5 s before every re-IDENTIFY (Discord's identify limit)."""

    client = QuickClient(intents=minimal_intents(), guild_ready_timeout=0.05)
    async with running(client, fake):
        await fake.gateway.invalidate_sessions(resumable=False)
        await fake.wait_for_session("identify")
    assert fake.gateway.identify_count == 2
    assert [c.path for c in fake.gateway.connections] == ["/gateway", "/gateway"]


async def test_auto_sharded_client_asks_gateway_bot(fake: FakeDiscord) -> None:
    fake.add_guild()
    client = discord.AutoShardedClient(intents=minimal_intents(), guild_ready_timeout=0.05)
    async with running(client, fake):
        assert client.shard_count == 1 and len(client.guilds) == 1
    assert fake.requests_matching("GET /gateway/bot")
    session = next(iter(fake.gateway.sessions.values()))
    assert session.identify["shard"] == [0, 1]


async def test_wrong_token_fails_login(fake: FakeDiscord) -> None:
    client = new_client()
    async with client:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    assert fake.invalid_requests[401] == 1


async def test_raw_gateway_protocol_zlib_and_plain(fake: FakeDiscord) -> None:
    """The wire format discord.py relies on, checked without discord.py."""
    async with aiohttp.ClientSession() as http:
        url = f"{await discover_gateway_url(fake.api_url)}?v=10&encoding=json&compress=zlib-stream"
        async with http.ws_connect(url) as ws:
            inflate = zlib.decompressobj()

            async def receive() -> dict:
                frame = await ws.receive_bytes(timeout=ARRIVAL_TIMEOUT_S)
                assert frame.endswith(b"\x00\x00\xff\xff")  # Z_SYNC_FLUSH per message
                return json.loads(inflate.decompress(frame))

            hello = await receive()
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 200
            await ws.send_json({"op": 1, "d": None})
            assert (await receive())["op"] == 11
            identify = {"token": fake.token, "intents": int(Intents.GUILDS), "properties": {}}
            await ws.send_json({"op": 2, "d": identify})
            ready = await receive()
            assert (ready["t"], ready["s"]) == ("READY", 1)
            assert ready["d"]["resume_gateway_url"] == fake.resume_gateway_url
        async with http.ws_connect(f"{fake.gateway_url}?v=10&encoding=json") as ws:
            assert json.loads(await ws.receive_str(timeout=ARRIVAL_TIMEOUT_S))["op"] == 10
            await ws.send_json({"op": 2, "d": {**identify, "token": "wrong"}})
            closed = await ws.receive(timeout=ARRIVAL_TIMEOUT_S)
            assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == 4004
        async with http.ws_connect(f"{fake.gateway_url}?v=10&encoding=json") as ws:
            await ws.receive_str(timeout=ARRIVAL_TIMEOUT_S)
            privileged = {**identify, "intents": int(Intents.GUILDS | Intents.MESSAGE_CONTENT)}
            fake.gateway.privileged_intents = 0
            await ws.send_json({"op": 2, "d": privileged})
            assert (await ws.receive(timeout=ARRIVAL_TIMEOUT_S)).data == 4014


def test_configure_discord_client_patches_and_restores() -> None:
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    restore = configure_discord_client("http://127.0.0.1:9/api/v10")
    try:
        assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/v10/users/@me"
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:9/gateway"
    finally:
        restore()
    assert discord.http.Route.BASE == base
    assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == gateway


def _setter(name: str, event: asyncio.Event):
    async def handler(*_: object) -> None:
        event.set()

    handler.__name__ = name
    return handler


def _putter(name: str, queue: asyncio.Queue):
    async def handler(item: object) -> None:
        queue.put_nowait(item)

    handler.__name__ = name
    return handler
