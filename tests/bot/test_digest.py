"""The monthly team digest: a team of five across time zones over a simulated March,
one digest on 1 April at 09:00 in the workspace's zone, only the notes marked shared,
opted-out members in the totals only; and the ``/mentor team`` commands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.context import Services
from bot.delivery import Sent, Target
from bot.events import Actor
from bot.features.team import digest_due, month_weeks, next_digest, parse_channel
from bot.reply import Reply
from mentorbot.simulation import run_until
from schedules.engine import Scheduler
from storage.models import Delivery, Workspace
from tests.conftest import Chat, wired_scheduler

WORKSPACE_TZ = "Asia/Ho_Chi_Minh"


@dataclass
class Inbox:
    platform: str = "console"
    sent: list[tuple[Target, tuple[Reply, ...]]] = field(default_factory=list)

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent:
        self.sent.append((target, tuple(replies)))
        return Sent(message_id=f"m{len(self.sent)}")

    def to_channel(self, channel: str) -> list[tuple[Reply, ...]]:
        return [replies for target, replies in self.sent if target.channel == channel]


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def scheduler(services: Services, inbox: Inbox) -> Scheduler:
    return wired_scheduler(services, outlets={"console": inbox})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def person(mentor, user: str, name: str, tz: str, *, admin: bool = False) -> Chat:
    actor = Actor(
        platform="console",
        workspace="W1",
        user=user,
        display_name=name,
        is_admin=admin,
        timezone=tz,
        language="en",
    )
    return Chat(mentor, actor)


async def answer(
    chat: Chat,
    period: str,
    *activities: str,
    minutes: int = 0,
    note: str = "",
    share: bool = False,
):
    for activity in activities:
        await chat.act("checkin:answer", f"weekly:{period}:{activity}")
    if note or minutes:
        values = {
            "minutes": str(minutes or ""),
            "note": note,
            "share": "yes" if share else "no",
        }
        await chat.submit(f"checkin:details#weekly:{period}", values)


def digest_text(replies: Sequence[Reply]) -> str:
    return "\n\n".join(r.plain_text() for r in replies)


async def test_a_team_of_five_gets_one_digest_on_the_first_with_only_shared_notes(
    mentor, scheduler: Scheduler, inbox: Inbox, clock, services: Services
) -> None:
    clock.set(at("2027-03-02T00:00"))
    eve = person(mentor, "U5", "Eve", WORKSPACE_TZ, admin=True)  # creates the workspace
    ana = person(mentor, "U1", "Ana", "Europe/Berlin")
    bao = person(mentor, "U2", "Bao", "America/New_York")
    chi = person(mentor, "U3", "Chi", "Asia/Tokyo")
    dan = person(mentor, "U4", "Dan", "UTC")
    team = (eve, ana, bao, chi, dan)
    for chat in team:
        await chat.say("/mentor schedule off daily")
    out = await eve.say("/mentor team channel #ml-team")
    assert "The team digest will go to *#ml-team*, first on 2027-04-01 at 09:00" in out
    assert "Only a workspace admin" in await ana.say("/mentor team channel #general")
    assert "Done: you count in the digest's totals" in await bao.say("/mentor team optout")

    weeks = ("2027-W09", "2027-W10", "2027-W11", "2027-W12")
    fridays = ("2027-03-05", "2027-03-12", "2027-03-19", "2027-03-26")
    for week, friday in zip(weeks, fridays, strict=True):
        await run_until(scheduler, clock, at(f"{friday}T23:00"))
        await answer(
            ana,
            week,
            "built",
            "others",
            minutes=120,
            note={
                "2027-W10": "Pairing on the eval harness: freeze the test set first",
                "2027-W11": "private: struggling with my manager",
                "2027-W12": "Pairing on the eval harness: freeze the test set first",
            }.get(week, ""),
            share=week in ("2027-W10", "2027-W12"),  # the same note twice
        )
        await answer(
            bao,
            week,
            "course",
            minutes=60,
            note="Finished the vLLM tutorial" if week == "2027-W12" else "",
            share=True,
        )
        await answer(chi, week, "built", "read", minutes=90)
        await answer(
            eve,
            week,
            "built",
            *(("shared",) if week == "2027-W11" else ()),
            minutes=180,
            note="Wrote up our RAG eval: baseline first" if week == "2027-W11" else "",
            share=True,
        )
        if week == "2027-W09":
            await answer(dan, week, "skipped")
        if week == "2027-W10":
            await chi.say("/mentor log papers 2")
            await chi.say("/mentor log projects 1 churn API")

    preview = await eve.say("/mentor team digest")
    assert "Team digest preview · March 2027 (so far)" in preview
    assert "Only a workspace admin" in await dan.say("/mentor team digest")
    assert inbox.to_channel("ml-team") == []

    await run_until(scheduler, clock, at("2027-04-02T12:00"))
    digests = inbox.to_channel("ml-team")
    assert len(digests) == 1
    async with services.store.session() as s:
        [row] = list(await s.scalars(select(Delivery).where(Delivery.kind == "digest")))
    assert row.period_key == "2027-04"
    assert row.member_id is None and row.channel == "ml-team"
    assert row.sent_at == at("2027-04-01T02:00")  # 09:00 in Ho Chi Minh City

    [replies] = digests
    text = digest_text(replies)
    first = replies[0]
    assert first.title == "📬 Team digest · March 2027"
    assert not first.private
    assert "*4* of 5 members checked in, *17* check-ins in all." in first.text
    # Shares of minutes: Ana 120 (built, others), Bao 60 (course), Chi 90 (built, read),
    # Eve 180 (built; built and shared in W11) a week: 1,050 + 330 + 420 of 1,800.
    assert (
        "Time: 59% building projects · 18% learning from others · 23% courses and reading,"
        " of the 1800 minutes logged (target 70/20/10)." in first.text
    )
    assert "Focus for April 2027: build more" in first.text
    [chart] = first.files
    assert Path(chart).read_bytes().startswith(b"\x89PNG")
    assert "Active members: 4/5" in text
    assert "Papers read: 6" in text  # Chi: four weekly "read" answers and two logged
    assert "Posts written: 1" in text
    assert "Projects shipped (logged with `/mentor log projects`): 1" in text
    assert "*Ana*: 4 weeks in a row" in text and "*Chi*: 4 weeks in a row" in text
    assert "*Eve*: 4 weeks in a row" in text
    # Only notes marked shared, and never an opted-out member's.
    assert "*Ana*: Pairing on the eval harness: freeze the test set first" in text
    assert text.count("Pairing on the eval harness") == 1  # shared twice, listed once
    assert "*Eve*: Wrote up our RAG eval: baseline first" in text
    assert "struggling with my manager" not in text
    assert "vLLM" not in text and "Bao" not in text
    assert "Suggested focus for April 2027" in text

    # A week later still one digest; the next one is due on 1 May.
    await run_until(scheduler, clock, at("2027-04-09T00:00"))
    assert len(inbox.to_channel("ml-team")) == 1


async def test_team_overview_optout_and_channel_forms(mentor) -> None:
    admin = person(mentor, "U1", "Ana", "Europe/Berlin", admin=True)
    out = await admin.say("/mentor team")
    assert "Channel: not set" in out and "named in the digest" in out
    await admin.say("/mentor team channel <#C0123|ml-team>")
    out = await admin.say("/mentor team")
    assert "Channel: #C0123" in out
    await admin.say("/mentor team optout")
    assert "in the totals only" in await admin.say("/mentor team")
    await admin.say("/mentor team optin")
    assert "named in the digest" in await admin.say("/mentor team")
    assert "is off" in await admin.say("/mentor team channel off")
    out = await admin.say("/mentor team channel bad/name!")
    assert "doesn't look like a channel" in out
    assert "not a month" in await admin.say("/mentor team digest 2027-13")
    out = await admin.say("/mentor team digest 2027-02")
    assert "February 2027" in out and "Nobody checked in this month." in out
    await admin.say("/mentor lang vi")
    assert "Bản tin nhóm" in await admin.say("/mentor team")


async def test_two_workspaces_never_see_each_others_digest(mentor, clock) -> None:
    clock.set(at("2027-03-10T12:00"))
    alpha = Chat(mentor, Actor("console", "alpha", "U1", display_name="Al", is_admin=True))
    beta = Chat(mentor, Actor("console", "beta", "U1", display_name="Be", is_admin=True))
    await beta.act("checkin:answer", "weekly:2027-W10:built")
    await beta.submit(
        "checkin:details#weekly:2027-W10", {"note": "beta secret learning", "share": "yes"}
    )
    out = await alpha.say("/mentor team digest")
    assert "beta secret" not in out and "Be" not in out.split("members")[0]
    assert "beta secret learning" in await beta.say("/mentor team digest")


def workspace(tz: str) -> Workspace:
    return Workspace(id=1, timezone=tz, digest_channel="x")


@pytest.mark.parametrize(
    ("tz", "due"),
    [
        ("Asia/Ho_Chi_Minh", "2027-04-01T02:00"),
        ("Europe/Berlin", "2027-04-01T07:00"),  # CEST
        ("Pacific/Kiritimati", "2027-03-31T19:00"),  # UTC+14: still 31 March in UTC
        ("Pacific/Pago_Pago", "2027-04-01T20:00"),  # UTC-11
    ],
)
def test_the_digest_is_due_at_nine_on_the_first_local_time(tz: str, due: str) -> None:
    ws = workspace(tz)
    assert next_digest(ws, at("2027-03-15T00:00")) == at(due)
    assert digest_due(ws, at(due)) == (at(due), "2027-04")
    assert digest_due(ws, at(due).replace(minute=0) - (at(due) - at(due))) is not None
    assert digest_due(ws, datetime.fromtimestamp(at(due).timestamp() - 60, UTC)) is None
    assert next_digest(ws, at(due)) > at(due)


def test_month_weeks_follow_iso_thursdays() -> None:
    assert month_weeks("2027-03") == ["2027-W09", "2027-W10", "2027-W11", "2027-W12"]
    assert month_weeks("2027-04") == ["2027-W13", "2027-W14", "2027-W15", "2027-W16", "2027-W17"]


@pytest.mark.parametrize(
    ("raw", "channel"),
    [
        ("#ml-team", "ml-team"),
        ("ml_team", "ml_team"),
        ("<#C0123|ml-team>", "C0123"),
        ("<#9876>", "9876"),
    ],
)
def test_channels_are_read_as_typed_on_each_platform(raw: str, channel: str) -> None:
    assert parse_channel(raw) == channel
