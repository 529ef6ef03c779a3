"""schedules.eligibility: each reason a claimed row is refused, their order, and the two
dispatch paths (rows claimed one by one, rows fresh from the fan-out) agreeing on it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.reply import Reply
from schedules import eligibility, policy
from schedules.dispatch import RENDER_INPUTS, Dispatcher, Fresh, Job, Outcomes, Recipient, Space
from schedules.eligibility import (
    MEMBER_GONE,
    MEMBER_PAUSED,
    WORKSPACE_GONE,
    Refusal,
    quiet_while_away,
    refusal,
)
from schedules.render import RenderCache

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SPACE = Space(1, "slack", "T1", "en", None)
INPUTS = ("en", "mid", "mle", "UTC", True, None)


def member(*, paused: bool = False, unreachable: str | None = None) -> Recipient:
    return Recipient(7, 1, "U7", None, "D7", paused, unreachable, *INPUTS)


def check(**changes: Any) -> Refusal | None:
    facts: dict[str, Any] = {
        "kind": "prompt:daily",
        "due_at": NOW,
        "attempts": 1,
        "now": NOW,
        "max_attempts": policy.MAX_ATTEMPTS,
        "space": SPACE,
        "to_member": True,
        "member": member(),
    }
    return refusal(**{**facts, **changes})


def test_a_row_with_nothing_against_it_is_sent() -> None:
    assert check() is None
    assert check(due_at=NOW - policy.GRACE["daily"]) is None  # the window's last instant
    assert check(attempts=policy.MAX_ATTEMPTS) is None  # the last attempt


def test_each_reason_a_row_is_refused() -> None:
    assert check(space=None) == WORKSPACE_GONE == ("cancelled", "workspace gone")
    assert check(space=SPACE._replace(disabled_reason="tokens revoked")) == (
        "cancelled",
        "workspace disabled: tokens revoked",
    )
    assert check(member=None) == MEMBER_GONE == ("cancelled", "member gone")
    assert check(member=member(unreachable="no DMs")) == (
        "cancelled",
        "member unreachable: no DMs",
    )
    assert check(member=member(paused=True)) == MEMBER_PAUSED == ("cancelled", "member paused")
    late = policy.GRACE["daily"] + timedelta(seconds=1)
    assert check(due_at=NOW - late) == (
        "missed",
        f"claimed {late} after due, past its grace window",
    )
    assert check(attempts=policy.MAX_ATTEMPTS + 1) == (
        "failed",
        f"gave up after {policy.MAX_ATTEMPTS} attempts",
    )


@pytest.mark.parametrize(
    ("kind", "grace"),
    [
        ("prompt:daily", policy.GRACE["daily"]),
        ("snooze:weekly", policy.GRACE["weekly"]),
        ("prompt:monthly", policy.GRACE["monthly"]),
        ("nudge:lonewolf", policy.DEFAULT_GRACE),
        ("digest:monthly", policy.DEFAULT_GRACE),
    ],
)
def test_the_grace_window_is_the_kinds(kind: str, grace: timedelta) -> None:
    assert check(kind=kind, due_at=NOW - grace) is None
    refused = check(kind=kind, due_at=NOW - grace - timedelta(seconds=1))
    assert refused is not None and refused.outcome == "missed"


def test_who_comes_before_when_and_the_workspace_before_the_member() -> None:
    gone_late = {"due_at": NOW - timedelta(days=30), "attempts": 99}
    assert check(space=None, member=None, **gone_late) == WORKSPACE_GONE
    assert check(member=member(paused=True, unreachable="x"), **gone_late) == (
        "cancelled",
        "member unreachable: x",
    )
    assert check(member=member(paused=True), **gone_late) == MEMBER_PAUSED
    refused = check(**gone_late)
    assert refused is not None and refused.outcome == "missed"


def test_a_channel_row_is_not_held_by_any_member() -> None:
    assert check(to_member=False, member=None) is None
    assert check(to_member=False, member=None, space=None) == WORKSPACE_GONE


def test_which_kinds_wait_out_time_off() -> None:
    assert quiet_while_away("prompt:daily") and quiet_while_away("snooze:weekly")
    assert quiet_while_away("nudge:lonewolf")
    assert not quiet_while_away("digest:monthly") and not quiet_while_away("pairs:intro")
    assert not quiet_while_away("plan:checkup") and not quiet_while_away("")


# -- both paths of the dispatcher -------------------------------------------------------


def dispatcher(rendered: list[Reply] | Exception, max_attempts: int) -> Dispatcher:
    async def render(_services: Any, _delivery: Any, _member: Any) -> list[Reply]:
        if isinstance(rendered, Exception):
            raise rendered
        return rendered

    return Dispatcher(
        None,  # type: ignore[arg-type]  # only rendering and the rule are exercised
        {"slack": object()},  # type: ignore[dict-item]
        RenderCache(None, render),  # type: ignore[arg-type]
        writing=asyncio.Lock(),
        writer=None,  # type: ignore[arg-type]
        owner="test",
        lease=policy.LEASE,
        max_in_flight=1,
        max_attempts=max_attempts,
    )


def outcome_of(out: Outcomes, ready: list[Any]) -> tuple[str, str] | str:
    """What became of the one row: ``"send"`` or (outcome, reason)."""
    found = [
        (name, reason)
        for name in ("failed", "missed", "cancelled")
        for _, reason in getattr(out, name)
    ]
    assert len(found) + len(ready) == 1
    return found[0] if found else "send"


WORKSPACES = st.sampled_from(["ok", "disabled", "gone"])
MEMBERS = st.sampled_from(["ok", "paused", "unreachable", "paused+unreachable", "gone"])


@given(
    workspace=WORKSPACES,
    state=MEMBERS,
    kind=st.sampled_from(["prompt:daily", "snooze:weekly", "prompt:monthly", "nudge:lonewolf"]),
    late_by=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)),
    max_attempts=st.integers(0, 3),
    rendered=st.sampled_from(["replies", "nothing", "error"]),
)
def test_rows_claimed_and_rows_fresh_from_the_fan_out_meet_the_same_rule(
    workspace: str, state: str, kind: str, late_by: timedelta, max_attempts: int, rendered: str
) -> None:
    """One row, the same facts, through ``_prepare`` (claimed) and ``_prepare_fresh``
    (fan-out): the same outcome and reason. A fresh row whose member is gone does not
    know its workspace (the fan-out returns [row id, member id]), so there the member
    is checked with the workspace taken as it is in the database: present."""
    if state == "gone" and workspace != "ok":
        workspace = "ok"
    space = SPACE._replace(disabled_reason="revoked" if workspace == "disabled" else None)
    spaces = {} if workspace == "gone" else {1: space}
    who = member(paused="paused" in state, unreachable="gone" if "unreach" in state else None)
    members = {} if state == "gone" else {7: who}
    due = NOW - late_by
    replies = {
        "replies": [Reply(text="hello")],
        "nothing": [],
        "error": RuntimeError("boom"),
    }[rendered]

    claimed = dispatcher(replies, max_attempts)
    job = Job(42, 1, 7, None, "m:7", kind, "2027-03-01", "claimed", due, 1, "{}")
    out = Outcomes()
    ready = asyncio.run(claimed._prepare([job], members, spaces, NOW, out))
    through_claim = outcome_of(out, ready)

    fresh_path = dispatcher(replies, max_attempts)
    groups = [
        (m.paused, m.unreachable, m[RENDER_INPUTS], [[m.id, m.workspace_id, "U7", "D7"]])
        for m in members.values()
    ]
    out, ready = Outcomes(), []
    fresh = Fresh(kind, "2027-03-01", due, [[42, 7]])
    asyncio.run(fresh_path._prepare_fresh(fresh, groups, spaces, NOW, out, ready))
    through_fan_out = outcome_of(out, ready)

    assert through_claim == through_fan_out
    expected = eligibility.refusal(
        kind=kind,
        due_at=due,
        attempts=1,
        now=NOW,
        max_attempts=max_attempts,
        space=spaces.get(1),
        to_member=True,
        member=members.get(7),
    )
    if expected is not None:
        assert through_claim == tuple(expected)
