"""HTTP mode's front door: Slack's request signature, and acknowledgements that do not
wait for the work."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from adapters.slack import gate
from adapters.slack.app import SlackRuntime
from bot.context import Services
from bot.errors import ConfigError
from bot.events import Inbound
from bot.mentor import Mentor
from bot.reply import Reply
from mentorbot.server import ProcessServer
from storage.models import Member
from tests.adapters.slack.conftest import SECRET, USER, SlackBot, config_for, features
from tests.fakes import ARRIVAL_TIMEOUT_S
from tests.fakes.slack import FakeSlack, url_verification_payload


@pytest.fixture(params=["http"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


async def members(bot: SlackBot) -> int:
    async with bot.services.store.session() as s:
        return int(await s.scalar(select(func.count()).select_from(Member)) or 0)


async def test_signed_requests_are_accepted_and_forged_ones_touch_nothing(
    slack_bot: SlackBot,
) -> None:
    fake, url = slack_bot.fake, slack_bot.url
    command = fake.slash_command("/mentor", "level mid", user_id=USER)
    before = len(fake.calls)
    forged = [
        await fake.post_signed(url, command, SECRET, signature="v0=" + "0" * 64),
        await fake.post_signed(url, command, "not-the-secret"),
        await fake.post_signed(url, command, SECRET, timestamp=int(time.time()) - 5 * 60 - 1),
        await fake.post_signed(url, command, SECRET, timestamp=int(time.time()) + 6 * 60),
    ]
    await slack_bot.idle()
    assert [status for status, _ in forged] == [401] * 4
    assert fake.calls[before:] == []  # no users.info, no answer, nothing
    assert await members(slack_bot) == 0

    status, _ = await fake.post_signed(url, command, SECRET)
    assert status == 200
    await slack_bot.idle()
    assert await members(slack_bot) == 1 and fake.responses()


async def test_url_verification_and_health(slack_bot: SlackBot) -> None:
    status, body = await slack_bot.fake.post_signed(
        slack_bot.url, url_verification_payload("xyz"), SECRET
    )
    assert (status, json.loads(body)) == (200, {"challenge": "xyz"})
    async with (
        aiohttp.ClientSession() as session,
        session.get(slack_bot.url.replace("/slack/events", "/healthz")) as response,
    ):
        assert (response.status, await response.text()) == (200, "ok\n")  # the process's


@pytest.mark.parametrize("backend", ["sqlite"])  # it is about time, not storage
@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_slow_work_is_acked_within_three_seconds(slack_bot: SlackBot) -> None:
    adapter = slack_bot.runtime.adapter
    assert adapter is not None
    handle = adapter.handle

    working = asyncio.Event()
    done = asyncio.Event()

    async def slow(inbound: Inbound) -> list[Reply]:
        working.set()
        await done.wait()  # the work lasts until the ack is in: longer than any wait
        return await handle(inbound)

    adapter.handle = slow
    # Were the ack to wait for the work, it would never come: fail after a while instead.
    ack = await asyncio.wait_for(slack_bot.command("level mid"), ARRIVAL_TIMEOUT_S)
    assert ack.status == 200 and ack.elapsed < 1.0
    await asyncio.wait_for(working.wait(), ARRIVAL_TIMEOUT_S)  # acked while the work was under way
    done.set()
    await slack_bot.idle()
    assert any("Mid-level" in str(c.args) for c in slack_bot.fake.responses())


async def test_a_broken_shapes_file_stops_the_start_in_one_line(
    fake: FakeSlack,
    services: Services,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Read at start, not at the first request: a typo in ``shapes.yaml`` is the
    operator's one line, never a 500 for Slack."""
    broken = tmp_path / "shapes.yaml"
    broken.write_text("top: {obj: {type: strr}}\n")
    monkeypatch.setattr(gate, "SHAPES_FILE", broken)
    gate.shapes.cache_clear()
    server = ProcessServer(services, host="127.0.0.1", port=0)
    runtime = SlackRuntime(
        config_for(fake, "http"),
        services=services,
        mentor=Mentor(services, features()),
        web_app=server.app,
    )
    try:
        with pytest.raises(ConfigError) as refused:
            async with runtime:
                pass
    finally:
        gate.shapes.cache_clear()
    assert str(refused.value) == f"{broken}: top.obj.type: 'strr' is not one of " + (
        "str, int, float, bool, dict, list"
    )
    assert runtime.session is None  # closed on the way out


def test_a_shapes_file_without_a_shape_the_gate_uses_is_refused_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without it every request would end in a KeyError and a 500, the start fine."""
    partial = tmp_path / "shapes.yaml"
    partial.write_text("top: {obj: {type: str}}\ninteractive: {obj: {}}\n")
    monkeypatch.setattr(gate, "SHAPES_FILE", partial)
    gate.shapes.cache_clear()
    try:
        with pytest.raises(ConfigError) as refused:
            gate.events_handler(None, "secret")  # type: ignore[arg-type]
    finally:
        gate.shapes.cache_clear()
    assert str(refused.value) == f"{partial}: no slash_command"
