"""Slack's answers mapped to the outbox's two outcomes: try again later, or stop.

The line is "can retrying ever help?". Rate limits, 5xx, timeouts and dropped
connections pass; a deactivated user, a DM Slack refuses, a deleted channel or a bot
that is not in the digest channel do not, and neither does a revoked token — that one
stops the whole workspace (``scope="workspace"``), the others one member or one digest.
Errors that are our own bug or a setup problem (``invalid_blocks``, ``missing_scope``)
are transient on purpose: a permanent outcome would mark the *member* unreachable for a
fault that is not theirs, while retries with backoff end in ``failed`` and a log line.

Every key is a content-pack template (``slack.unreachable.*``), so ``/mentor profile``
can tell the member, in their language, why prompts stopped.
"""

from __future__ import annotations

import asyncio
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
#: The member cannot be reached by DM.
USER_GONE = frozenset({"user_disabled", "user_not_found", "user_not_visible"})
DM_REFUSED = frozenset(
    {"cannot_dm_bot", "messages_tab_disabled", "is_archived", "channel_not_found"}
    | {"restricted_action", "user_is_restricted", "cannot_find_service"}
)
#: A channel (the team digest's) that cannot take the post.
CHANNEL_GONE = frozenset({"channel_not_found", "is_archived", "channel_is_archived"})
NOT_IN_CHANNEL = frozenset(
    {"not_in_channel", "restricted_action", "restricted_action_read_only_channel"}
    | {"restricted_action_thread_only_channel", "restricted_action_non_threadable_channel"}
)

Scope = Literal["member", "channel", "workspace", "transient"]


def error_code(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or "unknown_error")
    except AttributeError:
        return "unknown_error"


def scope_of(code: str, *, status: int = 200, channel_target: bool) -> Scope:
    if status == 429 or status >= 500:
        return "transient"
    if code in WORKSPACE_GONE:
        return "workspace"
    if channel_target:
        return "channel" if code in CHANNEL_GONE | NOT_IN_CHANNEL else "transient"
    return "member" if code in USER_GONE | DM_REFUSED else "transient"


def unreachable(
    exc: BaseException, *, channel: str | None = None, channel_target: bool = False
) -> PlatformUnreachable:
    """The outbox's view of a failed Slack call."""
    if isinstance(exc, SlackApiError):
        code = error_code(exc)
        status = int(getattr(exc.response, "status_code", 200) or 200)
        scope = scope_of(code, status=status, channel_target=channel_target)
        if scope == "transient":
            wait = retry_after_of(dict(getattr(exc.response, "headers", None) or {}))
            return PlatformUnreachable(
                "slack.transient", permanent=False, retry_after=wait, error=code
            )
        if scope == "workspace":
            return PlatformUnreachable(
                "slack.unreachable.workspace", permanent=True, scope="workspace", error=code
            )
        if scope == "channel":
            key = (
                "slack.unreachable.not_in_channel"
                if code in NOT_IN_CHANNEL
                else "slack.unreachable.channel_gone"
            )
            return PlatformUnreachable(
                key, permanent=True, scope="channel", error=code, channel=channel or "?"
            )
        key = "slack.unreachable.user" if code in USER_GONE else "slack.unreachable.no_dm"
        return PlatformUnreachable(key, permanent=True, scope="member", error=code)
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ClientError | OSError | SlackClientError):
        return PlatformUnreachable("slack.transient", permanent=False, error=type(exc).__name__)
    raise TypeError(f"not a Slack failure: {exc!r}")


#: What ``unreachable`` understands; anything else is a bug and propagates.
SLACK_FAILURES = (
    SlackApiError,
    SlackClientError,
    aiohttp.ClientError,
    asyncio.TimeoutError,
    OSError,
)
