"""Check-ins: answering a routine's prompt, snoozing it, and ``/mentor stats``.

An answer is stored against the period the prompt was for, whenever it arrives: the
button carries cadence and period, so a late answer counts for its own period and
answering again adds to (or corrects) the same row instead of creating another.

Streaks count consecutive *asked* periods. A period counts as asked when a prompt for it
was actually sent (a ``Delivery`` of ``prompt:`` or ``snooze:`` kind with ``sent_at``)
or when the member answered it anyway. The scheduler sends nothing while a member is
paused or a routine is off (and a weekdays-only daily routine says nothing at weekends),
so those periods are simply not in the sequence and cannot break a streak; neither can a
prompt the outbox recorded as missed after downtime, which was never sent. The current
period never breaks a streak: it is still open.

Daily streaks forgive (``docs/checkins.md``, "Forgiving streaks"): one asked and
unanswered day per ISO week does not break the run, and a late answer counts for the
streak when it comes within 24 hours of its day ending (it "repairs" the day); later
answers are still stored for their day and in the mix, but count for the streak only as
a missed day (which may be the week's forgiven one). Weekly and monthly streaks are
strict, and a late answer counts for them whenever it comes, as before. ``/mentor stats``
names the days that saved the current run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot import text
from bot.context import Ctx
from bot.errors import BadInput, Usage
from bot.features.common import CADENCE_ALIASES, CADENCE_CHOICES, resolve
from bot.features.schedule import when_text
from bot.grammar import Arg
from bot.periods import period_end, period_of, period_start, week_key
from bot.prompts import (
    ACTIVITIES,
    ANSWER_ACTION,
    CADENCES,
    DETAILS_ACTION,
    LATER_ACTION,
    SNOOZES,
    answer_value,
    period_label,
    prompt_cache,
)
from bot.reply import Button, Field, Form, FormField, Option, Reply, Section
from bot.router import Router
from storage import checkins as db
from storage.models import CheckIn
from storage.repo import Store

router = Router()

#: The form id; its state (cadence and period) travels after ``#`` like a button value.
DETAILS_FORM = "checkin:details"
#: Where ``Mentor`` puts the state carried after ``#`` in a form id.
FORM_STATE = "#"
MAX_MINUTES = {"daily": 24 * 60, "weekly": 7 * 24 * 60, "monthly": 31 * 24 * 60}
MAX_NOTE_CHARS = 1000
#: 70/20/10: each activity's bucket. Reading a paper or post is self-directed study like
#: a course; sharing or writing is learning with and through people (feedback, review).
BUCKETS: Mapping[str, str] = {
    "built": "projects",
    "others": "others",
    "shared": "others",
    "course": "courses",
    "read": "courses",
}
TARGETS: Mapping[str, int] = {"projects": 70, "others": 20, "courses": 10}
MIX_DAYS = 28
#: A bucket this far below its target earns the advice line.
ADVICE_GAP = 10
MORNING = time(9, 0)
SNOOZE_DELAYS: Mapping[str, timedelta] = {"1h": timedelta(hours=1), "3h": timedelta(hours=3)}
#: A daily answer this long after its day ended still counts for the streak.
REPAIR_WINDOW = timedelta(hours=24)
#: Asked and unanswered days per ISO week that do not break a daily streak.
FORGIVEN_PER_WEEK = 1
#: Saves of the current run listed in ``/mentor stats``, the latest ones.
MAX_SAVES_SHOWN = 3
YES_WORDS = frozenset({"yes", "y", "true", "1", "co", "có", "share"})
NO_WORDS = frozenset({"no", "n", "false", "0", "khong", "không", "private"})


# -- pure rules ---------------------------------------------------------------------------


def _merge(activities: Sequence[str], activity: str) -> list[str]:
    """Add an activity; "skipped" replaces the others, and any activity replaces "skipped"."""
    if activity == "skipped":
        return ["skipped"]
    kept = [a for a in activities if a != "skipped"]
    return kept if activity in kept else [*kept, activity]


@dataclass(frozen=True, slots=True)
class Save:
    """A day that kept a daily streak alive: ``forgiven`` (the week's one missed day) or
    ``repaired`` (answered late, within 24 hours of its day ending)."""

    period: str
    how: Literal["forgiven", "repaired"]


@dataclass(frozen=True, slots=True)
class Streak:
    current: int
    best: int
    #: The saves inside the current run, oldest first (empty when it never needed one).
    saves: tuple[Save, ...] = ()


def streak(
    answered: set[str],
    asked: set[str],
    current: str,
    *,
    forgiving: bool = False,
    repaired: frozenset[str] | set[str] = frozenset(),
) -> Streak:
    """The run of consecutive answered periods among those asked or answered.

    Keys of one cadence sort in time order as strings. Periods after ``current`` (a
    forged or clock-skewed answer) are ignored; an unanswered ``current`` is still open.
    With ``forgiving`` (daily keys only), the first asked and unanswered day of each ISO
    week is a ``forgiven`` save instead of a break; it adds nothing to the count.
    ``repaired`` names answered days whose answer came late but within the window, so
    stats can say so.
    """
    periods = sorted(p for p in answered | asked if p <= current)
    best = run = 0
    saves: list[Save] = []
    used: Counter[str] = Counter()
    for period in periods:
        if period in answered:
            run += 1
            best = max(best, run)
            if period in repaired:
                saves.append(Save(period, "repaired"))
        elif period == current:
            continue
        elif forgiving and used[_week(period)] < FORGIVEN_PER_WEEK:
            used[_week(period)] += 1
            saves.append(Save(period, "forgiven"))
        else:
            run = 0
            saves = []
    if run == 0:
        saves = []
    return Streak(run, best, tuple(saves))


def _week(day_key: str) -> str:
    return week_key(date.fromisoformat(day_key))


def streaks(answered: set[str], asked: set[str], current: str) -> tuple[int, int]:
    """(current streak, best streak) under the strict rule (weekly and monthly)."""
    found = streak(answered, asked, current)
    return found.current, found.best


def counted_answers(times: Mapping[str, datetime], tz: str | None) -> tuple[set[str], set[str]]:
    """(days that count for a daily streak, those of them repaired by a late answer).

    A day counts when its first answer came before its local day ended plus
    ``REPAIR_WINDOW``; an answer after that is kept for its day but not for the streak.
    """
    zone = ZoneInfo(tz or "UTC")
    counted: set[str] = set()
    repaired: set[str] = set()
    for period, at in times.items():
        try:
            day = date.fromisoformat(period)
        except ValueError:
            continue
        ends = datetime.combine(day + timedelta(days=1), time(0)).replace(tzinfo=zone)
        if at is None or at < ends:
            counted.add(period)
        elif at < ends + REPAIR_WINDOW:
            counted.add(period)
            repaired.add(period)
    return counted, repaired


async def streak_of(
    store: Store, member_id: int, cadence: str, *, tz: str | None, current: str
) -> Streak:
    """A member's streak for one cadence, by the rules in the module docstring; the team
    digest and ``/mentor stats`` both read it here so they always agree."""
    asked = await db.asked_periods(store, member_id, cadence)
    if cadence != "daily":
        return streak(await db.answered_periods(store, member_id, cadence), asked, current)
    counted, repaired = counted_answers(await db.answer_times(store, member_id, cadence), tz)
    return streak(counted, asked, current, forgiving=True, repaired=repaired)


@dataclass
class Mix:
    """Minutes per 70/20/10 bucket over a window, and how many check-ins gave none.

    70/20/10 is a split of *time*: a 15-minute read must not weigh as much as a week of
    building. A check-in's minutes are shared equally among its activities (built and
    read in 60 minutes: 30 each). A check-in answered with buttons only has no minutes;
    it is counted in ``without_minutes`` so the reply can say it was left out, rather
    than guessing a duration for it.
    """

    minutes: Counter[str] = field(default_factory=Counter)
    without_minutes: int = 0

    @property
    def total(self) -> float:
        return sum(self.minutes.values())

    def add(self, row: CheckIn) -> dict[str, float]:
        """Count one check-in; return the minutes it added per bucket."""
        buckets = [BUCKETS[a] for a in row.activities or [] if a in BUCKETS]
        if not buckets:
            return {}
        if not row.minutes:
            self.without_minutes += 1
            return {}
        added: dict[str, float] = {}
        for bucket in buckets:
            added[bucket] = added.get(bucket, 0.0) + row.minutes / len(buckets)
        for bucket, value in added.items():
            self.minutes[bucket] += value
        return added


def mix(checkins: Iterable[CheckIn], *, start: date, end: date) -> Mix:
    """Minutes per 70/20/10 bucket for check-ins whose period overlaps the window."""
    tally = Mix(minutes=Counter({bucket: 0.0 for bucket in TARGETS}))
    for row in checkins:
        try:
            first = period_start(row.cadence, row.period_key)
            last = period_end(row.cadence, row.period_key)
        except ValueError:
            continue
        if last < start or first > end:
            continue
        tally.add(row)
    return tally


def percentages(amounts: Mapping[str, float]) -> dict[str, int]:
    """Whole percentages that add up to 100 (largest remainder), so the lines agree."""
    total = sum(amounts.values())
    if not total:
        return {bucket: 0 for bucket in TARGETS}
    exact = {b: amounts.get(b, 0) * 100 / total for b in TARGETS}
    result = {b: int(v) for b, v in exact.items()}
    leftover = 100 - sum(result.values())
    for b in sorted(TARGETS, key=lambda b: exact[b] - result[b], reverse=True)[:leftover]:
        result[b] += 1
    return result


# -- helpers ------------------------------------------------------------------------------


def local_now(ctx: Ctx) -> datetime:
    return ctx.now.astimezone(ZoneInfo(ctx.member.timezone))


def current_period(ctx: Ctx, cadence: str) -> str:
    return period_of(cadence, local_now(ctx).date())


def parse_period(ctx: Ctx, cadence: str, period: str) -> tuple[str, str]:
    """A (cadence, period) from a button value or form id, refusing anything malformed or
    in the future: values come back from clients and may be stale or forged."""
    if cadence not in CADENCES:
        raise BadInput("error.stale_action")
    try:
        period_start(cadence, period)
    except ValueError:
        raise BadInput("error.stale_action") from None
    if period > current_period(ctx, cadence):
        raise BadInput("checkin.future")
    return cadence, period


def parse_value(ctx: Ctx, value: str, choices: Sequence[str]) -> tuple[str, str, str]:
    """(cadence, period, choice) from a ``cadence:period:choice`` value."""
    parts = value.split(":")
    if len(parts) != 3 or parts[2] not in choices:
        raise BadInput("error.stale_action")
    cadence, period = parse_period(ctx, parts[0], parts[1])
    return cadence, period, parts[2]


def parse_state(ctx: Ctx, state: str) -> tuple[str, str]:
    """(cadence, period) from a ``cadence:period`` state (details button, form id)."""
    cadence, sep, period = state.partition(":")
    if not sep:
        raise BadInput("error.stale_action")
    return parse_period(ctx, cadence, period)


def activities_text(ctx: Ctx, activities: Iterable[str]) -> str:
    return ", ".join(ctx.t(f"checkin.activity_short.{a}") for a in activities)


async def streak_for(ctx: Ctx, cadence: str) -> Streak:
    return await streak_of(
        ctx.store,
        ctx.member.id,
        cadence,
        tz=ctx.member.timezone,
        current=current_period(ctx, cadence),
    )


def details_button(ctx: Ctx, cadence: str, period: str) -> Button:
    return Button(
        ctx.t("checkin.details_button"),
        action_id=DETAILS_ACTION,
        value=f"{cadence}:{period}",
        style="primary",
    )


# -- commands and actions -----------------------------------------------------------------


@router.command(
    "checkin",
    aliases=("check-in", "ci"),
    args=(Arg("cadence", "choice", choices=CADENCE_CHOICES),),
)
async def checkin_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    """The current period's prompt on demand, with what is saved so far."""
    if len(args) > 1:
        raise BadInput("error.usage", usage_line=Usage("checkin"))
    cadence = "daily"
    if args:
        cadence = resolve(args[0], CADENCE_ALIASES, usage=Usage("checkin"), kind="cadence")
    period = current_period(ctx, cadence)
    from bot.features.talk import remember_asked  # a sentence may answer it now

    await remember_asked(ctx, cadence, period)
    own = (ctx.member.diet_sources or {}).get(cadence) or None
    reply = prompt_cache(ctx.services).prompt(ctx.lang, cadence, period, later=False, sources=own)
    row = await db.get_checkin(ctx.store, ctx.member.id, cadence, period)
    if row is not None and row.activities:
        saved = ctx.t("checkin.answered_so_far", activities=activities_text(ctx, row.activities))
        reply = Reply(
            title=reply.title,
            text=f"{saved}\n\n{reply.text}",
            sections=reply.sections,
            buttons=(*reply.buttons, details_button(ctx, cadence, period)),
        )
    return [reply]


