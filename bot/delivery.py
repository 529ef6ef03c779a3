"""The one thing the core needs from a platform to reach a member unprompted.

The outbox (``schedules/``) hands rendered replies to the ``Outlet`` of the platform
that owns the member. Adapters implement it; the core and the scheduler only see this
protocol, so a prompt, a nudge and a digest travel the same way on every platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol, runtime_checkable

from bot.reply import Reply


class Target(NamedTuple):
    """Where a delivery goes: a member's DM (``user``) or a channel (``channel``).

    Immutable like a frozen dataclass, but a tuple: the scheduler builds one per
    prompt at fan-out, and a frozen dataclass costs several times more to construct.
    """

    platform: str
    workspace: str
    user: str | None = None
    channel: str | None = None
    #: A cached DM channel id, when the platform needs one and we have it.
    dm_channel: str | None = None


class Sent(NamedTuple):
    """What the platform said: its message id, and the DM channel it used (to cache)."""

    message_id: str
    dm_channel: str | None = None


class Outlet(Protocol):
    """Sends replies to a target. ``replies[0]`` is the message; when a platform has
    threads, the rest go in its thread (a digest: short post, details inside).

    Raises ``bot.errors.PlatformUnreachable`` with ``permanent=True`` when retrying
    cannot help (user gone, DMs closed, channel gone, app uninstalled) and
    ``permanent=False`` for what may pass (timeouts, 5xx, rate limits).
    """

    platform: str

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent: ...


@runtime_checkable
class Presence(Protocol):
    """What a platform can tell about a member's status: whether they are away today
    (on Slack, a vacation emoji or "OOO" in their status). The outbox asks before it
    sends a check-in prompt, so time off is respected without ``/mentor pause``.
    A platform that cannot see a status (Discord, the console) does not implement it.
    What counts as away is the core's rule, ``bot.timeoff.status_says_away``.
    """

    async def is_away(self, target: Target, *, now: datetime) -> bool: ...


@runtime_checkable
class GroupConversations(Protocol):
    """A platform that can open one conversation with several members (Slack's group
    DM). Learning pairs are introduced there; elsewhere each member gets a DM."""

    async def open_group(self, workspace: str, users: Sequence[str]) -> str:
        """The id of the conversation with all ``users`` (and the app); opening it
        again returns the same one."""
        ...
