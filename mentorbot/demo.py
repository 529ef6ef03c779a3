"""``mentorbot demo``: a small team plays through a month on the simulated clock.

Everything goes through the real parts: members type commands to the ``Mentor``, the
``Scheduler`` turns their routines into outbox rows and sends them to an outlet, and
the scripted answers click the prompts' own buttons (or "later", whose snooze comes back
through the outbox). Answers are drawn from a seeded random generator per member and
period, so two runs print the same month.

Ana is the workspace admin and sets the team's digest channel, so the month ends
with the digest on the 1st (only notes marked shared appear); monthly prompts carry the
review, which the scripted members fill in; nudges appear when a member's answers show
a pitfall.

Ana also starts learning pairs for the team every two weeks; the three English speakers
opt in, so the month shows a pair introduced, a member who fits nobody waiting and going
first in the next round, and "did you meet?" a week later. The outlet plays a Slack-like
status too: Ana's says "Vacationing" for two days, and she gets no prompt then while her
streak holds (``bot/timeoff.py``).

Growth (``mentorbot/demo_growth.py``): Ana sets a quarterly goal and makes an if-then
plan for it, which names Friday, so its check-up comes that Friday; Binh takes up the
"Make a plan" of a nudge in Vietnamese and is asked a week later; the closing stats show
daily streaks saved by the week's one forgiven day or repaired by a late answer (a
"tomorrow morning" snooze), and Ana and Dev ask for ``/mentor packet``.

The team spans time zones with different daylight-saving rules (Berlin changes on
2027-03-28, New York on 2027-03-14, Ho Chi Minh City and Kolkata never, Kolkata is
UTC+05:30), and one member pauses for a week, so the month shows prompts on local time
across the changes and a pause that neither sends prompts nor breaks a streak.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from adapters.console.adapter import RULE, render
from bot.clock import SimClock
from bot.delivery import Sent, Target
from bot.events import Action, Actor, Command, FormSubmit
from bot.features.goals import REVIEW_ACTION
from bot.features.pairs import MET_ACTION
from bot.markup import to_plain
from bot.mentor import Mentor
from bot.prompts import ACTIVITIES, ANSWER_ACTION, LATER_ACTION, answer_value
from bot.reply import Reply
from bot.timeoff import status_says_away
from mentorbot import demo_growth
from mentorbot.simulation import run_until
from schedules.engine import Scheduler, TickReport

WORKSPACE = "demo-team"
#: What each chart draws, by the kind in its file name (``bot/charts.py``).
CHARTS = {
    "team": (
        "the team's learning minutes per ISO week, stacked into projects / learning from"
        " others / courses and reading, and the month's share of minutes against 70/20/10"
    ),
    "calendar": "this member's check-ins over the last 12 weeks, one square a day",
}


@dataclass(frozen=True)
class Persona:
    """A scripted member: where they live, how they set their routines, how they answer."""

    user: str
    zone: str
    language: str
    setup: tuple[str, ...]
    #: Relative weights of built, others, course, read, shared (skipped is separate).
    habits: tuple[float, float, float, float, float]
    answers: float = 0.8
    snoozes: float = 0.1
    skips: float = 0.05
    #: (UTC instant, command) typed during the month.
    events: tuple[tuple[datetime, str], ...] = ()
    #: A workspace admin may set the team's digest channel.
    admin: bool = False
    #: Notes this member writes with a check-in, some marked "share with my team".
    notes: tuple[str, ...] = ()
    #: Statuses the platform shows: (from, until, text, emoji), as on Slack.
    statuses: tuple[tuple[datetime, datetime, str, str], ...] = ()


def team(start: datetime) -> list[Persona]:
    def at(days: int, hour: int) -> datetime:
        return start + timedelta(days=days, hours=hour)

    return [
        Persona(
            user="ana",
            zone="Europe/Berlin",
            language="en",
            habits=(0.6, 0.15, 0.05, 0.1, 0.1),
            admin=True,
            setup=("/mentor set level senior", "/mentor set track mle", "/mentor pairs on"),
            # After the 1st, so the first digest covers March, not a month before anyone
            # used the bot.
            events=(
                (at(1, 8), "/mentor team channel #ml-team"),
                (at(1, 9), "/mentor team pairs every 2w"),
                (at(2, 8), demo_growth.GOAL_PLAN),
                (at(19, 9), "/mentor log projects 1 churn model behind an API"),
            ),
            statuses=((at(15, 12), at(17, 20), "Vacationing", ":palm_tree:"),),
            notes=(
                "Batching requests cut our p95 latency by 40%",
                "A held-out week caught leakage my random split hid",
            ),
        ),
        Persona(
            user="binh",
            zone="Asia/Ho_Chi_Minh",
            language="vi",
            setup=("/mentor set tz Sài Gòn", "/mentor schedule daily everyday 08:30"),
            habits=(0.2, 0.1, 0.4, 0.3, 0.0),
            snoozes=0.2,
        ),
        Persona(
            user="carla",
            zone="America/New_York",
            language="en",
            setup=(
                "/mentor schedule daily 10:00",
                "/mentor schedule weekly thu 15:00",
                "/mentor set level mid",
                "/mentor set track mlops",
                "/mentor pairs on",
            ),
            habits=(0.5, 0.3, 0.05, 0.05, 0.1),
            notes=("Pairing on the feature store taught me more than the docs",),
            events=((at(11, 20), f"/mentor pause until {(start + timedelta(days=18)).date()}"),),
        ),
        Persona(
            user="dev",
            zone="Asia/Kolkata",
            language="en",
            setup=(
                "/mentor schedule daily 18:45",
                "/mentor schedule off monthly",
                "/mentor set level junior",
                "/mentor set track genai",
                "/mentor pairs on",
            ),
            habits=(0.4, 0.2, 0.2, 0.1, 0.1),
            answers=0.7,
        ),
    ]


@dataclass
class Delivered:
    target: Target
    replies: Sequence[Reply]
    at: datetime


@dataclass
class DemoOutlet:
    """Collects what the scheduler sends; the demo answers after each tick, as a
    member would, rather than from inside the scheduler's send loop. It also plays a
    platform that shows statuses (``bot.delivery.Presence``), from the personas'."""

    clock: SimClock
    platform: str = "console"
    inbox: list[Delivered] = field(default_factory=list)
    count: int = 0
    statuses: dict[str, tuple[tuple[datetime, datetime, str, str], ...]] = field(
        default_factory=dict
    )
    #: (user, when, status text) of each prompt held back for time off.
    held: list[tuple[str, datetime, str]] = field(default_factory=list)

    async def is_away(self, target: Target, *, now: datetime) -> bool:
        for start, end, text, emoji in self.statuses.get(target.user or "", ()):
            if start <= now < end and status_says_away(text, emoji, expires=end, now=now):
                self.held.append((target.user or "", now, f"{emoji} {text}"))
                return True
        return False

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent:
        self.count += 1
        self.inbox.append(Delivered(target, replies, self.clock.now()))
        return Sent(message_id=f"demo-{self.count}")


