"""``/mentor schedule``: when each routine's check-in arrives, in the member's own time.

The routines themselves (rows, defaults, next due instant) belong to ``schedules/``;
this module reads what the member typed, asks ``schedules.routines`` to change it, and
shows the result with the next three due times in local time. Every mistake (a time, a
day, a zone) is answered with the valid form and, when something is close, a guess.

It also provides hooks the core calls through ``Services`` (``bot.mentoring.install``
plugs them in): routines on first contact, a reschedule when ``/mentor set tz`` changes
the zone, and the ``deliveries`` section of ``/mentor export``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import text, zones
from bot.context import Ctx
from bot.errors import BadInput, UiKey, Usage
from bot.features.common import CADENCE_ALIASES, CADENCE_CHOICES, SWITCH_CHOICES
from bot.features.profile import resolve_timezone, timezone_note
from bot.grammar import Arg, keyed, words
from bot.prompts import CADENCES, WEEKDAYS
from bot.reply import Field, Reply, Section
from bot.router import Router
from schedules import routines as engine
from schedules.timing import is_valid_timezone, parse_hhmm
from storage.deliveries import deliveries_of
from storage.models import Member, Routine
from storage.repo import Store

router = Router()

UPCOMING = 3
WEEKDAY_ALIASES: Mapping[str, int] = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
    "tues": 1,
    "thur": 3,
    "thurs": 3,
    # Vietnamese: thứ hai .. thứ bảy are written t2 .. t7; chủ nhật is cn.
    **{f"t{n}": n - 2 for n in range(2, 8)},
    "cn": 6,
}
DAILY_WORDS: Mapping[str, bool] = {
    "weekdays": True,
    "weekday": True,
    "workdays": True,
    "mon-fri": True,
    "everyday": False,
    "every-day": False,
    "daily": False,
    "all": False,
}
SWITCH_WORDS: Mapping[str, bool] = {"on": True, "off": False}
TZ_WORDS = ("tz", "timezone", "time-zone", "zone")
USAGE = {
    "daily": UiKey("usage.schedule_daily"),
    "weekly": UiKey("usage.schedule_weekly"),
    "monthly": UiKey("usage.schedule_monthly"),
}


# -- reading the routines -----------------------------------------------------------------


async def routines_of(store: Store, member: Member, *, now: datetime) -> dict[str, Routine]:
    """The member's routines by cadence, created with the defaults if missing, so a
    member from before routines existed gets them the first time they look."""
    return {r.cadence: r for r in await engine.ensure_routines(store, member, now=now)}


def hhmm(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


def routine_line(ctx: Ctx, routine: Routine) -> str:
    """How a routine reads in a sentence: "every Friday at 16:00"."""
    at = hhmm(routine.hour, routine.minute)
    if routine.cadence == "daily":
        key = "daily_weekdays" if routine.weekdays_only else "daily_everyday"
        return ctx.t(f"schedule.line.{key}", time=at)
    if routine.cadence == "weekly":
        weekday = ctx.t(f"weekday.{WEEKDAYS[routine.weekday]}")
        return ctx.t("schedule.line.weekly", weekday=weekday, time=at)
    key = "schedule.line.monthly_short" if routine.day_of_month > 28 else "schedule.line.monthly"
    return ctx.t(key, day=routine.day_of_month, time=at)


def when_text(ctx: Ctx, instant: datetime) -> str:
    """An instant as the member reads it: ``Fri 2027-03-26 16:00``, in their zone."""
    local = instant.astimezone(ZoneInfo(ctx.member.timezone))
    return ctx.t(
        "schedule.when",
        weekday=ctx.t(f"weekday_short.{WEEKDAYS[local.weekday()]}"),
        date=local.date().isoformat(),
        time=hhmm(local.hour, local.minute),
    )


async def schedule_reply(ctx: Ctx, *, done: str = "") -> Reply:
    """The schedule, the zone, the pause, and the next three due times in local time;
    ``done`` says what a change just did, and then the how-to footer is left out."""
    routines = await routines_of(ctx.store, ctx.member, now=ctx.now)
    fields = []
    for cadence in CADENCES:
        routine = routines.get(cadence)
        if routine is None:
            continue
        line = routine_line(ctx, routine)
        if not routine.enabled:
            line = ctx.t("schedule.off_value", line=line)
        fields.append(Field(ctx.t(f"cadence.{cadence}"), line))
    fields.append(Field(ctx.t("schedule.timezone"), ctx.member.timezone))
    sections = [Section(fields=tuple(fields))]
    if ctx.member.paused:
        until = ctx.member.paused_until
        sections.append(
            Section(
                text=ctx.t("schedule.paused_until", date=until.isoformat())
                if until
                else ctx.t("schedule.paused")
            )
        )
    upcoming = await engine.upcoming_for(ctx.store, ctx.member, now=ctx.now, count=UPCOMING)
    if upcoming:
        lines = [
            ctx.t(
                "schedule.next_line",
                when=when_text(ctx, due),
                cadence=ctx.t(f"cadence.{cadence}"),
            )
            for cadence, due in upcoming
        ]
        sections.append(Section(title=ctx.t("schedule.next"), text="\n".join(lines)))
    elif not any(r.enabled for r in routines.values()):
        sections.append(Section(text=ctx.t("schedule.nothing_next")))
    if not done:
        sections.append(Section(text=ctx.t("schedule.footer")))
    return Reply(title=ctx.t("schedule.title"), text=done, sections=tuple(sections))


# -- parsing ------------------------------------------------------------------------------


def bad_word(word: str, choices: Sequence[str], usage: Usage | UiKey) -> BadInput:
    suggestion = text.nearest(word, choices)
    if suggestion:
        return BadInput(
            "error.schedule_word_suggest",
            word=text.echo(word),
            suggestion=suggestion,
            usage=usage,
        )
    return BadInput("error.schedule_word", word=text.echo(word), usage=usage)


def parse_time(word: str, usage: UiKey) -> tuple[int, int]:
    try:
        return parse_hhmm(word)
    except ValueError:
        raise BadInput("error.bad_time", word=text.echo(word), usage=usage) from None


def parse_weekday(word: str) -> int:
    found = WEEKDAY_ALIASES.get(word.lower().strip(".,"))
    if found is not None:
        return found
    suggestion = text.nearest(word.lower(), WEEKDAY_ALIASES)
    usage = USAGE["weekly"]
    if suggestion:
        return_to = WEEKDAYS[WEEKDAY_ALIASES[suggestion]]
        raise BadInput(
            "error.bad_weekday_suggest", word=text.echo(word), suggestion=return_to, usage=usage
        )
    raise BadInput("error.bad_weekday", word=text.echo(word), usage=usage)


def parse_day_of_month(word: str) -> int:
    day = text.whole_number(word, 1, 31)
    if day is not None:
        return day
    raise BadInput("error.bad_day_of_month", word=text.echo(word), usage=USAGE["monthly"])


def looks_like_time(word: str) -> bool:
    return ":" in word or word[:1].isdigit()


def parse_changes(cadence: str, words: Sequence[str]) -> dict[str, Any]:
    """The ``update_routine`` keywords for what follows ``schedule CADENCE``.

    Words may come in any order (``weekly 16:00 fri`` works too); each kind of word
    may come once, so ``daily 08:00 09:00`` is refused rather than half-applied.
    """
    usage = USAGE[cadence]
    changes: dict[str, Any] = {}

    def put(name: str, value: object) -> None:
        if name in changes:
            raise BadInput("error.usage", usage_line=usage)
        changes[name] = value

    for word in words:
        lower = word.lower()
        if cadence == "monthly" and lower.lstrip("-+").isdigit():
            put("day_of_month", parse_day_of_month(word))
        elif looks_like_time(word):
            hour, minute = parse_time(word, usage)
            put("hour", hour)
            changes["minute"] = minute
        elif cadence == "daily" and lower in DAILY_WORDS:
            put("weekdays_only", DAILY_WORDS[lower])
        elif lower in SWITCH_WORDS:
            put("enabled", SWITCH_WORDS[lower])
        elif cadence == "weekly":
            put("weekday", parse_weekday(word))
        elif cadence == "daily":
            raise bad_word(word, ["weekdays", "everyday", *SWITCH_WORDS], usage)
        else:
            raise bad_word(word, [*SWITCH_WORDS], usage)
    return changes


def resolve_cadence(word: str, usage: Usage | UiKey) -> str:
    found = CADENCE_ALIASES.get(word.lower())
    if found is None:
        raise bad_word(word, [*CADENCES, *TZ_WORDS[:1], *SWITCH_WORDS], usage)
    return found


def split_zone(args: Sequence[str]) -> tuple[list[str], str | None]:
    """The words before a ``tz`` word and the zone after it (``None`` without one): the
    zone is the last argument Discord writes back (``weekly fri 16:00 tz Asia/Tokyo``)
    and may have spaces of its own (``tz Hồ Chí Minh``)."""
    for i, word in enumerate(args):
        if word.lower() in TZ_WORDS:
            return list(args[:i]), " ".join(args[i + 1 :])
    return list(args), None


def implied_cadence(word: str) -> str | None:
    """The routine a day word belongs to when no cadence was given: ``weekdays`` and
    ``everyday`` the daily one, a weekday the weekly one. Anything else names none."""
    lower = word.lower()
    if lower in CADENCE_ALIASES:
        return None
    if lower in DAILY_WORDS:
        return "daily"
    if lower.strip(".,") in WEEKDAY_ALIASES:
        return "weekly"
    return None


# -- commands -----------------------------------------------------------------------------


#: A daily routine's days, or a weekly one's day.
DAY_CHOICES = words(("weekdays", "choice.weekdays"), ("everyday", "choice.everyday")) + keyed(
    WEEKDAYS, "weekday_short"
)


@router.command(
    "schedule",
    aliases=("lich", "lịch"),
    args=(
        Arg("switch", "choice", choices=SWITCH_CHOICES),
        Arg("cadence", "choice", choices=CADENCE_CHOICES),
        Arg("days", "choice", choices=DAY_CHOICES),
        Arg("day", "number", low=1, high=31),
        Arg("time"),
        Arg("timezone", "timezone", word=TZ_WORDS[0], suggest=zones.suggest),
    ),
)
async def schedule_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    args, zone = split_zone(args)
    if zone == "":
        raise BadInput("error.usage", usage_line=ctx.t("usage.schedule_tz"))
    if zone is not None and not args:
        return await change_timezone(ctx, zone)  # "Hồ Chí Minh", "New York"
    if not args:
        return [await schedule_reply(ctx)]
    first, rest = args[0].lower(), list(args[1:])
    if first in SWITCH_WORDS and len(rest) > 1:
        # What Discord writes back, options in their declared order: ``on weekly fri``
        # reads as ``weekly fri on``.
        first, rest = rest[0].lower(), [*rest[1:], first]
    elif first in SWITCH_WORDS:
        if len(rest) != 1:
            raise BadInput("error.usage", usage_line=ctx.t("usage.schedule_switch"))
        cadence = resolve_cadence(rest[0], UiKey("usage.schedule_switch"))
        if zone is not None:
            await change_timezone(ctx, zone)
        return await switch(ctx, cadence, on=SWITCH_WORDS[first])
    implied = implied_cadence(first)
    if implied is not None:
        # ``schedule fri 16:00``, ``schedule weekdays``: the day says which routine.
        first, rest = implied, [first, *rest]
    cadence = resolve_cadence(first, Usage("schedule"))
    if not rest:
        return await change_timezone(ctx, zone) if zone else [await schedule_reply(ctx)]
    changes = parse_changes(cadence, rest)
    if zone is not None:
        # A zone with other changes (``weekly fri 16:00 tz Asia/Tokyo``): once every word
        # was read, and before the routine changes, so its time is read in the new zone.
        await change_timezone(ctx, zone)
    if set(changes) == {"enabled"}:
        return await switch(ctx, cadence, on=changes["enabled"])
    await routines_of(ctx.store, ctx.member, now=ctx.now)
    routine = await engine.update_routine(ctx.store, ctx.member, cadence, now=ctx.now, **changes)
    done = ctx.t(
        "schedule.updated",
        cadence=ctx.t(f"cadence_name.{cadence}"),
        line=routine_line(ctx, routine),
    )
    return [await schedule_reply(ctx, done=done)]


async def switch(ctx: Ctx, cadence: str, *, on: bool) -> list[Reply]:
    routines = await routines_of(ctx.store, ctx.member, now=ctx.now)
    name = ctx.t(f"cadence_name.{cadence}")
    current = routines.get(cadence)
    if current is not None and current.enabled == on:
        return [
            Reply(text=ctx.t("schedule.already_on" if on else "schedule.already_off", cadence=name))
        ]
    routine = await engine.update_routine(ctx.store, ctx.member, cadence, now=ctx.now, enabled=on)
    if on:
        done = ctx.t("schedule.turned_on", cadence=name, line=routine_line(ctx, routine))
    else:
        done = ctx.t("schedule.turned_off", cadence=name, word=cadence)
    return [await schedule_reply(ctx, done=done)]


async def change_timezone(ctx: Ctx, value: str) -> list[Reply]:
    found = resolve_timezone(value)
    zone = found.zone
    if not is_valid_timezone(zone):
        # zoneinfo loads host pseudo-zones ("posix/...", "localtime"); routines must not
        # depend on the machine they run on.
        raise BadInput("error.bad_timezone", word=text.echo(value))
    ctx.refresh(await ctx.store.update_member(ctx.member.id, timezone=zone))
    await on_timezone_change(ctx)
    done = ctx.t("schedule.tz_done", zone=zone)
    note = timezone_note(ctx, found)
    return [await schedule_reply(ctx, done=f"{done}\n{note}" if note else done)]


# -- hooks the core calls through Services (bot.mentoring.install) ------------------------


async def on_first_contact(ctx: Ctx) -> None:
    """Every member gets the default routines the moment they first write."""
    await engine.ensure_routines(ctx.store, ctx.member, now=ctx.now)


async def on_timezone_change(ctx: Ctx) -> None:
    """Routines are local times: a new zone moves every next due instant."""
    await engine.ensure_routines(ctx.store, ctx.member, now=ctx.now)
    await engine.reschedule_member(ctx.store, ctx.member, now=ctx.now)


async def export_sections(ctx: Ctx) -> dict[str, Any]:
    """``deliveries`` for ``/mentor export``: every outbox row addressed to the member,
    with its kind, period and when it was sent (null when it was not, e.g. missed)."""
    deliveries = []
    for row, receipt in await deliveries_of(ctx.store, ctx.member.id):
        sent_at = row.sent_at or receipt
        deliveries.append(
            {
                "kind": row.kind,
                "period": row.period_key,
                "sent_at": sent_at.isoformat() if sent_at else None,
                "due_at": row.due_at.isoformat(),
                "status": "sent" if receipt else row.status,
            }
        )
    return {"deliveries": deliveries}