@router.action(ANSWER_ACTION)
async def answer_action(ctx: Ctx, value: str) -> list[Reply]:
    cadence, period, activity = parse_value(ctx, value, ACTIVITIES)
    row = await db.change_activities(
        ctx.store,
        ctx.member.id,
        cadence,
        period,
        lambda activities: _merge(activities, activity),
        now=ctx.now,
    )
    found = await streak_for(ctx, cadence)
    late = period < current_period(ctx, cadence)
    label = period_label(ctx.pack, cadence, period)
    saved = ctx.t(
        "checkin.saved_late" if late else "checkin.saved",
        period=label,
        activities=activities_text(ctx, row.activities),
    )
    others = [a for a in ACTIVITIES if a not in row.activities and a != "skipped"]
    buttons = [details_button(ctx, cadence, period)]
    buttons += [
        Button(
            ctx.t("checkin.also", activity=ctx.t(f"checkin.activity.{a}")),
            action_id=ANSWER_ACTION,
            value=answer_value(cadence, period, a),
        )
        for a in others
    ]
    return [
        Reply(
            text=f"{saved}\n{ctx.t(f'checkin.streak.{cadence}', count=found.current)}"
            + (
                f"\n{ctx.t('checkin.streak_repaired')}"
                if any(save.period == period and save.how == "repaired" for save in found.saves)
                else ""
            ),
            buttons=tuple(buttons),
        )
    ]