@dataclass
class Tally:
    sent: int = 0
    answered: int = 0
    snoozed: int = 0
    silent: int = 0
    skipped_while_paused: int = 0
    held_while_away: int = 0
    pairs_met: int = 0


class Demo:
    def __init__(
        self,
        mentor: Mentor,
        scheduler: Scheduler,
        clock: SimClock,
        personas: Sequence[Persona],
        out: TextIO,
    ) -> None:
        self.mentor = mentor
        self.clock = clock
        self.personas = {p.user: p for p in personas}
        self.out = out
        self.outlet = DemoOutlet(clock, statuses={p.user: p.statuses for p in personas})
        self.scheduler = scheduler
        scheduler.add_outlet(self.outlet)
        self.tally = Tally()
        self.reviewed: set[tuple[str, str]] = set()

    def actor(self, persona: Persona) -> Actor:
        return Actor(
            platform="console",
            workspace=WORKSPACE,
            user=persona.user,
            display_name=persona.user,
            is_admin=persona.admin,
            timezone=persona.zone,
            language=persona.language,
        )

    def line(self, persona: Persona, when: datetime, text: str) -> None:
        local = when.astimezone(ZoneInfo(persona.zone))
        self.out.write(
            f"{when:%Y-%m-%d %H:%M}Z  {persona.user:<5} "
            f"{local:%a %H:%M} {persona.zone:<17} {text}\n"
        )

    async def say(self, persona: Persona, command: str) -> list[Reply]:
        replies = await self.mentor.handle(
            Command(actor=self.actor(persona), text=command.removeprefix("/mentor"))
        )
        first = first_line(replies[-1]) if replies else ""
        self.line(persona, self.clock.now(), f"⌨  {command}  →  {first}")
        return replies

    async def after_tick(self, report: TickReport) -> None:
        self.tally.skipped_while_paused += report.skipped
        held, self.outlet.held = self.outlet.held, []
        for user, when, status in held:
            self.tally.held_while_away += 1
            self.line(self.personas[user], when, f"🌴 status “{status}”: no prompt, streak kept")
        inbox, self.outlet.inbox = self.outlet.inbox, []
        for item in inbox:
            self.tally.sent += 1
            first = item.replies[0]
            headline = first.title or first_line(first)
            persona = self.personas.get(item.target.user or "")
            if persona is None:  # a channel post (the team digest): show it whole
                where = f"{item.target.channel}"
                self.out.write(f"{item.at:%Y-%m-%d %H:%M}Z  {where:<41} 📣 {headline}\n")
                for index, reply in enumerate(item.replies):
                    # As the console prints it (markup rendered); the headline is above,
                    # and each chart is named with what it draws instead of a bare path.
                    shown = replace(reply, title="" if index == 0 else reply.title, files=())
                    for text in render(shown).splitlines():
                        if text.strip() and text != RULE:
                            self.out.write(f"{'':20}│ {text}\n")
                    for path in reply.files:
                        self.out.write(f"{'':20}│ {chart_line(path)}\n")
                continue
            self.line(persona, item.at, f"📬 {headline}")
            if (first.title or "").startswith("🤝"):
                self.line(persona, item.at, f"   {first_line(first)}")
            met = [b for b in first.buttons if b.action_id == MET_ACTION]
            if met:
                await self.met(persona, met)
            if any(b.action_id == ANSWER_ACTION for b in first.buttons):
                await self.answer(persona, first)
            review = next((b for b in first.buttons if b.action_id == REVIEW_ACTION), None)
            if review is not None:
                await self.review(persona, review.value)
            await demo_growth.on_delivery(self, persona, first)

    async def answer(self, persona: Persona, prompt: Reply) -> None:
        """Click the prompt's own buttons, as the scripted member would."""
        first = next(b.value for b in prompt.buttons if b.action_id == ANSWER_ACTION)
        cadence, period, _ = first.split(":")  # daily:2027-03-28:built
        snoozed_before = not prompt.choices  # a snoozed prompt has no "later" left to pick
        rng = random.Random(f"{persona.user}|{cadence}|{period}|{snoozed_before}")
        roll = rng.random()
        actor = self.actor(persona)
        if roll < persona.skips:
            choice = "skipped"
        elif roll < persona.answers:
            choice = rng.choices(ACTIVITIES[:5], weights=persona.habits)[0]
        elif roll < persona.answers + persona.snoozes and prompt.choices:
            later = rng.choice(("1h", "3h", "morning"))
            replies = await self.mentor.handle(
                Action(
                    actor=actor, action_id=LATER_ACTION, value=answer_value(cadence, period, later)
                )
            )
            self.tally.snoozed += 1
            self.line(persona, self.clock.now(), f"   ↳ later: {first_line(replies[0])}")
            return
        else:
            self.tally.silent += 1
            return
        replies = await self.mentor.handle(
            Action(
                actor=actor, action_id=ANSWER_ACTION, value=answer_value(cadence, period, choice)
            )
        )
        self.tally.answered += 1
        detail = ""
        writes_note = bool(persona.notes) and cadence == "weekly"
        # Most answers carry minutes: 70/20/10 is a split of time (``checkin.Mix``).
        if choice != "skipped" and (writes_note or rng.random() < 0.85):
            minutes = rng.choice((15, 30, 45, 60, 90))
            note, share = "", "no"
            if writes_note:
                note = rng.choice(persona.notes)
                share = "yes" if rng.random() < 0.7 else "no"
            await self.mentor.handle(
                FormSubmit(
                    actor=actor,
                    form_id=f"checkin:details#{cadence}:{period}",
                    values={"minutes": str(minutes), "note": note, "share": share},
                )
            )
            detail = f" (+{minutes} min" + (", note shared)" if share == "yes" else ")")
        self.line(persona, self.clock.now(), f"   ↳ {first_line(replies[0])}{detail}")

    async def met(self, persona: Persona, buttons: Sequence[Any]) -> None:
        """ "Did you meet?": most scripted pairs did, for about an hour."""
        rng = random.Random(f"{persona.user}|met|{buttons[0].value}")
        chosen = buttons[1] if rng.random() < 0.8 else buttons[-1]
        replies = await self.mentor.handle(
            Action(actor=self.actor(persona), action_id=MET_ACTION, value=chosen.value)
        )
        if chosen is not buttons[-1]:
            self.tally.pairs_met += 1
        self.line(persona, self.clock.now(), f"   ↳ {chosen.label}: {first_line(replies[0])}")

    async def review(self, persona: Persona, period: str) -> None:
        """The monthly prompt carries the review: the scripted member clicks it and fills
        in the form it opens (which works out the month being reviewed)."""
        if (persona.user, period) in self.reviewed:
            return  # a snoozed monthly prompt comes back; the month is reviewed once
        self.reviewed.add((persona.user, period))
        actor = self.actor(persona)
        opened = await self.mentor.handle(
            Action(actor=actor, action_id=REVIEW_ACTION, value=period)
        )
        form = next(r.form for r in opened if r.form is not None)
        replies = await self.mentor.handle(
            FormSubmit(
                actor=actor,
                form_id=form.form_id,
                values={
                    "worked": "Shipping small weekly demos kept me honest",
                    "didnt": "Too many tutorials in the second week",
                    "adjust": "One project at a time; courses only for weak spots",
                },
            )
        )
        self.line(persona, self.clock.now(), f"   ↳ 📝 {first_line(replies[-1])}")

    async def play(self, start: datetime, days: int) -> None:
        end = start + timedelta(days=days)
        self.out.write(
            f"Mentorbot demo: {len(self.personas)} members, {start:%Y-%m-%d} to "
            f"{end:%Y-%m-%d} on a simulated clock. Times: UTC, then the member's local time.\n\n"
        )
        for persona in self.personas.values():
            await self.say(persona, "/mentor schedule")
            for command in persona.setup:
                await self.say(persona, command)
        self.out.write("\n")
        events = sorted(
            (when, persona.user, command)
            for persona in self.personas.values()
            for when, command in persona.events
            if when < end
        )
        for when, user, command in events:
            await run_until(self.scheduler, self.clock, when, after_tick=self.after_tick)
            if command == demo_growth.GOAL_PLAN:
                await demo_growth.goal_plan(self, self.personas[user])
            else:
                await self.say(self.personas[user], command)
        await run_until(self.scheduler, self.clock, end, after_tick=self.after_tick)
        await self.summary()

    async def summary(self) -> None:
        t = self.tally
        self.out.write(
            f"\nSent {t.sent} messages; {t.answered} check-ins answered, {t.snoozed} snoozed, "
            f"{t.silent} left unanswered; {t.skipped_while_paused} skipped while paused, "
            f"{t.held_while_away} held while away; {t.pairs_met} learning-pair meetings.\n\n"
        )
        for persona in self.personas.values():
            replies = await self.mentor.handle(Command(actor=self.actor(persona), text=" stats"))
            fields = [f"{f.label}: {f.value}" for s in replies[-1].sections for f in s.fields]
            self.out.write(f"{persona.user:<5} /mentor stats\n")
            for text in fields:
                self.out.write(f"      {text}\n")
            for text in demo_growth.saved_lines(replies):
                self.out.write(f"      {text}\n")
            for path in (p for reply in replies for p in reply.files):
                self.out.write(f"      {chart_line(path)}\n")
        self.out.write("\n")
        for user in ("ana", "dev"):
            await demo_growth.packet(self, self.personas[user])


def chart_line(path: str) -> str:
    """Where a chart went and what it draws."""
    kind = Path(path).name.split("-", 1)[0]
    return f"📊 chart saved to {path}: {CHARTS.get(kind, 'a chart')}"


def first_line(reply: Reply) -> str:
    """A reply's first line as the console shows it (markup rendered)."""
    lines = to_plain(reply.text or reply.title or "").splitlines()
    return lines[0] if lines else ""


async def play(database_url: str, *, start: datetime, days: int, out: TextIO) -> int:
    """Play the month against ``database_url`` (a fresh database is best)."""
    from mentorbot.cli import open_app

    clock = SimClock(start)
    async with open_app(database_url, clock) as app:
        demo = Demo(app.mentor, app.scheduler, clock, team(start), out)
        await demo.play(start, days)
    return 0
