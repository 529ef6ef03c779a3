"""Learning pairs as a team meets them: opting in, an admin's rhythm, a round drawn once
and introduced through the outbox (a DM each, or one group conversation), "did you
meet?" a week later, and what a yes adds to stats, the mix and the lone-wolf rule."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.context import Services
from bot.delivery import Sent, Target
from bot.events import Actor, Command
from bot.features.nudges import load_history
from bot.mentor import Mentor
from bot.nudges import History, lone_wolf
from bot.reply import Reply
from mentorbot.simulation import run_until
from schedules.engine import Scheduler
from storage.models import Delivery
from storage.pairs_models import PairMember
from tests.bot.test_nudges import VOCAB, week
from tests.conftest import Chat

WORKSPACE_TZ = "Europe/Berlin"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Inbox:
    platform: str = "console"
    sent: list[tuple[Target, tuple[Reply, ...]]] = field(default_factory=list)

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent:
        self.sent.append((target, tuple(replies)))
        return Sent(message_id=f"m{len(self.sent)}")

    def titled(self, title: str) -> list[tuple[Target, tuple[Reply, ...]]]:
        return [(t, r) for t, r in self.sent if r and (r[0].title or "").startswith(title)]


@dataclass
class GroupInbox(Inbox):
    """An outlet that can open one conversation with several members, like Slack's."""

    opened: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    async def open_group(self, workspace: str, users: Sequence[str]) -> str:
        self.opened.append((workspace, tuple(users)))
        return "G-" + "-".join(sorted(users))


def person(
    mentor: Mentor, user: str, name: str, tz: str, *, lang: str = "en", admin: bool = False
) -> Chat:
    actor = Actor(
        platform="console",
        workspace="W1",
        user=user,
        display_name=name,
        is_admin=admin,
        timezone=tz,
        language=lang,
    )
    return Chat(mentor, actor)


async def team(mentor: Mentor) -> tuple[Chat, Chat, Chat, Chat]:
    """Ana (senior, admin, Berlin), Bao (mid, London), Chi (junior, Kolkata), Dan
    (intern, Auckland: no working hours shared with the others)."""
    ana = person(mentor, "U1", "Ana", WORKSPACE_TZ, admin=True)
    bao = person(mentor, "U2", "Bao", "Europe/London")
    chi = person(mentor, "U3", "Chi", "Asia/Kolkata")
    dan = person(mentor, "U4", "Dan", "Pacific/Auckland")
    for chat, level in ((ana, "senior"), (bao, "mid"), (chi, "junior"), (dan, "intern")):
        await chat.say(f"/mentor set level {level}")
        await chat.say("/mentor set track mle")
        for cadence in ("daily", "weekly", "monthly"):
            await chat.say(f"/mentor schedule off {cadence}")
    await ana.say(f"/mentor set tz {WORKSPACE_TZ}")
    return ana, bao, chi, dan


async def rows(services: Services, kind: str) -> list[Delivery]:
    async with services.store.session() as s:
        return list(
            await s.scalars(select(Delivery).where(Delivery.kind == kind).order_by(Delivery.id))
        )


async def test_members_opt_in_and_out_and_see_the_rules(mentor, clock) -> None:
    clock.set(at("2027-03-03T12:00"))
    ana = person(mentor, "U1", "Ana", WORKSPACE_TZ, admin=True)
    out = await ana.say("/mentor pairs")
    assert "You're not in learning pairs" in out
    assert "an admin starts them with `/mentor team pairs every 2w`" in out
    assert "one or two levels above" in out and "never recorded" in out
    assert "you're in learning pairs" in await ana.say("/mentor pairs on")
    assert "You're in: each round" in await ana.say("/mentor pairs")
    assert "you're out of learning pairs" in await ana.say("/mentor pairs off")
    assert "Use: `/mentor pairs [on|off]`" in await ana.say("/mentor pairs maybe")
    assert "/mentor pairs [on|off]" in await ana.say("/mentor help")
    await ana.say("/mentor lang vi")
    assert "Bạn chưa tham gia cặp học tập" in await ana.say("/mentor pairs")
    assert "Xong: bạn đã tham gia" in await ana.say("/mentor pairs on")


