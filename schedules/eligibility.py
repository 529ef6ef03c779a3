"""Whether a claimed outbox row may be sent now: the one rule, pure, for every path.

The dispatcher sends rows two ways: rows claimed from the outbox one by one
(``Dispatcher.deliver``), and routine rows the fan-out has just created, checked per
plan, per group of members and per row (``Dispatcher.send_fresh``). Both ask this
module, so a row held on one path is held on the other for the same reason.

A row is refused for the first of these that holds, in this order, and the outcome says
what becomes of it:

1. its workspace is gone or disabled (uninstalled, tokens revoked): ``cancelled``;
2. it is addressed to a member who is gone, unreachable (the platform refused them for
   good) or paused: ``cancelled``;
3. it was claimed past its kind's grace window (``schedules.policy.grace_for``):
   ``missed``, so downtime never ends in a burst of stale prompts;
4. its attempts are used up: ``failed``.

Who is refused comes before when: a paused member's late prompt is "member paused", not
"missed". Besides, check-in prompts, their snoozes and nudges are held (``cancelled``)
while the platform says the member is away (:func:`quiet_while_away`, ``bot/timeoff.py``);
asking the platform is the dispatcher's job, the rule is here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, NamedTuple, Protocol

from schedules import policy

Outcome = Literal["cancelled", "missed", "failed"]


class Refusal(NamedTuple):
    """Why a row is not sent: the status it ends with and the reason it records."""

    outcome: Outcome
    reason: str


class WorkspaceState(Protocol):
    @property
    def disabled_reason(self) -> str | None: ...


class MemberState(Protocol):
    @property
    def paused(self) -> bool: ...

    @property
    def unreachable(self) -> str | None: ...


WORKSPACE_GONE = Refusal("cancelled", "workspace gone")
MEMBER_GONE = Refusal("cancelled", "member gone")
MEMBER_PAUSED = Refusal("cancelled", "member paused")
MEMBER_AWAY = Refusal("cancelled", "member away (time off)")

#: Kind families not sent to a member the platform says is away (time off): check-in
#: prompts, their snoozes and nudges. Unsent, the period was not asked, so the streak
#: holds (``bot/timeoff.py``).
QUIET_WHILE_AWAY = frozenset({"prompt", "snooze", "nudge"})


def workspace_refusal(space: WorkspaceState | None) -> Refusal | None:
    """Step 1: ``space`` None when the row's workspace is gone."""
    if space is None:
        return WORKSPACE_GONE
    if space.disabled_reason:
        return Refusal("cancelled", f"workspace disabled: {space.disabled_reason}")
    return None


def member_refusal(member: MemberState | None) -> Refusal | None:
    """Step 2, for a row addressed to a member; ``member`` None when they are gone."""
    if member is None:
        return MEMBER_GONE
    return held_member(member.paused, member.unreachable)


def held_member(paused: bool, unreachable: str | None) -> Refusal | None:
    """Step 2 from the two facts, for callers that hold them unpacked (a group of
    members read together at fan-out)."""
    if unreachable:
        return Refusal("cancelled", f"member unreachable: {unreachable}")
    if paused:
        return MEMBER_PAUSED
    return None


def timing_refusal(
    kind: str, due_at: datetime, attempts: int, *, now: datetime, max_attempts: int
) -> Refusal | None:
    """Steps 3 and 4: too late for its kind, or out of attempts (``attempts`` counts
    this claim, so a row on its first claim has 1)."""
    if now - due_at > policy.grace_for(kind):
        return Refusal("missed", f"claimed {now - due_at} after due, past its grace window")
    if attempts > max_attempts:
        return Refusal("failed", f"gave up after {attempts - 1} attempts")
    return None


def first(
    workspace: Refusal | None, member: Refusal | None, timing: Refusal | None
) -> Refusal | None:
    """The order of the steps, for a caller that worked them out separately (once per
    workspace, group of members or plan): the first that refuses wins."""
    return workspace or member or timing


def refusal(
    *,
    kind: str,
    due_at: datetime,
    attempts: int,
    now: datetime,
    max_attempts: int,
    space: WorkspaceState | None,
    to_member: bool,
    member: MemberState | None,
) -> Refusal | None:
    """Why this row must not be sent now, or None to send it. ``to_member`` False for a
    channel's row (a digest), which no member's state holds back."""
    return first(
        workspace_refusal(space),
        member_refusal(member) if to_member else None,
        timing_refusal(kind, due_at, attempts, now=now, max_attempts=max_attempts),
    )


def quiet_while_away(kind: str) -> bool:
    """Whether a row of this kind waits out the member's time off (is not sent)."""
    return kind.partition(":")[0] in QUIET_WHILE_AWAY
