"""``mentorbot run`` with Slack settings: the real command, in its own process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.fakes.slack import FakeSlack
from tests.test_startup import base_env, closed_port, mentorbot, one_line

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.usefixtures("migrated_home")
async def test_mentorbot_run_serves_slack_in_socket_mode_until_sigterm(
    fake: FakeSlack, tmp_path: Path
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'mentorbot.db'}",
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_APP_TOKEN": fake.app_token,
        "SLACK_API_URL": fake.api_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mentorbot",
        "run",
        "--port",
        "0",  # the OS picks a free one: tests run side by side
        cwd=tmp_path,  # no stray .env
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_socket_connected(timeout=30)
        ack = await fake.push_slash_command("/mentor", "help")
        assert ack.elapsed < 3.0
        (answer,) = await fake.wait_for("response_url", timeout=30)
        assert "/mentor" in str(answer.args["blocks"])
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert b"running on Slack (Socket Mode); /healthz, /readyz and /metrics on port" in stderr
    assert b"Traceback" not in stderr


# ----------------------------------------------- a start that cannot succeed


@pytest.mark.usefixtures("migrated_home")
async def test_a_refused_bot_token_is_one_line_and_exit_2(fake: FakeSlack, tmp_path: Path) -> None:
    env = base_env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-not-the-token",
        SLACK_APP_TOKEN=fake.app_token,
        SLACK_API_URL=fake.api_url,
    )
    code, _, err = await mentorbot(tmp_path, "run", "--port", "0", env=env)
    assert code == 2
    assert one_line(err).endswith("SLACK_BOT_TOKEN was refused by Slack (invalid_auth)")


@pytest.mark.usefixtures("migrated_home")
async def test_a_refused_app_token_is_one_line_not_endless_retries(
    fake: FakeSlack, tmp_path: Path
) -> None:
    env = base_env(
        tmp_path,
        SLACK_BOT_TOKEN=fake.bot_token,
        SLACK_APP_TOKEN="xapp-not-the-token",
        SLACK_API_URL=fake.api_url,
    )
    code, _, err = await mentorbot(tmp_path, "run", "--port", "0", env=env)
    assert code == 2
    assert one_line(err).endswith("SLACK_APP_TOKEN was refused by Slack (invalid_auth)")
    assert fake.socket_connections == 0


@pytest.mark.usefixtures("migrated_home")
async def test_unreachable_slack_is_one_line_saying_where(tmp_path: Path) -> None:
    api = f"http://127.0.0.1:{closed_port()}/api/"
    env = base_env(tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1", SLACK_API_URL=api)
    code, _, err = await mentorbot(tmp_path, "run", "--port", "0", env=env)
    assert code == 1
    line = one_line(err)
    assert "Slack is unreachable at " + api in line and "gave up after 1 attempt" in line


async def test_the_procfile_web_process_requires_slack(tmp_path: Path) -> None:
    env = base_env(tmp_path, DISCORD_TOKEN="token")
    command = procfile()["web"].replace("$PORT", "0").split()
    assert command[:2] == ["mentorbot", "run"]
    code, _, err = await mentorbot(tmp_path, *command[1:], env=env)
    assert code == 2 and "--platforms slack: slack is not configured" in one_line(err)


def procfile() -> dict[str, str]:
    lines = (REPO / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


@pytest.mark.usefixtures("migrated_home")
async def test_an_outage_while_running_is_one_line_per_retry_without_tracebacks(
    tmp_path: Path,
) -> None:
    fake = FakeSlack()
    await fake.start()
    env = base_env(
        tmp_path,
        SLACK_BOT_TOKEN=fake.bot_token,
        SLACK_APP_TOKEN=fake.app_token,
        SLACK_API_URL=fake.api_url,
        SLACK_SOCKET_PING_INTERVAL="1",  # a retry a second instead of bolt's ten
    )
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
        await fake.wait_socket_connected(timeout=30)
        await fake.close()  # Slack is gone: every reconnection is refused
        retries = 0
        while retries < 2:  # Socket Mode tries again every ping interval
            line = (await asyncio.wait_for(process.stderr.readline(), 40)).decode()
            assert line, "the process ended during the outage"
            lines.append(line)
            retries += "or reconnect to the server" in line
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(process.stderr.read(), 30)
        await process.wait()
    lines += rest.decode().splitlines()
    assert process.returncode == 0
    assert not any("Traceback" in line for line in lines), "".join(lines)
    after = lines[next(i for i, x in enumerate(lines) if "running on Slack" in x) + 1 :]
    during = [x for x in after if "abandoned" not in x and "CLOSE event" not in x]
    assert all("Cannot connect to host" in x for x in during), "".join(during)