async def test_only_admins_set_the_rhythm(mentor, clock) -> None:
    clock.set(at("2027-03-03T12:00"))  # a Wednesday
    ana = person(mentor, "U1", "Ana", WORKSPACE_TZ, admin=True)
    bao = person(mentor, "U2", "Bao", WORKSPACE_TZ)
    assert "Only a workspace admin" in await bao.say("/mentor team pairs every 2w")
    out = await ana.say("/mentor team pairs every 2w")
    assert "every 2 weeks: the first round is on Monday 2027-03-08 at 10:00" in out
    assert "the next one is on 2027-03-08" in await bao.say("/mentor pairs")
    assert "every 4 weeks" in await ana.say("/mentor team pairs 4w")
    assert "Use:" in await ana.say("/mentor team pairs every 3w")
    assert "No rounds yet" in await ana.say("/mentor team pairs")
    assert "Learning pairs stopped" in await ana.say("/mentor team pairs off")
    assert "no rounds yet" in await bao.say("/mentor pairs")


async def test_a_round_is_introduced_once_asked_a_week_later_and_counted(
    mentor, services: Services, clock
) -> None:
    clock.set(at("2027-03-03T12:00"))
    ana, bao, chi, dan = await team(mentor)
    for chat in (ana, bao, chi, dan):
        await chat.say("/mentor pairs on")
    await ana.say("/mentor team pairs every 2w")
    inbox = Inbox()
    scheduler = Scheduler(services, outlets={"console": inbox})
    await run_until(scheduler, clock, at("2027-03-08T12:00"))

    intros = inbox.titled("🤝 Your learning pair")
    assert {t.user for t, _ in intros} == {"U1", "U2", "U3"}  # Dan: no overlap, waits
    by_user = {t.user: "\n".join(r.plain_text() for r in replies) for t, replies in intros}
    # Ana (senior) mentors Bao (mid) and Chi (junior): a trio, since 3 fit together.
    assert (
        "This round you mentor *Bao* (Mid-level Engineer, ML engineer) and *Chi* (Junior"
        in by_user["U1"]
    )
    assert "*Ana* (Senior Engineer, ML engineer) mentors you" in by_user["U2"]
    assert "*Bao* joins you: a trio this time" in by_user["U3"]
    assert "A topic to start with" in by_user["U2"]
    assert (
        "What separates *Senior Engineer* from *Mid-level Engineer*: A mid-level engineer "
        "solves the problems handed to them. A senior spots problems before they happen.\n"
    ) in by_user["U2"]
    assert "A project to talk through:" in by_user["U2"]
    intro_rows = await rows(services, "pairs:intro")
    assert {r.period_key for r in intro_rows} == {"2027-W10"}
    assert all(r.sent_at == at("2027-03-08T09:00") for r in intro_rows)  # 10:00 Berlin

    # A restart (a new scheduler, fresh memory) draws nothing new and sends no double.
    again = Scheduler(services, outlets={"console": inbox})
    await again.tick()
    assert len(await rows(services, "pairs:intro")) == 3
    assert len(inbox.titled("🤝 Your learning pair")) == 3
    out = await dan.say("/mentor pairs")
    assert "nobody fitted you, so you go first" in out

    # A week later each is asked; Bao met, Chi did not this time.
    await run_until(again, clock, at("2027-03-15T12:00"))
    asks = inbox.titled("🤝 Did you meet?")
    assert {t.user for t, _ in asks} == {"U1", "U2", "U3"}
    assert all(r.sent_at == at("2027-03-15T09:00") for r in await rows(services, "pairs:ask"))
    bao_ask = next(replies for t, replies in asks if t.user == "U2")
    bao.last = list(bao_ask)
    assert "Last week I paired you with *Ana* and *Chi*. Did you meet?" in bao_ask[0].text
    assert "60 minutes of learning from others" in await bao.click("an hour or more")
    chi.last = list(next(replies for t, replies in asks if t.user == "U3"))
    assert "there's always the next round" in await chi.click("Not this time")

    stats = await bao.say("/mentor stats")
    assert "Learning pairs" in stats and "1 meeting, 60 min" in stats
    assert "includes 60 minutes from 1 meeting with your learning pair" in stats
    assert "Learning from others: 100% (target 20%)" in stats

    overview = await ana.say("/mentor team pairs")
    assert "2027-W10: 1 pair, 1 met" in overview
    assert "4 members in learning pairs, 1 waiting" in overview
    assert "never who said what" in overview
    assert "Only a workspace admin" in await bao.say("/mentor team pairs")
    # The team digest counts the pairs that met, and their minutes as learning from others.
    digest = await ana.say("/mentor team digest 2027-03")
    assert "Learning pairs: 1 of 1 pair met" in digest
    assert "100% learning from others" in digest and "of the 60 minutes logged" in digest

    # The second round, two weeks on: nobody meets the same partner again, and Dan,
    # who waited, still fits nobody (no shared hours) and waits again.
    await run_until(again, clock, at("2027-03-22T12:00"))
    async with services.store.session() as s:
        second = list(await s.scalars(select(PairMember).where(PairMember.round_id != 1)))
    assert second == []  # the same three cannot meet again within three rounds