def details_form(ctx: Ctx, cadence: str, period: str, row: CheckIn) -> Form:
    share = (
        Option(ctx.t("checkin.share_no"), "no"),
        Option(ctx.t("checkin.share_yes"), "yes"),
    )
    return Form(
        form_id=f"{DETAILS_FORM}#{cadence}:{period}",
        title=ctx.t("checkin.form_title"),
        submit_label=ctx.t("checkin.form_submit"),
        fields=(
            FormField(
                "minutes",
                ctx.t("checkin.form_minutes"),
                required=False,
                max_length=6,
                initial=str(row.minutes) if row.minutes else "",
                placeholder=ctx.t("checkin.form_minutes_placeholder"),
            ),
            FormField(
                "note",
                ctx.t("checkin.form_note"),
                kind="textarea",
                required=False,
                max_length=MAX_NOTE_CHARS,
                initial=row.note or "",
            ),
            FormField(
                "share",
                ctx.t("checkin.form_share"),
                kind="select",
                required=False,
                initial="yes" if row.shared else "no",
                options=share,
            ),
        ),
    )


@router.action(DETAILS_ACTION)
async def details_action(ctx: Ctx, value: str) -> list[Reply]:
    cadence, period = parse_state(ctx, value)
    row = await db.get_checkin(ctx.store, ctx.member.id, cadence, period)
    if row is None:
        return [Reply(text=ctx.t("checkin.answer_first"))]
    return [
        Reply(
            text=period_label(ctx.pack, cadence, period),
            form=details_form(ctx, cadence, period, row),
        )
    ]


