"""Web API clients per workspace, and the few calls the adapter makes through them.

Every client is slack_sdk's ``AsyncWebClient`` on ``SLACK_API_URL`` with the runtime's
one aiohttp session. Passing ``retry_handlers`` replaces slack_sdk's defaults, so both
are listed: connection errors, and 429s made workspace-aware (``RateLimitPause``). With
OAuth, each workspace's token comes from the installation store and its client is cached
until the workspace is uninstalled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from adapters.common.pacing import ChannelSpacing, Pacer, Slots, retry_after
from adapters.slack import PLATFORM
from adapters.slack.pacing import SendLimits
from adapters.slack.render import SlackMessage
from bot import telemetry
from bot.reply import Reply

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"


def api_url(configured: str | None) -> str:
    """``SLACK_API_URL`` as slack_sdk wants it (with the trailing slash)."""
    url = configured or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def retry_after_of(headers: Mapping[str, Any]) -> float | None:
    """The ``Retry-After`` of slack_sdk's headers (a list per name) or aiohttp's."""
    for name, values in headers.items():
        if name.lower() == "retry-after":
            return retry_after(values[0] if isinstance(values, list) and values else values)
    return None


class RateLimitPause(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 retry handler, made workspace-aware: a 429 pauses the workspace's
    pacer for that method, so new sends wait out ``Retry-After`` too instead of each
    meeting the limit; the request sleeps it with its concurrency slot given back."""

    def __init__(
        self,
        pacer_for: Callable[[str], Pacer | None] | None = None,
        *,
        slots: Slots | None = None,
        max_retry_count: int,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._pacer_for = pacer_for
        self._slots = slots

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429:
            telemetry.rate_limited(PLATFORM)  # every 429 passes here, the last one too
        return await super().can_retry_async(
            state=state, request=request, response=response, error=error
        )

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error  # type: ignore[misc]  # as slack_sdk's handler does
        method = request.url.split("?", 1)[0].rsplit("/", 1)[-1]
        seconds = retry_after_of(response.headers) or 1.0
        pacer = self._pacer_for(method) if self._pacer_for is not None else None
        if pacer is not None:
            pacer.pause(seconds)
        log.info("slack %s answered 429; retrying after %.1fs", method, seconds)
        state.next_attempt_requested = True
        async with self._slots.released() if self._slots else contextlib.nullcontext():
            await asyncio.sleep(seconds + random.uniform(0, 0.5))
        state.increment_current_attempt()


def retry_handlers(
    limits: SendLimits,
    pacer_for: Callable[[str], Pacer | None] | None = None,
    slots: Slots | None = None,
) -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(),
        RateLimitPause(pacer_for, slots=slots, max_retry_count=limits.max_429_retries),
    ]


@dataclass
class WorkspaceLink:
    """One workspace's client and pacers."""

    team_id: str
    client: AsyncWebClient
    posts: Pacer
    opens: Pacer
    #: Who installed the app (OAuth), told when the team digest cannot be posted.
    installer: str | None = None


def _pacers(posts: Pacer, opens: Pacer) -> Callable[[str], Pacer | None]:
    def pacer_for(method: str) -> Pacer | None:
        if method == "conversations.open":
            return opens
        if method.startswith(("chat.", "files.")):
            return posts
        return None

    return pacer_for


class NotInstalled(LookupError):
    """No bot token for this workspace (never installed, uninstalled, or revoked)."""


class BotTokens(Protocol):
    """What the clients need from the installation store."""

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Any: ...


