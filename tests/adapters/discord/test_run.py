"""``mentorbot run`` with DISCORD_TOKEN set: Discord and the scheduler, until stopped."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

import pytest

from mentorbot import cli
from mentorbot.settings import ConfigError, load_settings
from tests.fakes.discord_fake import FakeDiscord
from tests.test_startup import base_env, closed_port, mentorbot, one_line

REPO = Path(__file__).resolve().parents[3]


async def test_mentorbot_run_serves_discord_until_stopped(
    fake: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    stop = asyncio.Event()  # stands in for SIGTERM: a real signal would reach pytest too
    monkeypatch.setattr(cli, "wait_for_signal", stop.wait)
    for name in [k for k in os.environ if k.startswith(("SLACK_", "DISCORD_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DISCORD_TOKEN", fake.token)
    monkeypatch.setenv("DISCORD_API_URL", fake.api_url)
    guild = fake.add_guild()
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'run.db'}")
    running = asyncio.create_task(cli.run_platforms(settings, argparse.Namespace(db=None, port=0)))
    try:
        await fake.wait_for_session("identify", timeout=30)
        while not fake.commands:
            await asyncio.sleep(0.02)
        payload = fake.slash_command_interaction(
            "mentor", "level", {"level": "mid"}, guild_id=guild.id
        )
        await fake.dispatch("INTERACTION_CREATE", payload)
        reply = await fake.wait_interaction_response(int(payload["id"]))
        assert reply.accepted and reply.elapsed < 3
        stop.set()
        assert await asyncio.wait_for(running, 30) == 0
    finally:
        running.cancel()
    assert not fake.gateway.live_connections


async def test_a_refused_token_stops_the_start_with_one_line(fake: FakeDiscord, tmp_path: Path):
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'run.db'}",
        discord_token="not-the-token",
        discord_api_url=fake.api_url,
        slack_bot_token=None,
        slack_client_id=None,
    )
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        await cli.run_platforms(settings, argparse.Namespace(db=None, port=0))


@pytest.mark.usefixtures("migrated_home")
async def test_a_refused_token_ends_the_process_with_one_line(fake: FakeDiscord, tmp_path: Path):
    env = base_env(tmp_path, DISCORD_TOKEN="not-the-token", DISCORD_API_URL=fake.api_url)
    code, _, err = await mentorbot(tmp_path, "run", "--port", "0", env=env)
    assert code == 2
    assert one_line(err).endswith("DISCORD_TOKEN: Discord did not accept the bot token")


@pytest.mark.usefixtures("migrated_home")
async def test_unreachable_discord_is_one_line_saying_where(tmp_path: Path):
    api = f"http://127.0.0.1:{closed_port()}/api/v10"
    env = base_env(tmp_path, DISCORD_TOKEN="token", DISCORD_API_URL=api)
    code, _, err = await mentorbot(tmp_path, "run", "--port", "0", env=env)
    assert code == 1
    line = one_line(err)
    assert "Discord is unreachable at " + api in line and "gave up after 1 attempt" in line


async def test_the_procfile_worker_requires_discord(tmp_path: Path):
    env = base_env(tmp_path)
    line = next(x for x in (REPO / "Procfile").read_text().splitlines() if x.startswith("worker"))
    command = line.split(": ", 1)[1].split()
    code, _, err = await mentorbot(tmp_path, *command[1:], env=env)
    assert code == 2 and "--platforms discord: discord is not configured" in one_line(err)


#: Loaded into the ``mentorbot run`` process through PYTHONPATH: discord.py draws each reconnect
#: wait uniformly from ``[0, 2**n]`` (``discord/backoff.py``), so comparing two real draws fails
#: about one run in eight. Drawing the middle of that range instead keeps discord.py's own
#: exponent, counting and cap, and makes the expected waits exact: 1 s, 2 s, 4 s.
#: The waits are then slept a tenth as long (``discord.client``'s sleeps only): the test reads
#: the waits discord.py chose from its log lines, and 7 s of real sleep told it nothing more.
MIDPOINT_BACKOFF = """
import asyncio
import types

import discord.backoff
import discord.client

_init = discord.backoff.ExponentialBackoff.__init__


def _init_with_midpoint_draw(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self._randfunc = lambda low, high: (low + high) / 2


discord.backoff.ExponentialBackoff.__init__ = _init_with_midpoint_draw


class _TenTimesFaster(types.ModuleType):
    def __getattr__(self, name):
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(delay, result=None):
        return await asyncio.sleep(delay / 10, result)


discord.client.asyncio = _TenTimesFaster("asyncio")
"""


@pytest.mark.usefixtures("migrated_home")
async def test_an_outage_while_running_is_one_line_per_retry_with_backoff(tmp_path: Path):
    import signal
    import sys

    fake = FakeDiscord(heartbeat_interval_ms=500)
    await fake.start()
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(MIDPOINT_BACKOFF)
    env = base_env(tmp_path, DISCORD_TOKEN=fake.token, DISCORD_API_URL=fake.api_url)
    env["PYTHONPATH"] = os.pathsep.join([str(hooks), env["PYTHONPATH"]])
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "mentorbot", "run", "--port", "0"),
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    lines: list[str] = []
    try:
        await fake.wait_for_session("identify", timeout=30)
        while not any("running on Discord" in x for x in lines):
            lines.append((await asyncio.wait_for(process.stderr.readline(), 30)).decode())
        await fake.close()  # Discord is gone: every reconnection is refused
        retries: list[str] = []
        while len(retries) < 3:
            line = (await asyncio.wait_for(process.stderr.readline(), 30)).decode()
            assert line, "the process ended during the outage"
            lines.append(line)
            assert "Attempting a reconnect in" in line and "Connect call failed" in line, line
            retries.append(line)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(process.stderr.read(), 30)
        await process.wait()
    assert process.returncode == 0
    everything = "".join(lines) + rest.decode()
    assert "Traceback" not in everything, everything
    waits = [float(x.split("reconnect in ")[1].split("s")[0]) for x in retries]
    # Each retry waits the middle of discord.py's range for its exponent, 2**n for the n-th
    # retry: the wait doubles, so the process backs off rather than hammering a dead gateway.
    assert waits == [1.0, 2.0, 4.0], retries
