"""The Slack ``Outlet``: how scheduled prompts, nudges and digests reach Slack.

A member's delivery goes to their DM with the app, whose channel id the outbox caches on
the member (``Sent.dm_channel``): ``conversations.open`` is in a low rate tier. A
channel delivery (the team digest) is one post with every further reply in its thread,
so the channel shows one short message a month. A token that stopped working disables
the workspace here at once (``on_disabled``); the outbox records it for every other
process.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from adapters.common.caches import Lru
from adapters.common.dm import DM_CACHE, DmChannels, send_to_dm
from adapters.common.parts import first_then_rest
from adapters.common.renders import RenderCache
from adapters.slack.clients import NotInstalled, Sender, SlackClients, WorkspaceLink
from adapters.slack.errors import SLACK_FAILURES, error_code, unreachable
from adapters.slack.render import SlackMessage, render_message
from bot.delivery import Sent, Target
from bot.errors import PlatformUnreachable
from bot.reply import Reply
from bot.timeoff import status_says_away

log = logging.getLogger(__name__)

#: A member's status is read again after this long (on the clock passed in): a daily
#: prompt and a nudge of the same morning cost one ``users.info``.
STATUS_TTL = timedelta(minutes=10)
#: (text, emoji, expiry) of a status, as read, and when.
_Status = tuple[datetime, str, str, datetime | None]
OnDisabled = Callable[[str, str], Awaitable[None]]
#: Tells an admin (a Slack user id) that the digest could not be posted, in words.
OnDigestFailed = Callable[[WorkspaceLink, str, PlatformUnreachable], Awaitable[None]]


class SlackOutlet:
    platform = "slack"

    def __init__(
        self,
        clients: SlackClients,
        *,
        sender: Sender | None = None,
        on_disabled: OnDisabled | None = None,
        on_digest_failed: OnDigestFailed | None = None,
    ) -> None:
        self.clients = clients
        self.sender = sender or Sender(clients)
        self.on_disabled = on_disabled
        self.on_digest_failed = on_digest_failed
        #: Each distinct prompt of a fan-out is rendered once (``adapters.common.renders``).
        self.renders: RenderCache[list[SlackMessage]] = RenderCache()
        self._dms: DmChannels[tuple[str, str]] = DmChannels()
        self._statuses: Lru[tuple[str, str], _Status] = Lru(DM_CACHE)

    async def is_away(self, target: Target, *, now: datetime) -> bool:
        """``bot.delivery.Presence``: the member's status (``users.info``) says time off.

        Anything that stops us reading it (not installed, an API error) means "not
        away": the prompt is then sent, or fails, as it would have anyway.
        """
        if not target.user:
            return False
        try:
            link = await self.clients.link(target.workspace)
        except NotInstalled:
            return False
        key = (link.team_id, target.user)
        status = self._statuses.get(key)
        if status is None or not timedelta(0) <= now - status[0] < STATUS_TTL:
            try:
                async with self.clients.slots:
                    response = await link.client.users_info(user=target.user)
            except SLACK_FAILURES as exc:
                log.warning("slack: cannot read the status of %s (%s)", target.user, exc)
                return False
            profile = (response.get("user") or {}).get("profile") or {}
            expiry = int(profile.get("status_expiration") or 0)
            status = (
                now,
                str(profile.get("status_text") or ""),
                str(profile.get("status_emoji") or ""),
                datetime.fromtimestamp(expiry, UTC) if expiry else None,
            )
            self._statuses.put(key, status)
        _, text, emoji, expires = status
        return status_says_away(text, emoji, expires=expires, now=now)

    async def open_group(self, workspace: str, users: Sequence[str]) -> str:
        """``bot.delivery.GroupConversations``: the group DM of ``users`` and the app
        (``conversations.open``, paced like opening a DM; Slack returns the same one
        for the same people)."""
        return await self.sender.open_dm(await self.clients.link(workspace), *users)

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent:
        if not replies:
            raise ValueError("nothing to deliver")
        try:
            link = await self.clients.link(target.workspace)
        except NotInstalled:
            raise PlatformUnreachable(
                "slack.unreachable.workspace",
                permanent=True,
                scope="workspace",
                error="not_installed",
            ) from None
        if target.channel:
            return await self._to_channel(link, target.channel, replies)
        if not target.user:
            raise ValueError(f"target has neither user nor channel: {target}")
        return await self._to_member(link, target, replies)

    async def _to_member(
        self, link: WorkspaceLink, target: Target, replies: Sequence[Reply]
    ) -> Sent:
        user = target.user
        assert user is not None
        try:
            channel, ts = await send_to_dm(
                target.dm_channel or self._dms.remembered((link.team_id, user)),
                open_dm=lambda: self._dms.open(
                    (link.team_id, user), lambda: self.sender.open_dm(link, user)
                ),
                send=lambda channel: self._post(link, channel, replies),
                stale=_stale_dm,
                # A stale id may be in this process's cache too (another install).
                forget=lambda: self._dms.forget((link.team_id, user)),
            )
        except SLACK_FAILURES as exc:
            raise await self._failed(link, exc, channel=None) from exc
        return Sent(message_id=f"{channel}:{ts}", dm_channel=channel)

    async def _to_channel(
        self, link: WorkspaceLink, channel: str, replies: Sequence[Reply]
    ) -> Sent:
        try:
            ts = await self._post(link, channel, replies)
        except SLACK_FAILURES as exc:
            error = await self._failed(link, exc, channel=channel)
            if error.permanent and error.values.get("scope") == "channel":
                await self._tell_admin(link, channel, error)
            raise error from exc
        return Sent(message_id=f"{channel}:{ts}")

    def _messages(self, reply: Reply) -> list[SlackMessage]:
        return self.renders.rendered([reply], lambda: render_message(reply))

    async def _post(self, link: WorkspaceLink, channel: str, replies: Sequence[Reply]) -> str:
        """The first reply is the message; the rest go in its thread, as one part of the
        delivery (``first_then_rest``): after a failure in it, nothing more is sent."""
        first, *more = self._messages(replies[0])

        async def thread(ts: str) -> None:
            for message in more:  # a reply over 50 blocks continues below, unthreaded
                await self.sender.post(link, channel, message)
            for reply in replies[1:]:
                await self.sender.post_all(link, channel, self._messages(reply), thread_ts=ts)
            for reply in replies:
                await self.sender.upload_files(
                    link, channel, reply, thread_ts=ts if reply is not replies[0] else None
                )

        return await first_then_rest(
            lambda: self.sender.post(link, channel, first),
            lambda ts: [lambda: thread(ts)],
            failures=SLACK_FAILURES,
            where=channel,
        )

    async def _failed(
        self, link: WorkspaceLink, exc: BaseException, *, channel: str | None
    ) -> PlatformUnreachable:
        error = unreachable(exc, channel=channel, channel_target=channel is not None)
        code = error.values.get("error")
        if error.values.get("scope") == "workspace":
            log.warning("slack workspace %s stopped working (%s)", link.team_id, code)
            self.clients.forget(link.team_id)
            if self.on_disabled is not None:
                await self.on_disabled(link.team_id, str(code))
        elif error.permanent:
            log.info(
                "slack: %s in %s is unreachable (%s)", channel or "a member", link.team_id, code
            )
        else:
            log.warning("slack: transient failure in %s (%s)", link.team_id, code)
        return error

    async def _tell_admin(
        self, link: WorkspaceLink, channel: str, error: PlatformUnreachable
    ) -> None:
        if self.on_digest_failed is None:
            return
        try:
            await self.on_digest_failed(link, channel, error)
        except Exception:
            log.exception("slack: could not tell an admin that the digest failed")


def _stale_dm(exc: Exception) -> bool:
    return isinstance(exc, SlackApiError) and error_code(exc) == "channel_not_found"


def describe(error: PlatformUnreachable) -> dict[str, Any]:
    """For logs and tests: the parts of an outcome that matter."""
    return {"key": error.key, "permanent": error.permanent, **error.values}