@dataclass
class SlackClients:
    """Builds and caches the per-workspace links; see the module docstring."""

    base_url: str
    limits: SendLimits = field(default_factory=SendLimits)
    session: aiohttp.ClientSession | None = None
    #: Token mode: the one bot token. OAuth mode: None, and ``installations`` is set.
    token: str | None = None
    installations: BotTokens | None = None
    _links: dict[str, WorkspaceLink] = field(default_factory=dict)
    _slots: Slots | None = None

    def client(
        self, token: str | None, *, pacer_for: Callable[[str], Pacer | None] | None = None
    ) -> AsyncWebClient:
        return AsyncWebClient(
            token=token,
            base_url=self.base_url,
            session=self.session,
            timeout=int(self.limits.timeout),  # for sessions slack_sdk makes itself
            retry_handlers=retry_handlers(self.limits, pacer_for, self.slots),
        )

    def app_client(self) -> AsyncWebClient:
        """The client bolt is given: the bot token in token mode, none with OAuth (bolt
        sets each request's token from the installation)."""
        return self.client(self.token)

    @property
    def slots(self) -> Slots:
        """Bounds the Web API calls in flight, across workspaces."""
        if self._slots is None:
            self._slots = Slots(self.limits.concurrency)
        return self._slots

    async def link(self, team_id: str) -> WorkspaceLink:
        key = "" if self.token else team_id
        found = self._links.get(key)
        if found is not None:
            return found
        installer = None
        if self.token:
            token = self.token
        else:
            bot = None
            if self.installations is not None:
                bot = await self.installations.async_find_bot(enterprise_id=None, team_id=team_id)
            if bot is None or not bot.bot_token:
                raise NotInstalled(team_id)
            token = bot.bot_token
            installer = (bot.custom_values or {}).get("installer_user_id")
        posts, opens = self.limits.posts(), self.limits.opens()
        client = self.client(token, pacer_for=_pacers(posts, opens))
        link = self._links[key] = WorkspaceLink(team_id, client, posts, opens, installer)
        return link

    def forget(self, team_id: str) -> None:
        """Drop a workspace's cached client (uninstalled, token revoked or replaced)."""
        self._links.pop("" if self.token else team_id, None)


class Sender:
    """The Web API calls that send, each paced and bounded (see ``pacing``)."""

    def __init__(self, clients: SlackClients) -> None:
        self.clients = clients
        self.channels = ChannelSpacing(clients.limits.per_channel)

    async def open_dm(self, link: WorkspaceLink, *users: str) -> str:
        """The DM with ``users`` (one: a member's; more: a group DM with the app)."""
        await link.opens.wait()
        async with self.clients.slots:
            response = await link.client.conversations_open(users=",".join(users))
        return str(response["channel"]["id"])

    async def post(
        self,
        link: WorkspaceLink,
        channel: str,
        message: SlackMessage,
        *,
        thread_ts: str | None = None,
    ) -> str:
        """Post one message; returns its ``ts``."""
        await self.channels.wait(channel)
        await link.posts.wait()
        async with self.clients.slots:
            response = await link.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
        return str(response["ts"])

    async def post_all(
        self,
        link: WorkspaceLink,
        channel: str,
        messages: Sequence[SlackMessage],
        *,
        thread_ts: str | None = None,
    ) -> list[str]:
        return [await self.post(link, channel, m, thread_ts=thread_ts) for m in messages]

    async def upload(
        self,
        link: WorkspaceLink,
        channel: str,
        *,
        path: str | None = None,
        content: str | None = None,
        filename: str,
        thread_ts: str | None = None,
    ) -> None:
        """Upload a chart or an export into ``channel`` (needs ``files:write``). The file
        is read off the loop: a PNG can be large and the disk slow."""
        data: bytes | str
        if path is not None:
            data = await asyncio.to_thread(_read_bytes, path)
        else:
            data = content or ""
        await link.posts.wait()
        async with self.clients.slots:
            await link.client.files_upload_v2(
                channel=channel, content=data, filename=filename, thread_ts=thread_ts
            )

    async def upload_files(
        self, link: WorkspaceLink, channel: str, reply: Reply, *, thread_ts: str | None = None
    ) -> None:
        """A reply's charts and export, in ``channel``."""
        for path in reply.files:
            name = path.replace("\\", "/").rsplit("/", 1)[-1] or "file"
            await self.upload(link, channel, path=path, filename=name, thread_ts=thread_ts)
        if reply.document:
            await self.upload(
                link,
                channel,
                content=reply.document,
                filename=reply.document_name,
                thread_ts=thread_ts,
            )


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()
