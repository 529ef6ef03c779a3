"""Proves FakeSlack against the real slack_sdk / slack_bolt clients, unmodified except for
their base URL — if these pass, adapter tests written against the fake exercise the same
code paths production uses against slack.com."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes import ARRIVAL_TIMEOUT_S
from tests.fakes.slack import (
    FakeSlack,
    app_home_opened_event,
    app_uninstalled_event,
    message_im_event,
    sign_request,
    url_verification_payload,
)

SECRET = "fake-signing-secret"
USER = "U0MENTEE1"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


def web_client(slack: FakeSlack, token: str | None = None, **kw) -> AsyncWebClient:
    return AsyncWebClient(token=token or slack.bot_token, base_url=slack.api_url, **kw)


def bolt_app(slack: FakeSlack) -> AsyncApp:
    # The one change production code needs: hand bolt a client built on the fake's URL.
    return AsyncApp(client=web_client(slack), signing_secret=SECRET)


# ----------------------------------------------------------------------------- Web API


async def test_web_client_calls_are_answered_and_recorded(slack: FakeSlack) -> None:
    client = web_client(slack)
    auth = await client.auth_test()
    assert auth["user_id"] == slack.bot_user_id and auth["team_id"] == slack.team_id
    assert "chat:write" in auth.headers["x-oauth-scopes"]

    opened = await client.conversations_open(users=USER)
    again = await client.conversations_open(users=USER)
    dm = opened["channel"]["id"]
    assert dm == again["channel"]["id"] == slack.dm_channel_id(USER)

    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    parent = await client.chat_postMessage(channel=dm, text="hi", blocks=blocks)
    reply = await client.chat_postMessage(channel=dm, text="more", thread_ts=parent["ts"])
    assert reply["channel"] == dm and float(reply["ts"]) > float(parent["ts"])
    assert reply["message"]["thread_ts"] == parent["ts"]

    posts = slack.calls_to("chat.postMessage")
    assert [c.args["text"] for c in posts] == ["hi", "more"]
    assert posts[0].args["blocks"] == blocks and posts[0].token == slack.bot_token
    assert [c.method for c in slack.calls] == ["auth.test"] + ["conversations.open"] * 2 + [
        "chat.postMessage"
    ] * 2
    assert [m["text"] for m in slack.messages_in(dm)] == ["hi", "more"]

    updated = await client.chat_update(channel=dm, ts=parent["ts"], text="edited")
    assert updated["text"] == "edited" and slack.messages_in(dm)[0]["text"] == "edited"
    eph = await client.chat_postEphemeral(channel="C0GENERAL", user=USER, text="psst")
    assert eph["message_ts"]


async def test_users_info_reflects_configured_users(slack: FakeSlack) -> None:
    slack.add_user("U0ADMIN", is_admin=True)
    slack.add_user("U0OWNER", is_owner=True)
    client = web_client(slack)
    admin = (await client.users_info(user="U0ADMIN"))["user"]
    owner = (await client.users_info(user="U0OWNER"))["user"]
    plain = (await client.users_info(user=USER))["user"]
    assert admin["is_admin"] and not admin["is_owner"]
    assert owner["is_owner"] and owner["is_admin"]
    assert not plain["is_admin"] and not plain["deleted"]
    assert slack.calls_to("users.info")[0].args == {"user": "U0ADMIN"}  # sent as GET query


async def test_bad_tokens_are_rejected_like_slack(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as wrong:
        await web_client(slack, token="xoxb-not-a-real-token").auth_test()
    assert wrong.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as app_token:
        await web_client(slack, token=slack.app_token).chat_postMessage(channel="C1", text="x")
    assert app_token.value.response["error"] == "not_allowed_token_type"
    slack.revoke_token(slack.bot_token)
    with pytest.raises(SlackApiError) as revoked:
        await web_client(slack).auth_test()
    assert revoked.value.response["error"] == "token_revoked"


async def test_injected_error_surfaces_as_slack_api_error(slack: FakeSlack) -> None:
    client = web_client(slack)
    slack.fail_next("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C0GONE", text="hello")
    assert err.value.response["error"] == "channel_not_found"
    assert err.value.response.status_code == 200  # Slack reports API errors with HTTP 200
    assert (await client.chat_postMessage(channel="C0GONE", text="hello"))["ok"]
    assert [c.ok for c in slack.calls_to("chat.postMessage")] == [False, True]


async def test_429_is_retried_by_rate_limit_retry_handler(slack: FakeSlack) -> None:
    client = web_client(slack, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
    slack.inject_429("chat.postMessage", count=1, retry_after=1)
    response = await client.chat_postMessage(channel="C0GENERAL", text="eventually")
    assert response["ok"]
    first, second = slack.calls_to("chat.postMessage")
    assert (first.status, second.status) == (429, 200)
    assert second.time - first.time >= 1.0  # slack_sdk honoured Retry-After


async def test_429_without_retry_handler_raises(slack: FakeSlack) -> None:
    slack.inject_429("chat.postMessage", count=1, retry_after=7)
    with pytest.raises(SlackApiError) as err:
        await web_client(slack).chat_postMessage(channel="C0GENERAL", text="now")
    assert err.value.response.status_code == 429
    assert err.value.response["error"] == "ratelimited"
    assert err.value.response.headers["Retry-After"] == "7"
    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_per_channel_rate_limit(slack: FakeSlack) -> None:
    slack.rate_limit("chat.postMessage", per_second=1, per_channel=True)
    client = web_client(slack)
    await client.chat_postMessage(channel="C0AAA", text="1")
    await client.chat_postMessage(channel="C0BBB", text="other channel is fine")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C0AAA", text="2")
    assert err.value.response.status_code == 429
    assert int(err.value.response.headers["Retry-After"]) >= 1


async def test_deactivated_and_bot_users_cannot_be_messaged(slack: FakeSlack) -> None:
    slack.add_user("U0GONE", deleted=True)
    slack.add_user("U0OTHERBOT", is_bot=True)
    client = web_client(slack)
    for users, error in [("U0GONE", "user_disabled"), ("U0OTHERBOT", "cannot_dm_bot")]:
        with pytest.raises(SlackApiError) as err:
            await client.conversations_open(users=users)
        assert err.value.response["error"] == error
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel=slack.dm_channel_id("U0GONE"), text="hi")
    assert err.value.response["error"] == "is_archived"
    assert (await client.users_info(user="U0GONE"))["user"]["deleted"] is True


async def test_views_trigger_ids_work_once_and_expire() -> None:
    async with FakeSlack(trigger_ttl=0.2) as slack:
        client = web_client(slack)
        view = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": []}
        trigger = slack.new_trigger_id()
        opened = (await client.views_open(trigger_id=trigger, view=view))["view"]
        assert opened["id"] in slack.views and opened["root_view_id"] == opened["id"]
        with pytest.raises(SlackApiError) as conflict:
            await client.views_update(view_id=opened["id"], hash="stale", view=view)
        assert conflict.value.response["error"] == "hash_conflict"
        updated = await client.views_update(view_id=opened["id"], hash=opened["hash"], view=view)
        assert updated["view"]["id"] == opened["id"]
        pushed = await client.views_push(trigger_id=slack.new_trigger_id(), view=view)
        assert pushed["view"]["id"] != opened["id"]
        stale = slack.new_trigger_id()
        await asyncio.sleep(0.3)
        for trigger_id, error in [
            (trigger, "exchanged_trigger_id"),
            (stale, "expired_trigger_id"),
            ("123.456.abc", "invalid_trigger_id"),
        ]:
            with pytest.raises(SlackApiError) as err:
                await client.views_open(trigger_id=trigger_id, view=view)
            assert err.value.response["error"] == error


# ------------------------------------------------------------------------- Socket Mode


async def test_socket_mode_slash_command_is_acked(slack: FakeSlack) -> None:
    app = bolt_app(slack)
    seen: dict[str, str] = {}

    @app.command("/mentor")
    async def mentor(ack, respond, command) -> None:
        seen.update(command)
        await ack("On it")
        await respond(f"level set to {command['text'].split()[-1]}")

    handler = AsyncSocketModeHandler(app, app_token=slack.app_token)
    await handler.connect_async()
    try:
        ack = await slack.push_slash_command(command="/mentor", text="level mid", user_id=USER)
        assert ack.elapsed < 3.0
        assert ack.payload == {"text": "On it"}
        assert ack.envelope_id == ack.envelope["envelope_id"]
        assert seen["user_id"] == USER and seen["channel_id"] == slack.dm_channel_id(USER)
        (response,) = await slack.wait_for("response_url")
        assert response.args["text"] == "level set to mid"
        assert slack.socket_messages[-1] == ack.raw
    finally:
        await handler.close_async()
    assert slack.calls_to("apps.connections.open")[0].token == slack.app_token
    assert len(slack.calls_to("auth.test")) == 1  # bolt authorizes via auth.test


async def test_socket_mode_block_action_modal_and_submission(slack: FakeSlack) -> None:
    app = bolt_app(slack)

    @app.action("pick_goal")
    async def pick(ack, body, client) -> None:
        await ack()
        await client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "goal_modal",
                "private_metadata": body["actions"][0]["value"],
                "title": {"type": "plain_text", "text": "Goal"},
                "blocks": [],
            },
        )

    @app.view("goal_modal")
    async def submit(ack, view) -> None:
        goal = view["state"]["values"]["goal"]["text"]["value"]
        await ack(response_action="errors", errors={"goal": f"too vague: {goal}"})

    handler = AsyncSocketModeHandler(app, app_token=slack.app_token)
    await handler.connect_async()
    try:
        clicked = await slack.push_block_action("pick_goal", "career", user_id=USER)
        assert clicked.payload is None  # block_actions acks carry no payload
        (opened,) = await slack.wait_for("views.open", ok=True)
        view_id = opened.response["view"]["id"]
        assert slack.views[view_id]["private_metadata"] == "career"

        submitted = await slack.push_view_submission(
            values={"goal": {"text": "get better"}}, view_id=view_id, user_id=USER
        )
        assert submitted.envelope["accepts_response_payload"] is True
        assert submitted.payload == {
            "response_action": "errors",
            "errors": {"goal": "too vague: get better"},
        }
    finally:
        await handler.close_async()


async def test_socket_mode_events(slack: FakeSlack) -> None:
    app = bolt_app(slack)

    @app.event("message")
    async def on_dm(event, say) -> None:
        await say(f"you said {event['text']}")

    @app.event("app_home_opened")
    async def on_home(event, client) -> None:
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    handler = AsyncSocketModeHandler(app, app_token=slack.app_token)
    await handler.connect_async()
    try:
        ack = await slack.push_event(message_im_event(USER, "hello"))
        assert ack.payload is None and ack.envelope["type"] == "events_api"
        (post,) = await slack.wait_for("chat.postMessage")
        assert post.args["channel"] == slack.dm_channel_id(USER)
        assert post.args["text"] == "you said hello"

        await slack.push_event(app_home_opened_event(USER))
        await slack.wait_for("views.publish", ok=True)
        assert slack.home_views[USER]["type"] == "home"
    finally:
        await handler.close_async()


async def test_socket_mode_after_uninstall(slack: FakeSlack) -> None:
    app = bolt_app(slack)
    uninstalled = asyncio.Event()

    @app.event("app_uninstalled")
    async def on_uninstall() -> None:
        uninstalled.set()

    @app.command("/mentor")
    async def mentor(ack) -> None:
        await ack("never reached")

    handler = AsyncSocketModeHandler(app, app_token=slack.app_token)
    await handler.connect_async()
    try:
        slack.revoke_token(slack.bot_token)
        await slack.push_event(app_uninstalled_event())
        await asyncio.wait_for(uninstalled.wait(), ARRIVAL_TIMEOUT_S)
        assert slack.calls_to("auth.test") == []  # bolt skips auth for these events

        # Any other request: auth.test fails and bolt acks with its "reinstall" text.
        ack = await slack.push_slash_command("/mentor", user_id=USER)
        assert "reinstall" in ack.payload["text"]
        assert slack.calls_to("auth.test")[0].response["error"] == "token_revoked"
    finally:
        await handler.close_async()


async def test_raw_socket_mode_client_hello_and_reconnect(slack: FakeSlack) -> None:
    hellos: asyncio.Queue[dict] = asyncio.Queue()

    async def listener(client, message: dict, raw: str | None) -> None:
        if message.get("type") == "hello":
            hellos.put_nowait(message)

    client = SocketModeClient(app_token=slack.app_token, web_client=web_client(slack))
    client.message_listeners.append(listener)
    await client.connect()
    try:
        hello = await asyncio.wait_for(hellos.get(), ARRIVAL_TIMEOUT_S)
        assert hello["connection_info"]["app_id"] == slack.app_id
        assert hello["num_connections"] == 1

        await slack.send_disconnect("refresh_requested")  # client must fetch a new URL
        await slack.wait_socket_connected(total=2)
        await asyncio.wait_for(hellos.get(), ARRIVAL_TIMEOUT_S)
        assert len(slack.calls_to("apps.connections.open")) == 2
    finally:
        await client.close()


# --------------------------------------------------------------------------- HTTP mode


class FrozenClock(Clock):
    def now(self) -> float:
        return 1_700_000_010.0


def test_sign_request_matches_slack_sdk_verifier() -> None:
    body = b"command=%2Fmentor&text=hi"
    headers = sign_request(body, SECRET, timestamp=1_700_000_000)
    verifier = SignatureVerifier(SECRET, clock=FrozenClock())
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert not verifier.is_valid(
        body + b"x", headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


async def test_http_mode_signed_requests(slack: FakeSlack) -> None:
    app = bolt_app(slack)

    @app.command("/mentor")
    async def mentor(ack, respond) -> None:
        await ack()
        await respond("done")

    @app.event("message")
    async def on_dm(event, say) -> None:
        await say("got it")

    @app.action("pick_goal")
    async def pick(ack) -> None:
        await ack()

    async with TestServer(app.web_app(), host="127.0.0.1") as server:  # port 0
        url = str(server.make_url("/slack/events"))
        command = slack.slash_command("/mentor", "level mid", user_id=USER)

        status, _ = await slack.post_signed(url, command, SECRET)
        assert status == 200
        (response,) = await slack.wait_for("response_url")
        assert response.args["text"] == "done"

        status, _ = await slack.post_signed(
            url, slack.event_callback(message_im_event(USER, "hi")), SECRET
        )
        assert status == 200
        await slack.wait_for("chat.postMessage")

        click = slack.block_action("pick_goal", "career", user_id=USER)  # sent as payload=
        assert (await slack.post_signed(url, click, SECRET))[0] == 200
        status, body = await slack.post_signed(url, url_verification_payload("abc"), SECRET)
        assert (status, json.loads(body)) == (200, {"challenge": "abc"})

        bad_signature = await slack.post_signed(url, command, SECRET, signature="v0=deadbeef")
        old = await slack.post_signed(url, command, SECRET, timestamp=int(time.time()) - 6 * 60)
        wrong_secret = await slack.post_signed(url, command, "not-the-secret")
        for status, body in (bad_signature, old, wrong_secret):
            assert status == 401
            assert json.loads(body) == {"error": "invalid request"}
    assert len(slack.responses()) == 1  # rejected requests never reached the listener
