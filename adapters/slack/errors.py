"""Slack's answers mapped to the outbox's two outcomes: try again later, or stop.

The line is "can retrying ever help?". Rate limits, 5xx, timeouts and dropped
connections pass; a deactivated user, a DM Slack refuses, a deleted channel or a bot
that is not in the digest channel do not, and neither does a revoked token — that one
stops the whole workspace (``scope="workspace"``), the others one member or one digest.
Errors that are our own bug or a setup problem (``invalid_blocks``, ``missing_scope``)
are transient on purpose: a permanent outcome would mark the *member* unreachable for a
fault that is not theirs, while retries with backoff end in ``failed`` and a log line.

Each reason is declared once, with the codes that mean it, and is the content-pack
template ``slack.unreachable.<reason>``, so ``/mentor profile`` can tell the member, in
their language, why prompts stopped (every pack has each: tests/adapters/slack/test_errors.py).
The tables stay here rather than in a data file: they are five short sets whose
comments matter, and the rule that reads them (a DM and a channel read different ones)
is the rest of this module.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Literal

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from adapters.slack.clients import retry_after_of
from bot.errors import PlatformUnreachable

#: The bot token no longer works: uninstalled, revoked, or the workspace is gone.
#: ``account_inactive`` is "token is for a deleted user or workspace" in Slack's docs.
WORKSPACE_GONE = frozenset(
    {"token_revoked", "invalid_auth", "account_inactive", "not_authed", "team_not_found"}
    | {"app_uninstalled", "team_access_not_granted", "org_login_required", "ekm_access_denied"}
)
#: Why a DM to a member can never be sent, by the codes that say so. Each reason is a
#: content key, ``slack.unreachable.<reason>``; the outcome stops that member.
TO_A_MEMBER: Mapping[str, frozenset[str]] = {
    "user": frozenset({"user_disabled", "user_not_found", "user_not_visible"}),
    "no_dm": frozenset(
        {"cannot_dm_bot", "messages_tab_disabled", "is_archived", "channel_not_found"}
        | {"restricted_action", "user_is_restricted", "cannot_find_service"}
    ),
}
#: The same for a channel (the team digest's); the outcome stops that digest. A code may
#: mean one thing here and another for a DM (``channel_not_found``, ``restricted_action``).
TO_A_CHANNEL: Mapping[str, frozenset[str]] = {
    "channel_gone": frozenset({"channel_not_found", "is_archived", "channel_is_archived"}),
    "not_in_channel": frozenset(
        {"not_in_channel", "restricted_action", "restricted_action_read_only_channel"}
        | {"restricted_action_thread_only_channel", "restricted_action_non_threadable_channel"}
    ),
}
#: Every ``slack.unreachable.*`` key the outcomes name (the content packs have each).
REASONS = ("workspace", *TO_A_MEMBER, *TO_A_CHANNEL)

Scope = Literal["member", "channel", "workspace", "transient"]


def error_code(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or "unknown_error")
    except AttributeError:
        return "unknown_error"


def reason_of(code: str, *, status: int = 200, channel_target: bool) -> tuple[Scope, str | None]:
    """Whom a failure stops, and why (None: it does not; try again)."""
    if status == 429 or status >= 500:
        return "transient", None
    if code in WORKSPACE_GONE:
        return "workspace", "workspace"
    scope: Scope = "channel" if channel_target else "member"
    reasons = TO_A_CHANNEL if channel_target else TO_A_MEMBER
    why = next((reason for reason, codes in reasons.items() if code in codes), None)
    return (scope, why) if why else ("transient", None)


def unreachable(
    exc: BaseException, *, channel: str | None = None, channel_target: bool = False
) -> PlatformUnreachable:
    """The outbox's view of a failed Slack call."""
    if isinstance(exc, SlackApiError):
        code = error_code(exc)
        status = int(getattr(exc.response, "status_code", 200) or 200)
        scope, why = reason_of(code, status=status, channel_target=channel_target)
        if why is None:
            wait = retry_after_of(dict(getattr(exc.response, "headers", None) or {}))
            return PlatformUnreachable(
                "slack.transient", permanent=False, retry_after=wait, error=code
            )
        where = {"channel": channel or "?"} if scope == "channel" else {}
        return PlatformUnreachable(
            f"slack.unreachable.{why}", permanent=True, scope=scope, error=code, **where
        )
    if isinstance(exc, NETWORK_FAILURES):
        return PlatformUnreachable("slack.transient", permanent=False, error=type(exc).__name__)
    raise TypeError(f"not a Slack failure: {exc!r}")


#: The failures that are no answer at all: always worth another try.
NETWORK_FAILURES = (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError, OSError)
#: What ``unreachable`` understands; anything else is a bug and propagates.
SLACK_FAILURES = (SlackApiError, *NETWORK_FAILURES)
