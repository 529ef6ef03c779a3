"""Slack's error codes as the outbox's outcomes (``adapters/slack/errors.py``): whom a
permanent failure stops, and which ``slack.unreachable.*`` text tells the member why."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from adapters.slack import errors
from adapters.slack.errors import unreachable
from bot.content import LANGUAGES, load_library


def refused(code: str, *, status: int = 200, retry_after: str | None = None) -> SlackApiError:
    headers = {"retry-after": [retry_after]} if retry_after else {}
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.test/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": code},
        headers=headers,
        status_code=status,
    )
    return SlackApiError(code, response)


@pytest.mark.parametrize(
    ("code", "to_a_channel", "key", "scope"),
    [
        ("token_revoked", False, "slack.unreachable.workspace", "workspace"),
        ("token_revoked", True, "slack.unreachable.workspace", "workspace"),
        ("user_disabled", False, "slack.unreachable.user", "member"),
        ("cannot_dm_bot", False, "slack.unreachable.no_dm", "member"),
        # The same code means another thing for a DM and for the digest's channel.
        ("channel_not_found", False, "slack.unreachable.no_dm", "member"),
        ("channel_not_found", True, "slack.unreachable.channel_gone", "channel"),
        ("restricted_action", False, "slack.unreachable.no_dm", "member"),
        ("restricted_action", True, "slack.unreachable.not_in_channel", "channel"),
        ("not_in_channel", True, "slack.unreachable.not_in_channel", "channel"),
    ],
)
def test_a_code_that_retrying_cannot_help_is_permanent(
    code: str, to_a_channel: bool, key: str, scope: str
) -> None:
    outcome = unreachable(refused(code), channel="C1", channel_target=to_a_channel)
    assert (outcome.key, outcome.permanent, outcome.values.get("scope")) == (key, True, scope)
    assert outcome.values["error"] == code


@pytest.mark.parametrize(
    ("code", "to_a_channel", "status"),
    [
        ("not_in_channel", False, 200),  # a channel's problem, not a DM's
        ("user_disabled", True, 200),  # a member's problem, not a channel's
        ("invalid_blocks", False, 200),  # our bug: never the member's fault
        ("missing_scope", True, 200),  # our setup
        ("token_revoked", False, 429),  # a rate limit or a 5xx passes, whatever it says
        ("user_disabled", False, 503),
    ],
)
def test_anything_else_is_tried_again(code: str, to_a_channel: bool, status: int) -> None:
    outcome = unreachable(refused(code, status=status), channel_target=to_a_channel)
    assert (outcome.key, outcome.permanent) == ("slack.transient", False)


def test_a_rate_limit_carries_slacks_retry_after() -> None:
    outcome = unreachable(refused("ratelimited", status=429, retry_after="30"))
    assert outcome.retry_after == 30.0


def test_every_reason_has_its_text_in_every_language() -> None:
    keys = {"slack.transient"} | {f"slack.unreachable.{why}" for why in errors.REASONS}
    for lang in LANGUAGES:
        ui = load_library().pack(lang).ui
        assert sorted(k for k in keys if k not in ui) == [], lang
