"""Check-ins as a member meets them: prompts from the scheduler, buttons, the details form,
late answers, snoozes, streaks across a pause, ``/mentor stats`` and the export.

The clock starts on Monday 2027-03-01 at 09:00 UTC; members are in UTC unless a test
moves them. Prompts come from the real ``Scheduler`` on the simulated clock, sent to an
``Inbox`` outlet, and are answered by clicking their own buttons.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.clock import SimClock
from bot.context import Services
from bot.delivery import Sent, Target
from bot.features.checkin import Save, counted_answers, mix, percentages, streak, streaks
from bot.prompts import PromptCache, UnknownDeliveryKind, render_delivery
from bot.reply import Reply
from mentorbot.simulation import run_until
from schedules.engine import Scheduler
from storage.models import CheckIn, Delivery, Member
from tests.conftest import Chat, wired_scheduler


@dataclass
class Inbox:
    """An outlet that keeps what it was handed."""

    platform: str = "console"
    sent: list[tuple[Target, tuple[Reply, ...]]] = field(default_factory=list)

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent:
        self.sent.append((target, tuple(replies)))
        return Sent(message_id=f"m{len(self.sent)}")

    def titles(self) -> list[str]:
        return [replies[0].title or "" for _, replies in self.sent]


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def scheduler(services: Services, inbox: Inbox) -> Scheduler:
    return wired_scheduler(services, outlets={"console": inbox})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def until(scheduler: Scheduler, clock: SimClock, when: str) -> None:
    await run_until(scheduler, clock, at(when))


def show(chat: Chat, inbox: Inbox, title_part: str) -> None:
    """Put the last delivered prompt whose title contains ``title_part`` on screen."""
    for _, replies in reversed(inbox.sent):
        if title_part in (replies[0].title or ""):
            chat.last = list(replies)
            return
    raise AssertionError(f"no delivery {title_part!r} in {inbox.titles()}")


async def checkins(chat: Chat) -> list[CheckIn]:
    async with chat.mentor.services.store.session() as s:
        rows = await s.scalars(select(CheckIn).order_by(CheckIn.cadence, CheckIn.period_key))
        return list(rows)


# -- the prompt ---------------------------------------------------------------------------


def member(**changes: object) -> Member:
    values: dict[str, object] = {"id": 1, "language": "en", "timezone": "UTC", "diet_sources": {}}
    values.update(changes)
    return Member(**values)


def delivery(kind: str, period: str) -> Delivery:
    return Delivery(id=7, kind=kind, period_key=period)


async def test_prompt_has_diet_items_sources_activities_and_later(services: Services) -> None:
    [reply] = await render_delivery(services, delivery("prompt:weekly", "2027-W12"), member())
    out = reply.plain_text()
    assert reply.title == "Weekly check-in · week 12 of 2027"
    assert "Your *Weekly catch-up* (60 min):" in out
    assert "Read one AI newsletter properly." in out
    assert "Suggested sources\n- The Batch (DeepLearning.AI)" in out
    assert [b.label for b in reply.buttons] == [
        "🛠 Built or deployed something",
        "🤝 Learned from someone",
        "🎓 Course or tutorial",
        "📄 Read a paper or post",
        "✍️ Shared or wrote",
        "⏭ Skipped",
    ]
    assert reply.buttons[0].value == "weekly:2027-W12:built"
    [later] = reply.choices
    assert later.placeholder == "Later…"
    assert [(o.label, o.value) for o in later.options] == [
        ("In 1 hour", "weekly:2027-W12:1h"),
        ("In 3 hours", "weekly:2027-W12:3h"),
        ("Tomorrow morning", "weekly:2027-W12:morning"),
    ]


async def test_prompt_uses_the_members_own_sources_and_language(services: Services) -> None:
    own = member(language="vi", diet_sources={"daily": ["Papers with Code", "Simon Willison"]})
    [reply] = await render_delivery(services, delivery("prompt:daily", "2027-03-28"), own)
    out = reply.plain_text()
    assert reply.title == "Check-in hằng ngày · CN 2027-03-28"
    assert "Nguồn của bạn\n- Papers with Code\n- Simon Willison" in out
    assert "Hacker News (top 5)" not in out
    assert "Hôm nay bạn đã làm gì" in out
    assert "Sáng mai" in out


async def test_snoozed_prompt_says_so_and_offers_no_second_later(services: Services) -> None:
    [reply] = await render_delivery(services, delivery("snooze:monthly", "2027-04"), member())
    assert reply.title == "Monthly check-in · 2027-04"
    assert reply.text.startswith("⏰ Here it is again, as you asked. It still counts for 2027-04.")
    assert reply.choices == ()
    assert reply.buttons[2].value == "monthly:2027-04:course"


@pytest.mark.parametrize("kind", ["hologram:x", "prompt:yearly", "prompt", "snooze:", ""])
async def test_unknown_kinds_raise_a_clear_error(services: Services, kind: str) -> None:
    services.renderers.clear()
    with pytest.raises(UnknownDeliveryKind, match="cannot render delivery kind"):
        await render_delivery(services, delivery(kind, "2027-03-01"), member())


async def test_other_kind_families_go_to_their_registered_renderer(services: Services) -> None:
    async def hologram(services: Services, row: Delivery, who: Member | None) -> list[Reply]:
        return [Reply(text=f"{row.kind} {row.period_key} for {who.id if who else None}")]

    services.renderers["hologram"] = hologram
    [reply] = await render_delivery(services, delivery("hologram:x", "2027-03"), member())
    assert reply.text == "hologram:x 2027-03 for 1"


async def test_prompt_without_member_or_with_bad_period_raises(services: Services) -> None:
    with pytest.raises(UnknownDeliveryKind, match="needs a member"):
        await render_delivery(services, delivery("prompt:daily", "2027-03-01"), None)
    with pytest.raises(ValueError, match="not a daily period"):
        await render_delivery(services, delivery("prompt:daily", "2027-W12"), member())


async def test_prompts_are_built_once_per_language_cadence_and_period(services: Services) -> None:
    """The cheapness the fan-out relies on: members of one language share one reply."""
    first = await render_delivery(services, delivery("prompt:daily", "2027-03-02"), member(id=1))
    second = await render_delivery(services, delivery("prompt:daily", "2027-03-02"), member(id=2))
    assert first[0] is second[0]
    cache = services.prompt_cache
    assert isinstance(cache, PromptCache)
    own = member(id=3, diet_sources={"daily": ["A"]})
    third = await render_delivery(services, delivery("prompt:daily", "2027-03-02"), own)
    assert third[0].buttons is first[0].buttons


# -- answering ----------------------------------------------------------------------------


async def test_scheduled_prompt_answered_with_buttons_and_the_form(
    chat: Chat, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    await chat.say("/mentor profile")
    await until(scheduler, clock, "2027-03-02T09:30")
    assert inbox.titles() == ["Monthly check-in · 2027-03", "Daily check-in · Tue 2027-03-02"]
    target, _ = inbox.sent[1]
    assert (target.platform, target.workspace, target.user) == ("console", "W1", "U1")

    show(chat, inbox, "Daily")
    out = await chat.click("Built")
    assert "✅ Saved for Tue 2027-03-02: built or deployed something." in out
    assert "Daily streak: 1 in a row." in out
    out = await chat.click("Read a paper")
    assert "built or deployed something, read a paper or post." in out

    await chat.click("Add minutes and a note")
    form = chat.last[0].form
    assert form is not None and form.form_id == "checkin:details#daily:2027-03-02"
    assert [f.name for f in form.fields] == ["minutes", "note", "share"]
    assert [o.value for o in form.fields[2].options] == ["no", "yes"]
    out = await chat.submit(
        form.form_id, {"minutes": "45", "note": "Shipped the eval harness", "share": "yes"}
    )
    assert "✅ Details saved for Tue 2027-03-02." in out
    assert "Minutes: 45\nNote: Shipped the eval harness\nShared with your team: yes" in out
    [row] = await checkins(chat)
    assert (row.cadence, row.period_key, row.activities) == (
        "daily",
        "2027-03-02",
        ["built", "read"],
    )
    assert (row.minutes, row.note, row.shared) == (45, "Shipped the eval harness", True)


async def test_details_form_rejects_bad_values_and_keeps_the_answer(chat: Chat) -> None:
    await chat.say("/mentor checkin")
    await chat.click("Learned from someone")
    out = await chat.submit("checkin:details#daily:2027-03-01", {"minutes": "lots", "share": "x"})
    assert "Write the minutes as a whole number from 1 to 1440, or leave it empty." in out
    assert "Answer yes or no, or leave it empty." in out
    assert set(chat.last[0].errors) == {"minutes", "share"}
    assert "Add minutes and a note" in out
    await chat.submit("checkin:details#daily:2027-03-01", {"minutes": "5000"})
    assert "minutes" in chat.last[0].errors
    [row] = await checkins(chat)
    assert (row.activities, row.minutes, row.note) == (["others"], None, None)
    out = await chat.submit("checkin:details#daily:2027-03-01", {"minutes": "", "note": "pairing"})
    assert "Minutes: –\nNote: pairing\nShared with your team: no, private" in out


async def test_details_before_an_answer_ask_for_the_answer_first(chat: Chat) -> None:
    out = await chat.act("checkin:details", "daily:2027-03-01")
    assert "Pick what you did first" in out
    out = await chat.submit("checkin:details#daily:2027-03-01", {"minutes": "10"})
    assert "Pick what you did first" in out


async def test_late_answer_counts_for_its_own_period(
    chat: Chat, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    await chat.say("/mentor profile")
    await until(scheduler, clock, "2027-03-04T12:00")
    show(chat, inbox, "Tue 2027-03-02")
    out = await chat.click("Course")
    assert (
        "✅ Saved for Tue 2027-03-02: a course or tutorial. "
        "A late answer still counts for its own period."
    ) in out
    [row] = await checkins(chat)
    assert row.period_key == "2027-03-02"
    assert row.answered_at == at("2027-03-04T12:00")


async def test_answering_again_updates_the_same_row(chat: Chat) -> None:
    await chat.say("/mentor checkin")
    prompt = list(chat.last)
    await chat.click("Built")
    chat.last = prompt
    await chat.click("Built")
    assert [r.activities for r in await checkins(chat)] == [["built"]]
    chat.last = prompt
    await chat.click("Skipped")
    assert [r.activities for r in await checkins(chat)] == [["skipped"]]
    chat.last = prompt
    out = await chat.click("Shared")
    assert "Saved for Mon 2027-03-01: shared or wrote." in out
    rows = await checkins(chat)
    assert [r.activities for r in rows] == [["shared"]]
    out = await chat.say("/mentor checkin")
    assert "Saved so far: shared or wrote. Pick another to add it." in out


async def test_checkin_command_opens_the_current_period(chat: Chat, clock: SimClock) -> None:
    out = await chat.say("/mentor checkin")
    assert chat.last[-1].title == "Daily check-in · Mon 2027-03-01"
    assert "Your *Daily scan* (15 min):" in out
    assert chat.last[-1].choices == (), "on demand there is nothing to snooze"
    out = await chat.say("/mentor checkin weekly")
    assert chat.last[-1].title == "Weekly check-in · week 9 of 2027"
    out = await chat.say("/mentor checkin month")
    assert chat.last[-1].title == "Monthly check-in · 2027-03"
    out = await chat.say("/mentor checkin yearly")
    assert "`yearly` is not a cadence I know. Use: `/mentor checkin [daily|weekly|monthly]`" in out
    out = await chat.say("/mentor checkin daily now")
    assert "Use: `/mentor checkin [daily|weekly|monthly]`" in out
    # The current period is the member's local one: 23:30 in Los Angeles is still Sunday.
    await chat.say("/mentor set tz America/Los_Angeles")
    clock.set(at("2027-03-01T07:30"))
    await chat.say("/mentor checkin")
    assert chat.last[-1].title == "Daily check-in · Sun 2027-02-28"


async def test_stale_forged_and_future_values_are_refused(chat: Chat) -> None:
    await chat.say("/mentor profile")
    for value in (
        "daily:2027-13-01:built",
        "daily:2027-W09:built",
        "daily:2027-03-01:dance",
        "hourly:2027-03-01:built",
        "daily:2027-03-01",
        "",
    ):
        out = await chat.act("checkin:answer", value)
        assert "That button belongs to an older message" in out, value
    out = await chat.act("checkin:answer", "daily:2027-03-02:built")
    assert "That period hasn't started yet" in out
    out = await chat.submit("checkin:details", {"minutes": "5"})
    assert "That button belongs to an older message" in out
    assert await checkins(chat) == []


# -- snooze -------------------------------------------------------------------------------


async def test_snooze_comes_back_once_and_counts_for_its_period(
    chat: Chat, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    await chat.say("/mentor profile")
    await until(scheduler, clock, "2027-03-02T09:00")
    show(chat, inbox, "Tue 2027-03-02")
    prompt = list(chat.last)
    out = await chat.click("In 1 hour")
    assert (
        "⏰ OK, I'll bring it back Tue 2027-03-02 10:00. It still counts for Tue 2027-03-02."
    ) in out
    chat.last = prompt
    out = await chat.click("In 3 hours")
    assert "This check-in was already snoozed once." in out

    sent_before = len(inbox.sent)
    await until(scheduler, clock, "2027-03-02T18:00")
    assert inbox.titles()[sent_before:] == ["Daily check-in · Tue 2027-03-02"]
    _, again = inbox.sent[-1]
    assert again[0].text.startswith("⏰ Here it is again")
    assert again[0].choices == ()
    await until(scheduler, clock, "2027-03-03T08:59")
    assert len(inbox.sent) == sent_before + 1, "it came back once"

    chat.last = list(again)
    out = await chat.click("Learned from someone")
    assert "Saved for Tue 2027-03-02: learned from someone." in out
    [row] = await checkins(chat)
    assert row.period_key == "2027-03-02"

    await chat.say("/mentor export")
    document = json.loads(next(r.document for r in chat.last if r.document))
    assert [(d["kind"], d["period"], d["sent_at"]) for d in document["deliveries"]] == [
        ("prompt:monthly", "2027-03", "2027-03-01T10:00:00+00:00"),
        ("prompt:daily", "2027-03-02", "2027-03-02T09:00:00+00:00"),
        ("snooze:daily", "2027-03-02", "2027-03-02T10:00:00+00:00"),
    ]


async def test_snooze_until_tomorrow_morning_is_local(
    chat: Chat, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    await chat.say("/mentor set tz Asia/Ho_Chi_Minh")
    await chat.say("/mentor schedule daily everyday 20:00")
    await until(scheduler, clock, "2027-03-01T13:00")
    show(chat, inbox, "Mon 2027-03-01")
    out = await chat.click("Tomorrow morning")
    assert "I'll bring it back Tue 2027-03-02 09:00. It still counts for Mon 2027-03-01." in out
    async with chat.mentor.services.store.session() as s:
        due = await s.scalar(select(Delivery.due_at).where(Delivery.kind == "snooze:daily"))
    assert due == at("2027-03-02T02:00")


async def test_snooze_without_a_scheduler_says_so(chat: Chat, services: Services) -> None:
    assert services.scheduler is None
    out = await chat.act("checkin:later", "daily:2027-03-01:1h")
    assert "I can't snooze right now" in out
    assert "a late answer still counts for Mon 2027-03-01" in out


# -- streaks and stats ----------------------------------------------------------------------


def test_streak_rules() -> None:
    answered = {"2027-03-01", "2027-03-02", "2027-03-05"}
    # Asked on 1, 2, 5 and 6; 3 and 4 never asked (paused): no break.
    asked = {"2027-03-01", "2027-03-02", "2027-03-05", "2027-03-06"}
    assert streaks(answered, asked, "2027-03-06") == (3, 3), "today is still open"
    assert streaks(answered, asked, "2027-03-07") == (0, 3), "yesterday unanswered breaks it"
    assert streaks(answered | {"2027-03-07"}, asked, "2027-03-07") == (1, 3)
    assert streaks(set(), set(), "2027-03-07") == (0, 0)
    assert streaks({"2027-03-09"}, set(), "2027-03-07") == (0, 0), "future answers ignored"
    weekly = {"2026-W52", "2026-W53", "2027-W01"}
    assert streaks(weekly, weekly, "2027-W01") == (3, 3)


def test_forgiving_daily_streak_rules() -> None:
    # Mon 1 to Fri 5 asked; Wed 3 missed: the week's one forgiven day, adds nothing.
    week = {f"2027-03-0{d}" for d in range(1, 6)}
    found = streak(week - {"2027-03-03"}, week, "2027-03-05", forgiving=True)
    assert (found.current, found.best) == (4, 4)
    assert found.saves == (Save("2027-03-03", "forgiven"),)
    # A second miss in the same ISO week breaks the run, and its saves go with it.
    found = streak(week - {"2027-03-02", "2027-03-04"}, week, "2027-03-05", forgiving=True)
    assert (found.current, found.best) == (1, 2), "1, (2 forgiven), 3 | 4 breaks | 5"
    assert found.saves == ()
    # One miss in each of two weeks: both forgiven (Fri 5 and Tue 9).
    asked = week | {"2027-03-08", "2027-03-09", "2027-03-10"}
    found = streak(asked - {"2027-03-05", "2027-03-09"}, asked, "2027-03-10", forgiving=True)
    assert found.current == 6
    assert [s.period for s in found.saves] == ["2027-03-05", "2027-03-09"]
    # Strict (weekly, monthly): a miss breaks, as before.
    assert streak(week - {"2027-03-03"}, week, "2027-03-05").current == 2
    # A repaired day counts and is named.
    found = streak(week, week, "2027-03-05", forgiving=True, repaired={"2027-03-02"})
    assert found.current == 5 and found.saves == (Save("2027-03-02", "repaired"),)


def test_a_late_answer_counts_for_the_streak_within_24_hours_of_its_day() -> None:
    times = {
        "2027-03-01": at("2027-03-01T20:00"),  # on its day
        "2027-03-02": at("2027-03-03T22:30"),  # the next evening, Berlin: within 24 h
        "2027-03-03": at("2027-03-05T00:30"),  # two days later: stored, not for the streak
    }
    counted, repaired = counted_answers(times, "Europe/Berlin")
    assert counted == {"2027-03-01", "2027-03-02"}
    assert repaired == {"2027-03-02"}
    # Ho Chi Minh City's day ends 6 hours before Berlin's: the same instant is too late.
    counted, _ = counted_answers({"2027-03-02": at("2027-03-03T18:30")}, "Asia/Ho_Chi_Minh")
    assert counted == set()


async def test_a_late_answer_repairs_the_daily_streak(
    chat: Chat, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    await chat.say("/mentor profile")
    for day in ("02", "03"):
        await until(scheduler, clock, f"2027-03-{day}T09:00")
        show(chat, inbox, f"2027-03-{day}")
        await chat.click("Built")
    await until(scheduler, clock, "2027-03-04T09:00")
    show(chat, inbox, "2027-03-04")
    # Thursday's prompt is answered on Friday evening: within 24 hours of its end.
    await until(scheduler, clock, "2027-03-05T18:00")
    out = await chat.click("Read")
    assert "Daily streak: 3 in a row." in out
    assert "That late answer repaired your streak" in out
    show(chat, inbox, "2027-03-05")
    await chat.click("Built")
    out = await chat.say("/mentor stats")
    assert "Daily: 4 in a row (best 4)" in out
    assert "Your daily streak was repaired on Thu 2027-03-04 by a late answer" in out
    await chat.say("/mentor lang vi")
    out = await chat.say("/mentor stats")
    assert "Chuỗi hằng ngày của bạn được nối lại vào T5 2027-03-04" in out


async def test_streaks_survive_a_pause(
    chat: Chat, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    await chat.say("/mentor schedule daily everyday")
    for day in ("02", "03"):
        await until(scheduler, clock, f"2027-03-{day}T09:00")
        show(chat, inbox, f"2027-03-{day}")
        await chat.click("Built")
    out = await chat.say("/mentor pause until 2027-03-06")
    assert "Paused until 2027-03-06" in out
    await until(scheduler, clock, "2027-03-06T09:00")
    assert not any("03-04" in t or "03-05" in t for t in inbox.titles()), "nothing while paused"
    show(chat, inbox, "2027-03-06")
    out = await chat.click("Course")
    assert "Daily streak: 3 in a row." in out
    out = await chat.say("/mentor stats")
    assert "Daily: 3 in a row (best 3)" in out
    assert "never breaks a streak" in out
    # One asked and unanswered day a week is forgiven, and stats say so.
    await until(scheduler, clock, "2027-03-08T10:00")
    out = await chat.say("/mentor stats")
    assert "Daily: 3 in a row (best 3)" in out
    saved = "Your daily streak was saved on Sun 2027-03-07: one missed day a week is forgiven."
    assert saved in out
    # Two in one week break it; today stays open until it ends.
    await until(scheduler, clock, "2027-03-10T10:00")
    out = await chat.say("/mentor stats")
    assert "Daily: 0 in a row (best 3)" in out
    assert "saved on" not in out


async def test_weekdays_only_routine_does_not_break_over_the_weekend(
    chat: Chat, scheduler: Scheduler, inbox: Inbox, clock: SimClock
) -> None:
    await chat.say("/mentor profile")
    for day in ("04", "05", "08"):  # Thursday, Friday, Monday
        await until(scheduler, clock, f"2027-03-{day}T09:00")
        show(chat, inbox, f"2027-03-{day}")
        await chat.click("Read")
    out = await chat.say("/mentor stats")
    assert "Daily: 3 in a row (best 3)" in out


async def late(chat: Chat, cadence: str, period: str, activity: str, minutes: int = 0) -> None:
    await chat.act("checkin:answer", f"{cadence}:{period}:{activity}")
    if minutes:
        await chat.submit(f"checkin:details#{cadence}:{period}", {"minutes": str(minutes)})


async def test_stats_mix_is_a_share_of_minutes(chat: Chat) -> None:
    out = await chat.say("/mentor stats")
    assert "No activities in the last four weeks yet." in out
    for day in range(10, 17):
        await late(chat, "daily", f"2027-02-{day}", "built", minutes=60)
    await late(chat, "daily", "2027-02-20", "others", minutes=90)
    await late(chat, "weekly", "2027-W08", "shared", minutes=30)
    await late(chat, "monthly", "2027-02", "read", minutes=60)
    await late(chat, "daily", "2027-02-21", "skipped")
    await late(chat, "daily", "2027-01-15", "course", minutes=600)  # older than four weeks
    out = await chat.say("/mentor stats")
    assert "Learning time, last four weeks (target 70/20/10 of your minutes)" in out
    assert "Projects: 70% (target 70%) · 420 min" in out
    assert "Learning from others: 20% (target 20%) · 120 min" in out
    assert "Courses and reading: 10% (target 10%) · 60 min" in out
    assert "Shares of the 600 minutes you logged in check-ins from 2027-02-02 to 2027-03-01" in out
    assert "Your mix is close to 70/20/10. Keep going." in out


async def test_a_long_build_outweighs_many_short_reads(chat: Chat) -> None:
    """Eight 15-minute reads against one week of building: counted by check-ins the
    reads would be 89%; by minutes the building is."""
    for day in range(20, 28):
        await late(chat, "daily", f"2027-02-{day}", "read", minutes=15)
    await late(chat, "weekly", "2027-W07", "built", minutes=600)
    out = await chat.say("/mentor stats")
    assert "Projects: 83% (target 70%) · 600 min" in out
    assert "Courses and reading: 17% (target 10%) · 120 min" in out


async def test_check_ins_without_minutes_are_named_not_guessed(chat: Chat) -> None:
    await late(chat, "daily", "2027-02-20", "built")
    out = await chat.say("/mentor stats")
    assert "70/20/10 is a split of time, and none of your check-ins" in out
    assert "1 check-in has no minutes and is left out of the split." in out
    await late(chat, "daily", "2027-02-21", "built")
    await late(chat, "daily", "2027-02-22", "course", minutes=30)
    out = await chat.say("/mentor stats")
    assert "2 check-ins have no minutes and are left out of the split." in out
    assert "Shares of the 30 minutes you logged" in out
    await chat.say("/mentor lang vi")
    out = await chat.say("/mentor stats")
    assert "2 check-in chưa có số phút nên không được tính vào tỷ lệ." in out


async def test_stats_advice_names_what_is_short(chat: Chat) -> None:
    for day in range(20, 28):
        await late(chat, "daily", f"2027-02-{day}", "course", minutes=60)
    await late(chat, "daily", "2027-02-19", "built", minutes=60)
    out = await chat.say("/mentor stats")
    assert "Projects: 11% (target 70%)" in out
    assert "Courses and reading: 89% (target 10%)" in out
    assert "Most growth comes from building" in out
    await chat.say("/mentor lang vi")
    out = await chat.say("/mentor stats")
    assert "Dự án: 11% (mục tiêu 70%) · 60 phút" in out
    assert "Phần lớn sự tiến bộ đến từ việc tự làm" in out


def test_percentages_add_up_to_100() -> None:
    assert percentages({"projects": 1, "others": 1, "courses": 1}) == {
        "projects": 34,
        "others": 33,
        "courses": 33,
    }
    assert percentages({"projects": 0, "others": 0, "courses": 0}) == {
        "projects": 0,
        "others": 0,
        "courses": 0,
    }


def test_mix_splits_a_check_ins_minutes_across_its_activities() -> None:
    rows = [
        CheckIn(cadence="daily", period_key="2027-03-01", activities=["built", "read"], minutes=60),
        CheckIn(
            cadence="weekly", period_key="2027-W09", activities=["shared", "others"], minutes=40
        ),
        CheckIn(cadence="daily", period_key="2027-03-02", activities=["skipped"]),
        CheckIn(cadence="daily", period_key="2027-02-27", activities=["course"]),
        CheckIn(cadence="daily", period_key="2026-12-01", activities=["built"], minutes=90),
    ]
    tally = mix(rows, start=at("2027-02-02T00:00").date(), end=at("2027-03-01T00:00").date())
    assert dict(tally.minutes) == {"projects": 30, "others": 40, "courses": 30}
    assert tally.without_minutes == 1


async def test_vietnamese_answer_flow(chat: Chat) -> None:
    await chat.say("/mentor lang vi")
    out = await chat.say("/mentor checkin")
    assert "Check-in hằng ngày · T2 2027-03-01" in out
    out = await chat.click("Đã học từ người khác")
    assert "✅ Đã lưu cho T2 2027-03-01: học từ người khác." in out
    assert "Chuỗi hằng ngày: 1 ngày liên tiếp." in out


async def test_forget_removes_checkins_and_deliveries(
    chat: Chat, scheduler: Scheduler, clock: SimClock
) -> None:
    await chat.say("/mentor checkin")
    await chat.click("Built")
    await until(scheduler, clock, "2027-03-02T09:00")
    await chat.say("/mentor forget")
    await chat.click("Yes")
    async with chat.mentor.services.store.session() as s:
        assert await s.scalar(select(func.count()).select_from(CheckIn)) == 0
        assert await s.scalar(select(func.count()).select_from(Delivery)) == 0
