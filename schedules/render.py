"""Render outbox rows through the core, once per distinct prompt rather than once per row.

At fan-out most rows are the same prompt: 100,000 members due in one minute speak two
languages and share a period. The cache keys a rendering by everything a renderer may
read (:func:`render_key`), builds the ``Delivery``/``Member`` objects the renderer
expects only on a miss, and hands every other row the same immutable replies.

The contract this puts on a renderer: its output depends only on those inputs, never on
who the member is (ids, user name, display name), and anything it reads from the
database must be named by the row's payload (the digest carries its workspace id). The
renderers behind ``bot/prompts.py`` keep it. One that cannot is run with
``Scheduler(cache_renders=False)``, or the input is added to the key here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from bot.context import Services
from bot.reply import Reply
from storage.models import Delivery, Member

if TYPE_CHECKING:
    from schedules.dispatch import Job, Recipient, Space

log = logging.getLogger(__name__)

Render = Callable[[Services, Delivery, Member | None], Awaitable[list[Reply]]]
#: Replies, or the text of the renderer's error.
Rendered = Sequence[Reply] | str


def default_render() -> Render:
    """The core's renderer, imported on first use so that importing the scheduler does
    not pull in every feature."""
    from bot.prompts import render_delivery

    return render_delivery


def render_key(job: Job, member_inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    """Everything a rendering may depend on: the row's kind, period, payload and channel,
    and the member's (or, for a channel row, the workspace's) render inputs."""
    return (job.kind, job.period_key, job.payload, job.channel, member_inputs)


def as_delivery(job: Job) -> Delivery:
    """A detached ``Delivery`` carrying a claimed row, for the renderer."""
    return Delivery(
        id=job.id,
        workspace_id=job.workspace_id,
        member_id=job.member_id,
        channel=job.channel,
        target=job.target,
        kind=job.kind,
        period_key=job.period_key,
        status=job.status,
        due_at=job.due_at,
        not_before=job.due_at,
        attempts=job.attempts,
        payload=json.loads(job.payload) if job.payload else {},
    )


def as_member(member: Recipient) -> Member:
    """A detached ``Member`` from a recipient row, for the renderer."""
    return Member(
        id=member.id,
        workspace_id=member.workspace_id,
        external_user=member.external_user,
        display_name=member.display_name,
        level=member.level,
        track=member.track,
        language=member.language,
        timezone=member.timezone,
        paused=bool(member.paused),
        digest_opt_in=bool(member.digest_opt_in),
        diet_sources=json.loads(member.diet_sources) if member.diet_sources else {},
        unreachable=member.unreachable,
        dm_channel=member.dm_channel,
    )


class RenderCache:
    """Renderings of one tick, by :func:`render_key`.

    A renderer's failure is cached too, as its message: a kind it cannot render fails
    every row of that kind, and rebuilding objects to fail again is waste. Rendering is
    deterministic, so such a row fails at once rather than being retried.
    """

    def __init__(self, services: Services, render: Render, *, enabled: bool = True) -> None:
        self.services = services
        self.render = render
        self.enabled = enabled
        self.misses = 0
        self._found: dict[tuple[Any, ...], Rendered] = {}

    def get(self, key: tuple[Any, ...]) -> Rendered | None:
        return self._found.get(key) if self.enabled else None

    async def fill(
        self, key: tuple[Any, ...], job: Job, member: Recipient | None, workspace: Space
    ) -> Rendered:
        self.misses += 1
        found: Rendered
        try:
            found = tuple(
                await self.render(
                    self.services,
                    as_delivery(job),
                    as_member(member) if member is not None else None,
                )
            )
        except Exception as exc:
            log.exception("cannot render %s (delivery %s)", job.kind, job.id)
            found = f"{type(exc).__name__}: {exc}"
        if self.enabled:
            self._found[key] = found
        return found
