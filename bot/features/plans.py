"""If-then plans: "When <moment>, I will <step>", and a check-up on whether it happened.

Planning the moment as well as the step (an implementation intention) roughly doubles
the effect of a goal alone in the research the seeds cite, so every pitfall nudge and
every quarterly goal offers "Make a plan", and ``/mentor goals plan`` makes one for
anything. A plan names its check-up day: the day the member gives (a date or a weekday),
or a week on. The check-up goes through the outbox as ``plan:checkup`` with the period
key ``plan-<id>``, queued when the plan is saved, so it is sent once even across
restarts, at ``CHECK_AT`` local time; the member answers yes, partly or not. Plans and
outcomes show in ``/mentor stats``, in ``/mentor goals plans`` and in the promotion packet.
The rules are in ``docs/growth.md``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, time, timedelta
from typing import TYPE_CHECKING

from bot import text
from bot.context import Ctx, Services
from bot.errors import BadInput
from bot.mentoring import local_date, local_instant
from bot.prompts import WEEKDAYS
from bot.reply import Button, Form, FormField, Reply, Section
from bot.router import Router
from storage import mentoring as db
from storage import plans as db_plans
from storage.plan_models import IfThenPlan

if TYPE_CHECKING:
    from bot.content import Pack
    from storage.models import Delivery, Member

router = Router()

MAKE_ACTION = "plans:make"
OUTCOME_ACTION = "plans:outcome"
PLAN_FORM = "plans:form"
CHECKUP_KIND = "plan:checkup"
OUTCOMES: tuple[str, ...] = ("done", "partly", "not")
#: Without a named day, the check-up comes this many days after the plan.
DEFAULT_DAYS = 7
#: A named day may be at most this far ahead.
MAX_DAYS = 56
#: The local time of the check-up: late enough that the planned moment has passed.
CHECK_AT = time(17, 0)
MAX_CUE = 300
#: Plans listed in ``/mentor stats`` (the latest), and in ``/mentor goals plans``.
STATS_SHOWN = 3
LIST_SHOWN = 10

#: Words a member may type before the parts the form already says ("When", "I will").
_LEADING_CUE = re.compile(r"^\s*(when|whenever|if|khi|nếu|neu)\b[\s,:]*", re.IGNORECASE)
_LEADING_ACTION = re.compile(
    r"^\s*(i will|i'll|i’ll|then|mình sẽ|minh se|tôi sẽ|toi se|em sẽ|em se|sẽ|se)\b[\s,:]*",
    re.IGNORECASE,
)
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Weekday names a plan may name, in both languages (folded: no diacritics, lower case).
_WEEKDAY_WORDS: Mapping[str, int] = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name: i for i, name in enumerate(_FULL_NAMES)},
    **{f"t{i + 2}": i for i in range(6)},
    **{f"thu {w}": i for i, w in enumerate(("hai", "ba", "tu", "nam", "sau", "bay"))},
    **{f"thu {i + 2}": i for i in range(6)},
    "cn": 6,
    "chu nhat": 6,
}
_CUE_WEEKDAYS: Mapping[str, int] = {
    **{name: i for i, name in enumerate(_FULL_NAMES)},
    **{f"thu {w}": i for i, w in enumerate(("hai", "ba", "tu", "nam", "sau", "bay"))},
    "chu nhat": 6,
}
_TODAY = frozenset({"today", "hom nay"})
_TOMORROW = frozenset({"tomorrow", "ngay mai", "mai"})


def fold(word: str) -> str:
    """Lower case without diacritics (``Thứ Sáu`` -> ``thu sau``), so either spelling works."""
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def parse_day(raw: str, *, today: date) -> date | None:
    """The check-up day a member named: ``2027-03-19``, a weekday (the next one, or
    today's), ``today`` or ``tomorrow``, in English or Vietnamese; None when empty.

    Raises ValueError for anything else, and for a day in the past or too far ahead.
    """
    word = " ".join(fold(raw).split())
    if not word:
        return None
    if word in _TODAY:
        return today
    if word in _TOMORROW:
        return today + timedelta(days=1)
    if word in _WEEKDAY_WORDS:
        return today + timedelta(days=(_WEEKDAY_WORDS[word] - today.weekday()) % 7)
    day = date.fromisoformat(word)  # raises ValueError
    if not today <= day <= today + timedelta(days=MAX_DAYS):
        raise ValueError(raw)
    return day


def named_weekday(cue: str, *, today: date) -> date | None:
    """A weekday named inside the "when" part (``When I plan the week on Friday``,
    ``Khi ... vào thứ Sáu``): the next such day (today's counts), else None.

    Only full names count here, not ``fri`` or ``t6``, which are too easily other words.
    """
    words = re.findall(r"\w+", fold(cue))
    for size in (2, 1):
        for start in range(len(words) - size + 1):
            found = _CUE_WEEKDAYS.get(" ".join(words[start : start + size]))
            if found is not None:
                return today + timedelta(days=(found - today.weekday()) % 7)
    return None


def plan_line(pack: Pack, plan: IfThenPlan | Mapping[str, object]) -> str:
    """``When <cue>, I will <action>.`` in the member's language."""
    if isinstance(plan, IfThenPlan):
        return pack.t("plans.line", cue=plan.cue, action=plan.action)
    return pack.t("plans.line", cue=plan.get("cue", ""), action=plan.get("action", ""))


def purpose(pack: Pack, plan: IfThenPlan) -> str:
    """What a plan was made for, in the member's language ("" for their own)."""
    kind, _, rest = plan.source.partition(":")
    if kind == "nudge":
        item = pack.pitfalls.pitfalls.get(rest)
        return pack.t("plans.for.nudge", name=item.name) if item is not None else ""
    if kind == "goal" and plan.about:
        return pack.t("plans.for.goal", goal=plan.about)
    return ""


def status_text(pack: Pack, plan: IfThenPlan) -> str:
    if plan.outcome in OUTCOMES:
        return pack.t(f"plans.status.{plan.outcome}")
    return pack.t("plans.status.open", day=plan.check_on.isoformat())


# -- making a plan --------------------------------------------------------------------------


def make_button(pack: Pack, source: str, *, label_key: str = "plans.make", **values: str) -> Button:
    """The "Make a plan" button a nudge, a goal or ``/mentor goals plans`` carries."""
    return Button(pack.t(label_key, **values), action_id=MAKE_ACTION, value=source)


async def check_source(ctx: Ctx, source: str) -> tuple[str, str | None, str]:
    """(source, the goal's text or None, the form's intro) for a button value, refusing
    anything that is not a known pitfall, one of the member's goals, or ``own``."""
    kind, _, rest = source.partition(":")
    if kind == "nudge" and rest in ctx.pack.pitfalls.pitfalls:
        name = ctx.pack.pitfalls.pitfalls[rest].name
        return source, None, ctx.t("plans.form_intro.nudge", name=name)
    goal_id = text.whole_number(rest, 1, text.MAX_ROW_ID) if kind == "goal" else None
    if goal_id is not None:
        goal = next(
            (g for g in await db.goals_of(ctx.store, ctx.member.id) if g.id == goal_id), None
        )
        if goal is not None:
            area = ctx.t(f"goals.area.{goal.area}")
            return source, goal.goal, ctx.t("plans.form_intro.goal", area=area, goal=goal.goal)
    if source == "own":
        return source, None, ctx.t("plans.form_intro.own")
    raise BadInput("error.stale_action")


def plan_form(ctx: Ctx, source: str, values: Mapping[str, str] | None = None) -> Form:
    initial = values or {}
    return Form(
        form_id=f"{PLAN_FORM}#{source}",
        title=ctx.t("plans.form_title"),
        submit_label=ctx.t("plans.form_submit"),
        fields=(
            FormField(
                "cue",
                ctx.t("plans.field.cue"),
                max_length=MAX_CUE,
                initial=initial.get("cue", ""),
                placeholder=ctx.t("plans.example.cue"),
            ),
            FormField(
                "action",
                ctx.t("plans.field.action"),
                max_length=MAX_CUE,
                initial=initial.get("action", ""),
                placeholder=ctx.t("plans.example.action"),
            ),
            FormField(
                "day",
                ctx.t("plans.field.day"),
                required=False,
                max_length=20,
                initial=initial.get("day", ""),
                placeholder=ctx.t("plans.example.day"),
            ),
        ),
    )


async def open_form(ctx: Ctx, source: str) -> list[Reply]:
    source, _about, intro = await check_source(ctx, source)
    return [Reply(text=intro, form=plan_form(ctx, source))]


@router.action(MAKE_ACTION)
async def make_action(ctx: Ctx, value: str) -> list[Reply]:
    return await open_form(ctx, value)


def _clean(raw: str, pattern: re.Pattern[str]) -> str:
    cleaned = text.clean(raw, limit=MAX_CUE)
    cleaned = pattern.sub("", cleaned, count=1).strip().rstrip(".")
    return cleaned


async def schedule_checkup(ctx: Ctx, plan: IfThenPlan) -> bool:
    """Queue the check-up in the outbox; False when no scheduler runs here."""
    scheduler = ctx.services.scheduler
    if scheduler is None:
        return False
    due = local_instant(plan.check_on, CHECK_AT, ctx.member.timezone)
    if due <= ctx.now:  # a plan for today made after CHECK_AT: ask in an hour
        due = ctx.now + timedelta(hours=1)
    await scheduler.enqueue(
        member_id=ctx.member.id,
        workspace_id=ctx.member.workspace_id,
        kind=CHECKUP_KIND,
        period_key=f"plan-{plan.id}",
        due_at=due,
        payload={
            "plan": plan.id,
            "cue": plan.cue,
            "action": plan.action,
            "made": local_date(plan.created_at, ctx.member.timezone).isoformat(),
        },
    )
    return True


@router.form(PLAN_FORM)
async def plan_submit(ctx: Ctx, values: Mapping[str, str]) -> list[Reply]:
    source, about, _intro = await check_source(ctx, values.get("#", ""))
    cue = _clean(values.get("cue", ""), _LEADING_CUE)
    action = _clean(values.get("action", ""), _LEADING_ACTION)
    today = local_date(ctx.now, ctx.member.timezone)
    errors: dict[str, str] = {}
    if not cue:
        errors["cue"] = ctx.t("plans.required")
    if not action:
        errors["action"] = ctx.t("plans.required")
    day: date | None = None
    raw_day = values.get("day", "")
    try:
        day = parse_day(raw_day, today=today)
    except ValueError:
        errors["day"] = ctx.t("plans.bad_day", day=text.echo(raw_day), max=MAX_DAYS)
    if errors:
        return [
            Reply(
                text="\n".join(dict.fromkeys(errors.values())),
                errors=errors,
                buttons=(make_button(ctx.pack, source, label_key="plans.try_again"),),
            )
        ]
    check_on = day or named_weekday(cue, today=today) or today + timedelta(days=DEFAULT_DAYS)
    plan = await db_plans.add_plan(
        ctx.store,
        ctx.member.id,
        source=source,
        about=about,
        cue=cue,
        action=action,
        check_on=check_on,
        now=ctx.now,
    )
    queued = await schedule_checkup(ctx, plan)
    label = day_label(ctx.pack, check_on)
    saved = ctx.t("plans.saved", line=plan_line(ctx.pack, plan), day=label)
    if not queued:
        saved = ctx.t("plans.saved_no_scheduler", line=plan_line(ctx.pack, plan), day=label)
    return [Reply(text=saved)]


def day_label(pack: Pack, day: date) -> str:
    weekday = pack.t(f"weekday_short.{WEEKDAYS[day.weekday()]}")
    return pack.t("period.daily", weekday=weekday, date=day.isoformat())


# -- the check-up and its answer --------------------------------------------------------------


async def render(services: Services, delivery: Delivery, member: Member | None) -> list[Reply]:
    """``plan:checkup``: the plan, from the payload (no database read), and three answers."""
    if member is None or delivery.kind != CHECKUP_KIND:
        raise ValueError(f"cannot render {delivery.kind!r} without a member")
    pack = services.content.pack(member.language)
    payload = dict(delivery.payload or {})
    plan_id = int(str(payload.get("plan", "0")))
    made = str(payload.get("made", ""))
    return [
        Reply(
            title=pack.t("plans.checkup_title"),
            text=pack.t("plans.checkup", made=made, line=plan_line(pack, payload)),
            buttons=tuple(
                Button(
                    pack.t(f"plans.outcome.{outcome}"),
                    action_id=OUTCOME_ACTION,
                    value=f"{plan_id}:{outcome}",
                    style="primary" if outcome == "done" else None,
                )
                for outcome in OUTCOMES
            ),
        )
    ]


@router.action(OUTCOME_ACTION)
async def outcome_action(ctx: Ctx, value: str) -> list[Reply]:
    raw_id, _, outcome = value.partition(":")
    plan_id = text.whole_number(raw_id, 1, text.MAX_ROW_ID)
    if plan_id is None or outcome not in OUTCOMES:
        raise BadInput("error.stale_action")
    plan = await db_plans.set_outcome(ctx.store, ctx.member.id, plan_id, outcome, now=ctx.now)
    if plan is None:
        raise BadInput("error.stale_action")
    line = plan_line(ctx.pack, plan)
    return [
        Reply(
            text=f"{ctx.t(f'plans.outcome_saved.{outcome}')}\n{line}",
            buttons=(make_button(ctx.pack, "own", label_key="plans.make_next"),),
        )
    ]


# -- /mentor goals plans and /mentor stats ---------------------------------------------------------


def plan_entry(pack: Pack, plan: IfThenPlan) -> str:
    """One plan as a line: what, what for, and how it went."""
    why = purpose(pack, plan)
    head = f"{plan_line(pack, plan)} ({why})" if why else plan_line(pack, plan)
    return f"{head} — {status_text(pack, plan)}"


def summary(pack: Pack, plans: Sequence[IfThenPlan]) -> str:
    counts = Counter(p.outcome or "open" for p in plans)
    return pack.t(
        "plans.summary",
        count=len(plans),
        done=counts["done"],
        partly=counts["partly"],
        missed=counts["not"],
        open=counts["open"],
    )


async def stats_section(ctx: Ctx) -> Section:
    """The if-then plans part of ``/mentor stats``."""
    plans = await db_plans.plans_of(ctx.store, ctx.member.id)
    title = ctx.t("plans.stats_title")
    if not plans:
        return Section(title=title, text=ctx.t("plans.empty"))
    latest = [plan_entry(ctx.pack, p) for p in plans[-STATS_SHOWN:]]
    return Section(title=title, text=f"{summary(ctx.pack, plans)}\n{text.bullets(latest)}")


async def plans_reply(ctx: Ctx) -> list[Reply]:
    """``/mentor goals plans``: the latest plans, what each was for and how it went.

    Plans live under ``goals`` rather than as a command of their own because Discord
    allows 25 sub-commands and they are all taken.
    """
    plans = await db_plans.plans_of(ctx.store, ctx.member.id)
    button = make_button(ctx.pack, "own")
    if not plans:
        return [Reply(title=ctx.t("plans.title"), text=ctx.t("plans.empty"), buttons=(button,))]
    lines = [plan_entry(ctx.pack, p) for p in plans[-LIST_SHOWN:]]
    return [
        Reply(
            title=ctx.t("plans.title"),
            text=summary(ctx.pack, plans),
            sections=(Section(text=text.bullets(lines)),),
            buttons=(button,),
        )
    ]