async def test_slack_style_introduction_is_one_conversation_with_both(
    mentor, services: Services, clock
) -> None:
    clock.set(at("2027-03-03T12:00"))
    ana, bao, _, _ = await team(mentor)
    await ana.say("/mentor pairs on")
    await bao.say("/mentor pairs on")
    await ana.say("/mentor team pairs every 4w")
    inbox = GroupInbox()
    scheduler = Scheduler(services, outlets={"console": inbox})
    await run_until(scheduler, clock, at("2027-03-08T12:00"))
    assert inbox.opened == [("W1", ("U1", "U2"))]
    [(target, replies)] = inbox.titled("🤝 Your learning pair")
    assert target.channel == "G-U1-U2" and target.user is None
    text = replies[0].plain_text()
    assert (
        "Hi *Ana* and *Bao*! This round *Ana* (Senior Engineer, ML engineer) mentors *Bao* "
        "(Mid-level Engineer, ML engineer)."
    ) in text
    await Scheduler(services, outlets={"console": inbox}).tick()
    assert len(inbox.titled("🤝 Your learning pair")) == 1
    [row] = await rows(services, "pairs:intro")
    assert row.period_key == "2027-W10" and row.member_id is None


async def test_vietnamese_pairs_get_their_introduction_in_vietnamese(
    mentor, services: Services, clock
) -> None:
    clock.set(at("2027-03-03T12:00"))
    lan = person(mentor, "U1", "Lan", "Asia/Ho_Chi_Minh", lang="vi", admin=True)
    minh = person(mentor, "U2", "Minh", "Asia/Ho_Chi_Minh", lang="vi")
    await lan.say("/mentor set level mid")
    await minh.say("/mentor set level junior")
    for chat in (lan, minh):
        await chat.say("/mentor pairs on")
    await lan.say("/mentor set tz Asia/Ho_Chi_Minh")
    assert "Cặp học tập cứ 2 tuần một vòng" in await lan.say("/mentor team pairs every 2w")
    inbox = Inbox()
    await run_until(Scheduler(services, outlets={"console": inbox}), clock, at("2027-03-15T12:00"))
    intros = inbox.titled("🤝 Cặp học tập của bạn")
    assert len(intros) == 2
    minh_text = next(r[0].plain_text() for t, r in intros if t.user == "U2")
    assert "Vòng này *Lan* (Mid-level Engineer) sẽ mentor bạn." in minh_text
    assert "Một chủ đề để bắt đầu" in minh_text
    asks = inbox.titled("🤝 Hai bạn đã gặp nhau chưa?")
    assert len(asks) == 2


