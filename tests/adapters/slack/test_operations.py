"""What an operator watches, with a real HTTP client: the process's one server answers
``/healthz``, ``/readyz`` and ``/metrics`` beside Slack's HTTP-mode route, and the
metrics move when prompts are sent, fail and meet 429s."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace

import aiohttp
import pytest

from adapters.slack.app import SlackRuntime
from adapters.slack.pacing import SendLimits
from bot import telemetry
from bot.context import Services
from bot.mentor import Mentor
from mentorbot.server import ProcessServer
from schedules.engine import Scheduler
from storage.repo import MemberKey
from tests.adapters.slack.conftest import SECRET, config_for, features
from tests.conftest import wired_scheduler
from tests.fakes.slack import DEFAULT_TEAM_ID, FakeSlack


class Process:
    """The server and Slack's runtime wired as ``mentorbot run --slack-mode http``."""

    def __init__(self, fake: FakeSlack, services: Services, server: ProcessServer) -> None:
        self.fake, self.services, self.server = fake, services, server
        self.runtime: SlackRuntime | None = None
        self.http: aiohttp.ClientSession | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.bound_port}{path}"

    async def get(self, path: str) -> tuple[int, str]:
        assert self.http is not None
        async with self.http.get(self.url(path)) as response:
            return response.status, await response.text()

    async def metric(self, name: str, **labels: str) -> float:
        """One sample of ``/metrics``, read as Prometheus would (0 when absent)."""
        _, body = await self.get("/metrics")
        wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
        pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if wanted else "")
        found = re.search(rf"^{pattern} (\S+)$", body, re.MULTILINE)
        return float(found.group(1)) if found else 0.0

    async def member_with_prompt(self, user: str, *, late: timedelta = timedelta(0)) -> Scheduler:
        assert self.runtime is not None
        now = self.services.clock.now()
        member, _ = await self.services.store.member(
            MemberKey("slack", DEFAULT_TEAM_ID, user), now=now, defaults={}
        )
        scheduler = wired_scheduler(self.services, outlets={"slack": self.runtime.outlet})
        await scheduler.enqueue(
            member_id=member.id,
            workspace_id=member.workspace_id,
            kind="prompt:daily",
            period_key=now.date().isoformat(),
            due_at=now - late,
        )
        return scheduler


@pytest.fixture
async def process(fake: FakeSlack, services: Services) -> AsyncIterator[Process]:
    server = ProcessServer(services, host="127.0.0.1", port=0)
    process = Process(fake, services, server)
    runtime = SlackRuntime(
        config_for(fake, "http"),
        services=services,
        mentor=Mentor(services, features()),
        web_app=server.app,
        limits=SendLimits(per_workspace=200, workspace_burst=50, per_channel=50),
    )
    async with runtime, server, aiohttp.ClientSession() as http:
        process.runtime, process.http = runtime, http
        yield process


async def test_slack_http_mode_and_the_probes_share_one_port(process: Process) -> None:
    assert await process.get("/healthz") == (200, "ok\n")
    status, body = await process.fake.post_signed(
        process.url("/slack/events"),
        process.fake.slash_command("/mentor", "help", user_id="U0A"),
        SECRET,
    )
    assert status == 200
    status, body = await process.get("/metrics")
    assert status == 200 and "mentorbot_prompts_sent_total" in body


async def test_readyz_needs_the_database_and_a_recent_tick(
    process: Process, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.telemetry")
    monkeypatch.setattr(telemetry, "_warned_for", None)
    now = [1000.0]
    monkeypatch.setattr(telemetry, "_clock", lambda: now[0])
    monkeypatch.setattr(telemetry, "_finished_at", None)
    monkeypatch.setattr(telemetry, "_running", 0)
    monkeypatch.setattr(telemetry, "_progress_at", None)
    status, body = await process.get("/readyz")
    assert status == 503 and "no tick has finished yet" in body and "database: ok" in body

    telemetry.tick_started()
    assert (await process.get("/readyz"))[0] == 200  # a long fan-out is not a stall
    now[0] += 100
    telemetry.count_created(500, 0)  # a chunk written: the tick moves
    now[0] += 100
    telemetry.count_outcomes(_sent(250))  # sends recorded: it moves again
    now[0] += 100
    assert (await process.get("/readyz"))[0] == 200  # 300 s long, never 120 s still
    now[0] += 30
    telemetry.count_outcomes(_sent(0))  # an empty flush is not a step forward
    status, body = await process.get("/readyz")
    assert status == 503 and "scheduler: stalled" in body
    assert "a tick is running but has not moved for 130 s" in body
    # The stall is logged once, with where the process's tasks wait; asked again, not.
    assert (await process.get("/readyz"))[0] == 503
    [warning] = [r.getMessage() for r in caplog.records if r.name == "bot.telemetry"]
    assert "has not moved for 130 s" in warning and "tasks wait here" in warning
    assert "File " in warning
    telemetry.tick_finished(0.5)
    now[0] += 60
    status, body = await process.get("/readyz")
    assert status == 200 and "last tick 60 s ago" in body
    now[0] += 600
    status, body = await process.get("/readyz")
    assert status == 503 and "scheduler: stalled" in body

    await process.services.store.bind.dispose()
    monkeypatch.setattr(process.services.store, "session", _broken_session)
    status, body = await process.get("/readyz")
    assert status == 503 and "database: unreachable" in body
    assert (await process.get("/healthz"))[0] == 200  # alive, just not ready


def _sent(n: int) -> SimpleNamespace:
    return SimpleNamespace(sent=[object()] * n, failed=[], retry=[], missed=[])


def _broken_session() -> object:
    raise ConnectionRefusedError(111, "Connect call failed")


async def test_metrics_move_when_prompts_are_sent_rate_limited_and_fail(process: Process) -> None:
    sent = await process.metric("mentorbot_prompts_sent_total")
    limited = await process.metric("mentorbot_rate_limited_total", platform="slack")
    failed = await process.metric("mentorbot_prompts_failed_total")
    ticks = await process.metric("mentorbot_tick_duration_seconds_count")

    process.fake.inject_429("chat.postMessage", count=1, retry_after=1)
    scheduler = await process.member_with_prompt("U0A", late=timedelta(minutes=10))
    assert await process.metric("mentorbot_outbox_lag_seconds") == 600.0
    await scheduler._scheduled_tick()  # as APScheduler runs it
    assert await process.metric("mentorbot_prompts_sent_total") == sent + 1
    assert await process.metric("mentorbot_rate_limited_total", platform="slack") == limited + 1
    assert await process.metric("mentorbot_tick_duration_seconds_count") == ticks + 1
    assert await process.metric("mentorbot_outbox_lag_seconds") == 0.0

    process.fake.add_user("U0GONE", deleted=True)
    scheduler = await process.member_with_prompt("U0GONE")
    await scheduler.tick()
    assert await process.metric("mentorbot_prompts_failed_total") == failed + 1
    assert await process.metric("mentorbot_prompts_sent_total") == sent + 1
