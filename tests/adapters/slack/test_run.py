"""``mentorbot run`` with Slack settings: the real command, in its own process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.fakes.slack import FakeSlack

REPO = Path(__file__).resolve().parents[3]


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
        cwd=tmp_path,  # no stray .env
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_socket_connected(timeout=30)
        ack = await fake.push_slash_command("/mentor", "help")
        assert ack.elapsed < 3.0
        (answer,) = await fake.wait_for("response_url", timeout=10)
        assert "/mentor" in str(answer.args["blocks"])
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert b"socket mode" in stderr