async def test_export_and_forget_include_pairs_and_a_forgotten_partner_is_not_introduced(
    mentor, services: Services, clock
) -> None:
    clock.set(at("2027-03-03T12:00"))
    ana, bao, _, _ = await team(mentor)
    await ana.say("/mentor pairs on")
    await bao.say("/mentor pairs on")
    await ana.say("/mentor team pairs every 2w")
    inbox = Inbox()
    scheduler = Scheduler(services, outlets={"console": inbox})
    await run_until(scheduler, clock, at("2027-03-08T12:00"))
    replies = await mentor.handle(Command(actor=bao.actor, text=" export"))
    exported = json.loads(next(r.document for r in replies if r.document))
    assert exported["pair_optin"][0]["opted_in"] is True
    assert exported["pair_member"][0]["role"] == "mentee"

    await bao.say("/mentor forget")
    await bao.click("Yes, delete everything")
    async with services.store.session() as s:
        left = list(await s.scalars(select(PairMember)))
    assert [m.role for m in left] == ["mentor"]  # Ana keeps her own row
    await run_until(scheduler, clock, at("2027-03-15T12:00"))
    assert inbox.titled("🤝 Did you meet?") == []  # nobody asked about a pair of one


async def test_a_yes_counts_against_the_lone_wolf_rule(mentor, services: Services, clock) -> None:
    entries = (week(0, "built"), week(1, "built", "course"), week(2, "read"))
    today = date(2027, 3, 26)
    assert lone_wolf(History(today=today, checkins=entries), VOCAB) is not None
    met = History(today=today, checkins=entries, met_days=(date(2027, 3, 16),))
    assert lone_wolf(met, VOCAB) is None
    old = History(today=today, checkins=entries, met_days=(date(2027, 2, 1),))
    assert lone_wolf(old, VOCAB) is not None

    # load_history reads the member's confirmed meetings.
    clock.set(at("2027-03-03T12:00"))
    ana, bao, _, _ = await team(mentor)
    await ana.say("/mentor pairs on")
    await bao.say("/mentor pairs on")
    await ana.say("/mentor team pairs every 2w")
    inbox = Inbox()
    await run_until(Scheduler(services, outlets={"console": inbox}), clock, at("2027-03-15T12:00"))
    bao.last = list(next(r for t, r in inbox.titled("🤝 Did you meet?") if t.user == "U2"))
    await bao.click("about 30 minutes")
    member = await services.store.get_member(2)
    assert member is not None
    history = await load_history(services.store, member, now=clock.now())
    assert history.met_days == (date(2027, 3, 15),)


@pytest.mark.parametrize("value", ["x:30", "1:maybe", "999:30"])
async def test_a_forged_or_stale_answer_changes_nothing(mentor, value: str) -> None:
    chat = person(mentor, "U1", "Ana", WORKSPACE_TZ)
    out = await chat.act("pairs:met", value)
    assert "older message" in out or "can't find that pair" in out


@dataclass
class AwayInbox(Inbox):
    """An outlet that reads statuses: ``away`` users are on holiday."""

    away: set[str] = field(default_factory=set)

    async def is_away(self, target: Target, *, now: datetime) -> bool:
        return target.user in self.away


async def test_a_member_away_when_the_round_is_drawn_is_left_out_and_goes_first_next(
    mentor, services: Services, clock
) -> None:
    clock.set(at("2027-03-03T12:00"))
    ana, bao, chi, _ = await team(mentor)
    for chat in (ana, bao, chi):
        await chat.say("/mentor pairs on")
    await ana.say("/mentor team pairs every 2w")
    inbox = AwayInbox(away={"U2"})  # Bao is on holiday on the round's Monday
    await run_until(Scheduler(services, outlets={"console": inbox}), clock, at("2027-03-08T12:00"))
    intros = inbox.titled("🤝 Your learning pair")
    assert {t.user for t, _ in intros} == {"U1", "U3"}
    assert "nobody fitted you, so you go first" in await bao.say("/mentor pairs")
