"""How fast the Slack adapter sends; the pacers themselves are ``adapters.common.pacing``.

Slack's limits that matter here: ``chat.postMessage`` allows about one message per
second per channel (short bursts tolerated) plus an unpublished workspace-wide cap;
``conversations.open`` is in a low tier (about 50 a minute). The adapter therefore paces
itself per workspace (a configurable rate with a small burst), spaces messages to one
channel a second apart, bounds the requests in flight, and — when Slack still answers
429 — holds back every sender of that workspace and method for the ``Retry-After`` the
answer named (``clients.RateLimitPause``), instead of letting each of them discover the
limit on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.common.pacing import Pacer

#: After a pause ends, further 429s do not pause again for this long (``Pacer.probe``).
PROBE_S = 2.0


@dataclass(frozen=True, slots=True)
class SendLimits:
    """How fast the adapter sends; the defaults suit a real Slack workspace.

    ``per_workspace`` is the cap on ``chat.postMessage`` per second per workspace
    (configurable: Slack does not publish the workspace-wide limit, and an Enterprise
    Grid org may want it lower); ``per_channel`` is Slack's documented one a second;
    ``opens_per_second`` paces ``conversations.open`` (None: rely on Retry-After).
    """

    #: Slack: "several hundred messages per minute" per workspace; 300 a minute.
    per_workspace: float = 5.0
    workspace_burst: int = 5
    per_channel: float = 1.0
    concurrency: int = 16
    opens_per_second: float | None = None
    #: 429s retried inside one call (after Retry-After) before the outbox takes over.
    max_429_retries: int = 5
    #: Seconds to wait for Slack before calling the attempt failed (transient).
    timeout: float = 15.0

    @classmethod
    def tuned(cls, per_workspace: float | None, concurrency: int | None) -> SendLimits:
        """``SLACK_MESSAGES_PER_SECOND`` and ``SLACK_MAX_CONCURRENCY`` (None: the
        default); the burst grows with the rate, up to 10."""
        default = cls()
        rate = per_workspace or default.per_workspace
        return cls(
            per_workspace=rate,
            workspace_burst=max(1, min(10, int(rate))),
            concurrency=concurrency or default.concurrency,
        )

    def posts(self) -> Pacer:
        """A workspace's pacer for ``chat.*`` and ``files.*``."""
        return Pacer(self.per_workspace, self.workspace_burst, probe=PROBE_S)

    def opens(self) -> Pacer:
        """A workspace's pacer for ``conversations.open``: unpaced unless
        ``opens_per_second`` is set, but a 429 still pauses it."""
        rate = self.opens_per_second
        return Pacer(rate, 1) if rate else unpaced()


def unpaced() -> Pacer:
    """For a client that is not ours to pace (bolt's, for a workspace not yet stored)."""
    return Pacer(1000.0, 1000)