def _minutes(raw: str, cadence: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    minutes = text.whole_number(raw, 1, MAX_MINUTES[cadence])
    if minutes is None:
        raise ValueError(raw)
    return minutes


def _share(raw: str) -> bool:
    word = raw.strip().lower()
    if not word or word in NO_WORDS:
        return False
    if word in YES_WORDS:
        return True
    raise ValueError(raw)


@router.form(DETAILS_FORM)
async def details_submit(ctx: Ctx, values: Mapping[str, str]) -> list[Reply]:
    cadence, period = parse_state(ctx, values.get(FORM_STATE, ""))
    errors: dict[str, str] = {}
    minutes: int | None = None
    shared = False
    try:
        minutes = _minutes(values.get("minutes", ""), cadence)
    except ValueError:
        errors["minutes"] = ctx.t("checkin.bad_minutes", max=MAX_MINUTES[cadence])
    try:
        shared = _share(values.get("share", ""))
    except ValueError:
        errors["share"] = ctx.t("checkin.bad_share")
    if errors:
        return [
            Reply(
                text="\n".join(errors.values()),
                errors=errors,
                buttons=(details_button(ctx, cadence, period),),
            )
        ]
    note = text.clean(values.get("note", ""), limit=MAX_NOTE_CHARS) or None
    row = await db.save_details(
        ctx.store,
        ctx.member.id,
        cadence,
        period,
        minutes=minutes,
        note=note,
        shared=shared,
        now=ctx.now,
    )
    if row is None:
        return [Reply(text=ctx.t("checkin.answer_first"))]
    fields = [Field(ctx.t("checkin.minutes"), str(minutes) if minutes else "–")]
    if note:
        fields.append(Field(ctx.t("checkin.note"), note))
    fields.append(
        Field(
            ctx.t("checkin.shared"),
            ctx.t("checkin.shared_yes" if shared else "checkin.shared_no"),
        )
    )
    label = period_label(ctx.pack, cadence, period)
    return [
        Reply(
            text=ctx.t("checkin.details_saved", period=label),
            sections=(Section(fields=tuple(fields)),),
        )
    ]


def snooze_due(ctx: Ctx, choice: str) -> datetime:
    """When a snoozed prompt comes back: an hour or three from now, or 09:00 local
    tomorrow (never in the past, should a member's clock be odd)."""
    if choice in SNOOZE_DELAYS:
        return ctx.now + SNOOZE_DELAYS[choice]
    zone = ZoneInfo(ctx.member.timezone)
    tomorrow = local_now(ctx).date() + timedelta(days=1)
    wall = datetime.combine(tomorrow, MORNING)
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    return max(instant, ctx.now + timedelta(minutes=1))


@router.action(LATER_ACTION)
async def later_action(ctx: Ctx, value: str) -> list[Reply]:
    """Snooze through the outbox: a ``snooze:<cadence>`` row for the original period.

    The outbox row is unique per (member, kind, period), so a prompt comes back once
    however often "later" is picked, and the answer to it counts for the original period.
    """
    cadence, period, choice = parse_value(ctx, value, SNOOZES)
    label = period_label(ctx.pack, cadence, period)
    scheduler = ctx.services.scheduler
    if scheduler is None:
        return [Reply(text=ctx.t("checkin.snooze_unavailable", period=label))]
    due = snooze_due(ctx, choice)
    created = await scheduler.enqueue(
        member_id=ctx.member.id,
        workspace_id=ctx.member.workspace_id,
        channel=None,
        kind=f"snooze:{cadence}",
        period_key=period,
        due_at=due,
    )
    if not created:
        return [Reply(text=ctx.t("checkin.snooze_once", period=label))]
    return [Reply(text=ctx.t("checkin.snooze_set", when=when_text(ctx, due), period=label))]


# -- stats --------------------------------------------------------------------------------


async def streak_sections(ctx: Ctx) -> list[Section]:
    fields = []
    saved: list[str] = []
    for cadence in CADENCES:
        found = await streak_for(ctx, cadence)
        fields.append(
            Field(
                ctx.t(f"cadence.{cadence}"),
                ctx.t("stats.streak_line", count=found.current, best=found.best),
            )
        )
        saved += [
            ctx.t(
                f"stats.streak_saved.{save.how}",
                day=period_label(ctx.pack, cadence, save.period),
            )
            for save in found.saves[-MAX_SAVES_SHOWN:]
        ]
    note = ctx.t("stats.streak_note")
    if saved:
        note = f"{text.bullets(saved)}\n{note}"
    return [
        Section(title=ctx.t("stats.streaks"), fields=tuple(fields)),
        Section(text=note),
    ]


async def mix_sections(ctx: Ctx) -> list[Section]:
    """The last four weeks (28 local days, today included) against 70/20/10, in minutes."""
    end = local_now(ctx).date()
    start = end - timedelta(days=MIX_DAYS - 1)
    rows = await db.checkins_from(
        ctx.store, ctx.member.id, {cadence: period_of(cadence, start) for cadence in CADENCES}
    )
    tally = mix(rows, start=start, end=end)
    from bot.features import pairs  # a learning pair that met is learning from others

    met = await pairs.meetings(ctx.store, ctx.member, since=start)
    tally.minutes["others"] += sum(m.minutes for m in met)
    title = ctx.t("stats.mix_title")
    unmeasured = (
        ctx.t("stats.mix_unmeasured", count=tally.without_minutes) if tally.without_minutes else ""
    )
    if not tally.total:
        empty = ctx.t("stats.mix_no_minutes" if tally.without_minutes else "stats.mix_empty")
        return [Section(title=title, text="\n".join(filter(None, (empty, unmeasured))))]
    shares = percentages(tally.minutes)
    fields = tuple(
        Field(
            ctx.t(f"stats.bucket.{bucket}"),
            ctx.t(
                "stats.mix_line",
                percent=shares[bucket],
                target=target,
                minutes=round(tally.minutes[bucket]),
            ),
        )
        for bucket, target in TARGETS.items()
    )
    short = max(TARGETS, key=lambda b: TARGETS[b] - shares[b])
    advice = (
        f"stats.advice.{short}"
        if TARGETS[short] - shares[short] >= ADVICE_GAP
        else "stats.advice.balanced"
    )
    basis = ctx.t(
        "stats.mix_basis",
        count=round(tally.total),
        start=start.isoformat(),
        end=end.isoformat(),
    )
    if met:
        basis += " " + ctx.t(
            "stats.pairs.in_mix", count=len(met), minutes=sum(m.minutes for m in met)
        )
    return [
        Section(title=title, fields=fields),
        Section(text="\n".join(filter(None, (basis, unmeasured, ctx.t(advice))))),
    ]


async def stats_sections(ctx: Ctx) -> list[Section]:
    """The sections of ``/mentor stats``, in order. Extend it by adding a part here
    (career metrics come next); each part is its own function, testable alone."""
    from bot.features import (
        metrics,  # career metrics: this quarter against the last
        pairs,  # learning pairs met
        plans,  # if-then plans
    )

    paired = await pairs.stats_section(ctx)
    return [
        *await streak_sections(ctx),
        *await mix_sections(ctx),
        *([paired] if paired is not None else []),
        await metrics.stats_section(ctx),
        await plans.stats_section(ctx),
    ]


@router.command("stats", aliases=("streaks", "thong-ke"), args=())
async def stats_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    if args:
        raise BadInput("error.usage", usage_line=Usage("stats"))
    from bot.features import metrics  # the check-in calendar (PNG)

    sections = tuple(await stats_sections(ctx))
    return [
        Reply(
            title=ctx.t("stats.title"),
            sections=sections,
            files=tuple(await metrics.stats_files(ctx)),
        )
    ]
