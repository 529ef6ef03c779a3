"""Mentorbot's real Slack runtime against FakeSlack, in Socket Mode or HTTP mode.

``slack_bot`` starts ``SlackRuntime`` exactly as ``mentorbot run`` does, its clients
pointed at the fake through ``SLACK_API_URL``; the same test body then drives it over
the websocket (Socket Mode) or with signed POSTs (HTTP mode). ``SlackBot.send`` hides
which: it returns the acknowledgement and how long it took.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.slack.app import SlackConfig, SlackRuntime
from adapters.slack.pacing import SendLimits
from bot.context import Services
from bot.mentor import Mentor, default_features
from bot.router import Router
from mentorbot.server import ProcessServer
from tests.fakes import ARRIVAL_TIMEOUT_S
from tests.fakes.slack import FakeSlack, encode_for_http

SECRET = "test-signing-secret"
USER = "U0MENTEE1"


def features() -> list[Router]:
    """The default features (App Home's quick buttons and the goals form included)."""
    return default_features()


@dataclass
class Ack:
    """What Slack got back: the Socket Mode ack payload, or the HTTP response."""

    elapsed: float
    payload: dict[str, Any] | None
    status: int = 200


@dataclass
class SlackBot:
    fake: FakeSlack
    runtime: SlackRuntime
    services: Services
    mode: str

    server: ProcessServer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.bound_port}/slack/events"

    async def send(self, payload: Mapping[str, Any], envelope: str) -> Ack:
        if self.mode == "socket":
            ack = await self.fake.push_envelope(envelope, payload)
            return Ack(ack.elapsed, ack.payload)
        started = time.monotonic()
        status, body = await self.fake.post_signed(self.url, dict(payload), SECRET)
        elapsed = time.monotonic() - started
        import json

        parsed = json.loads(body) if body.startswith("{") else None
        return Ack(elapsed, parsed, status)

    async def command(self, text: str, *, user: str = USER, **kw: Any) -> Ack:
        return await self.send(
            self.fake.slash_command("/mentor", text, user_id=user, **kw), "slash_commands"
        )

    async def click(self, action_id: str, value: str | None, *, user: str = USER, **kw: Any) -> Ack:
        return await self.send(
            self.fake.block_action(action_id, value, user_id=user, **kw), "interactive"
        )

    async def submit(self, view_id: str, values: Mapping[str, Any], *, user: str = USER) -> Ack:
        payload = self.fake.view_submission(values=values, view_id=view_id, user_id=user)
        return await self.send(payload, "interactive")

    async def event(self, event: Mapping[str, Any]) -> Ack:
        return await self.send(self.fake.event_callback(event), "events_api")

    async def idle(self) -> None:
        """Every answer that began has been sent."""
        assert self.runtime.adapter is not None
        await self.runtime.adapter.in_flight.wait_idle(ARRIVAL_TIMEOUT_S)


def raw_body(payload: Mapping[str, Any]) -> bytes:
    return encode_for_http(payload)[0]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as slack:
        yield slack


@pytest.fixture(params=["socket", "http"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


def config_for(fake: FakeSlack, mode: str, **kw: Any) -> SlackConfig:
    values: dict[str, Any] = {
        "mode": mode,
        "api_url": fake.api_url,
        "bot_token": fake.bot_token,
        "app_token": fake.app_token,
        "signing_secret": SECRET,
    }
    values.update(kw)
    return SlackConfig(**values)


@pytest.fixture
async def slack_bot(fake: FakeSlack, services: Services, mode: str) -> AsyncIterator[SlackBot]:
    mentor = Mentor(services, features())
    server = ProcessServer(services, host="127.0.0.1", port=0)
    runtime = SlackRuntime(
        config_for(fake, mode),
        services=services,
        mentor=mentor,
        limits=SendLimits(per_workspace=200, workspace_burst=50, per_channel=50),
        web_app=server.app,
    )
    async with runtime, server:
        if mode == "socket":
            await fake.wait_socket_connected()
        yield SlackBot(fake, runtime, services, mode, server)
