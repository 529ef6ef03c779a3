"""HTTP mode against requests Slack never sends: 401 when the signature or timestamp
cannot be checked, 400 when the body cannot be parsed or is not the shape Slack sends,
never a 500, never a traceback in the log, nothing stored; and response URLs outside
Slack are never called."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from adapters.slack.adapter import response_url_allowed
from adapters.slack.gate import shape_problem
from storage.models import Member
from tests.adapters.slack.conftest import SECRET, USER, SlackBot
from tests.fakes.slack_payloads import (
    block_action_payload,
    event_callback_payload,
    sign_request,
    slash_command_payload,
    view_submission_payload,
)

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@pytest.fixture(params=["http"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """These are about the front door, not storage."""
    return request.param


async def members(bot: SlackBot) -> int:
    async with bot.services.store.session() as s:
        return int(await s.scalar(select(func.count()).select_from(Member)) or 0)


async def post(
    url: str,
    raw: bytes,
    content_type: str = FORM,
    *,
    headers: Mapping[str, str] | None = None,
    timestamp: int | None = None,
) -> int:
    sent = {**sign_request(raw, SECRET, timestamp), "Content-Type": content_type}
    sent.update(headers or {})
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=raw, headers=sent) as response,
    ):
        await response.read()
        return response.status


def form(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def malformed(bot: SlackBot) -> dict[str, tuple[bytes, str]]:
    """Signed bodies that cannot be parsed, or are not what Slack sends."""
    click = bot.fake.block_action("mentor|level:show|1", "mid", user_id=USER)
    submit = bot.fake.view_submission(values={}, view_id="V1", user_id=USER)
    event = bot.fake.event_callback({"type": "app_home_opened", "user": USER, "tab": "home"})
    return {
        "payload=%7B": (b"payload=%7B", FORM),
        "payload=[]": (b"payload=[]", FORM),
        "payload=1": (b"payload=1", FORM),
        "payload=null": (b"payload=null", FORM),
        "payload is a string": (form("block_actions"), FORM),
        "view is a string": (form({**submit, "view": "x"}), FORM),
        "view without callback_id": (form({**submit, "view": {"state": {}}}), FORM),
        "view state values a list": (
            form({**submit, "view": {"callback_id": "mentor:x", "state": {"values": []}}}),
            FORM,
        ),
        "actions: [null]": (form({**click, "actions": [None]}), FORM),
        "actions: []": (form({**click, "actions": []}), FORM),
        "actions a string": (form({**click, "actions": "x"}), FORM),
        "action_id a number": (form({**click, "actions": [{"action_id": 5}]}), FORM),
        "user a string in a click": (form({**click, "user": "U1"}), FORM),
        "team a number": (form({**click, "team": 7}), FORM),
        "JSON null": (b"null", JSON),
        "JSON []": (b"[]", JSON),
        "JSON {": (b"{", JSON),
        "JSON {}": (b"{}", JSON),
        "10,000 nested brackets": (b"[" * 10_000 + b"]" * 10_000, JSON),
        "10,000 nested objects": (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, JSON),
        "a 1 MB form body sent as JSON": (b"a=" + b"b" * 1_000_000, JSON),
        "a UTF-16 body": (json.dumps(event).encode("utf-16"), JSON),
        "invalid UTF-8": (b"command=%2Fmentor&text=\xff\xfe", FORM),
        "a 5,000-digit number": (b'{"type": "event_callback", "n": ' + b"9" * 5000 + b"}", JSON),
        "event a string": (json.dumps({**event, "event": "x"}).encode(), JSON),
        "event without a type": (json.dumps({**event, "event": {"user": USER}}).encode(), JSON),
        "event a list": (json.dumps({**event, "event": []}).encode(), JSON),
        "authorizations of strings": (
            json.dumps({**event, "authorizations": ["x"]}).encode(),
            JSON,
        ),
        "url_verification without a challenge": (b'{"type": "url_verification"}', JSON),
        "an empty body": (b"", FORM),
        "a slash command without its user": (urlencode({"command": "/mentor"}).encode(), FORM),
    }


async def test_malformed_signed_bodies_get_400_and_touch_nothing(
    slack_bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    before = len(slack_bot.fake.calls)
    with caplog.at_level(logging.WARNING):
        statuses = {
            name: await post(slack_bot.url, raw, content_type)
            for name, (raw, content_type) in malformed(slack_bot).items()
        }
        await slack_bot.idle()
    assert statuses == dict.fromkeys(statuses, 400)
    assert len(statuses) >= 23
    assert slack_bot.fake.calls[before:] == []
    assert await members(slack_bot) == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_timestamps_and_signatures_that_cannot_be_checked_get_401(
    slack_bot: SlackBot,
) -> None:
    raw = urlencode(slack_bot.fake.slash_command("/mentor", "level mid", user_id=USER)).encode()
    now = int(time.time())
    bad_headers = [
        {"X-Slack-Request-Timestamp": "abc"},
        {"X-Slack-Request-Timestamp": ""},
        {"X-Slack-Request-Timestamp": "1e9"},
        {"X-Slack-Request-Timestamp": "９９９"},
        {"X-Slack-Request-Timestamp": "-1"},
        {"X-Slack-Request-Timestamp": "9" * 5000},
        {"X-Slack-Request-Timestamp": f"{now}.5"},
        {"X-Slack-Signature": ""},
        {"X-Slack-Signature": "v0=zz"},
        {"X-Slack-Signature": "v0=" + "é" * 64},
        {"X-Slack-Signature": "v1=" + "0" * 64},
    ]
    statuses = [await post(slack_bot.url, raw, headers=h) for h in bad_headers]
    statuses.append(await post(slack_bot.url, raw, timestamp=now - 301))
    await slack_bot.idle()
    assert statuses == [401] * len(statuses)
    assert await members(slack_bot) == 0
    assert await post(slack_bot.url, raw) == 200  # the same body, signed right
    await slack_bot.idle()
    assert await members(slack_bot) == 1


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/1/abc", True),
        ("https://hooks.slack-gov.com/actions/T1/1/abc", True),
        ("http://hooks.slack.com/commands/T1/1/abc", False),
        ("https://hooks.slack.com.evil.example/x", False),
        ("https://hooks.slack.com@evil.example/x", False),
        ("https://evil.example/hooks.slack.com", False),
        ("https://hooks.slack.com:8443/x", False),
        ("file:///etc/passwd", False),
        ("http://127.0.0.1:9/x", False),
        ("http://[::1]/x", False),
        ("https://[::1", False),
        ("", False),
        (None, False),
        (["https://hooks.slack.com/x"], False),
    ],
)
def test_response_urls_are_slacks_own(url: Any, allowed: bool) -> None:
    assert response_url_allowed(url, "https://slack.com/api/") is allowed


def test_a_fake_slack_s_host_is_allowed_only_when_it_is_the_api_url() -> None:
    api = "http://127.0.0.1:4321/api/"
    assert response_url_allowed("http://127.0.0.1:4321/response/ab", api)
    assert not response_url_allowed("http://127.0.0.1:4322/response/ab", api)
    assert not response_url_allowed("http://localhost:4321/response/ab", api)


async def test_a_response_url_outside_slack_is_never_called(slack_bot: SlackBot) -> None:
    fake = slack_bot.fake
    for url in ("file:///etc/passwd", "http://127.0.0.1:1/steal", "https://evil.example/x"):
        command = fake.slash_command("/mentor", "level mid", user_id=USER, response_url=url)
        ack = await slack_bot.send(command, "slash_commands")
        assert ack.status == 200
    await slack_bot.idle()
    assert fake.responses() == []  # nothing went to a response URL...
    dms = fake.calls_to("chat.postMessage", ok=True)
    assert sum("Mid-level" in json.dumps(c.args) for c in dms) == 3  # ...the DM got it


# -- properties --------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
KEYS = (
    "type team user channel actions view event container command text team_id user_id "
    "response_url trigger_id authorizations message callback_id challenge state values "
    "action_id value selected_option private_metadata enterprise is_ext_shared_channel tab "
    "channel_type"
).split()


def mutate(payload: Any, path: list[int], value: Any) -> Any:
    """``payload`` with the node chosen by ``path`` replaced by ``value``."""
    if not path or not isinstance(payload, dict | list) or not payload:
        return value
    if isinstance(payload, dict):
        keys = sorted(payload)
        key = keys[path[0] % len(keys)]
        return {**payload, key: mutate(payload[key], path[1:], value)}
    index = path[0] % len(payload)
    return [*payload[:index], mutate(payload[index], path[1:], value), *payload[index + 1 :]]


ELSEWHERE = "https://example.invalid/response"
#: What each kind of request looks like before it is mutated; built from the payload
#: builders alone, so the shape a draw sees never depends on the fake's state.
TEMPLATES = {
    "click": lambda: block_action_payload(
        "mentor|level:show|1",
        "mid",
        user_id=USER,
        channel_id="D1",
        message={"ts": "1.0"},
        response_url=ELSEWHERE,
    ),
    "submit": lambda: view_submission_payload(
        "mentor:checkin:details",
        {"minutes": {"input": {"type": "plain_text_input", "value": "5"}}},
        user_id=USER,
    ),
    "event": lambda: event_callback_payload(
        {"type": "message", "channel_type": "im", "user": USER, "text": "hi", "channel": "D1"}
    ),
}


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    kind = draw(st.sampled_from(["command", "click", "submit", "event", "raw", "json"]))
    if kind == "raw":
        return draw(st.binary(max_size=300)), draw(st.sampled_from([FORM, JSON, "text/plain"]))
    if kind == "json":
        value = draw(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=5))
        if draw(st.booleans()):
            return form(value), FORM
        return json.dumps(value).encode(), JSON
    if kind == "command":
        text = draw(st.text(max_size=60))
        # A response URL outside Slack: ignored, so the answer goes to the fake's DM.
        command = slash_command_payload("/mentor", text, user_id=USER, response_url=ELSEWHERE)
        return urlencode(command).encode(), FORM
    path = draw(st.lists(st.integers(0, 50), max_size=4))
    payload = mutate(TEMPLATES[kind](), path, draw(json_values | st.sampled_from(KEYS)))
    if kind == "event":
        return json.dumps(payload).encode(), JSON
    return form(payload), FORM


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies())
async def test_any_signed_body_gets_a_4xx_or_an_answer_never_a_5xx(
    slack_bot: SlackBot, caplog: pytest.LogCaptureFixture, body: tuple[bytes, str]
) -> None:
    raw, content_type = body
    caplog.clear()
    before = await members(slack_bot)
    with caplog.at_level(logging.ERROR):
        status = await post(slack_bot.url, raw, content_type)
        await slack_bot.idle()
    assert status in (200, 400, 404), status
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    if status == 400:
        assert await members(slack_bot) == before


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    timestamp=st.text(max_size=20) | st.integers().map(str),
    signature=st.text(max_size=80)
    | st.text("0123456789abcdef", min_size=64, max_size=64).map(lambda h: "v0=" + h),
)
async def test_any_unsigned_headers_get_401(
    slack_bot: SlackBot, timestamp: str, signature: str
) -> None:
    raw = urlencode(slack_bot.fake.slash_command("/mentor", "level mid", user_id=USER)).encode()
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
    try:
        status = await post(slack_bot.url, raw, headers=headers)
    except ValueError:  # aiohttp itself refuses to send a header with a line break
        return
    assert status == 401
    assert await members(slack_bot) == 0


def test_shapes_slack_sends_pass() -> None:
    assert shape_problem({"type": "url_verification", "challenge": "x", "token": "t"}) is None
    assert shape_problem({"command": "/mentor", "team_id": "T", "user_id": "U"}) is None
    assert shape_problem({"type": "block_actions", "user": {"id": "U"}}) is not None
