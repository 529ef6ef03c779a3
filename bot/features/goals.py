"""``/mentor goals`` and ``/mentor review``: quarterly goals and the monthly review.

Goals follow the seeds: each quarter, three areas, each with a number to check against:
technical (a primary goal, its projects, a metric), breadth (what to learn, a project, a
metric) and soft skills (a focus, an action, a metric). One form per area keeps every
form within Discord's five inputs. When a quarter ends in the member's time zone, the
outbox brings one question per open goal: close it, or carry it into the next quarter.

The monthly review asks the seeds' three questions (what worked, what didn't, what to
adjust); the monthly check-in carries a button to it. A review written in the first
week of a month is about the month that just ended, later ones about the current month.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot import text
from bot.context import Ctx, Scheduler, Services, TickHook
from bot.errors import BadInput, Usage
from bot.grammar import Arg, keyed, words
from bot.mentoring import (
    local_date,
    local_instant,
    month_of,
    quarter_bounds,
    quarter_of,
    shift_month,
    shift_quarter,
)
from bot.reply import Button, Choice, Form, FormField, Option, Reply, Section
from bot.router import Router
from storage import mentoring as db
from storage.models import Goal

if TYPE_CHECKING:
    from bot.content import Pack
    from storage.models import Delivery, Member

router = Router()

AREAS: tuple[str, ...] = ("technical", "breadth", "soft")
AREA_ALIASES: Mapping[str, str] = {
    "technical": "technical",
    "tech": "technical",
    "primary": "technical",
    "ky-thuat": "technical",
    "kỹ-thuật": "technical",
    "breadth": "breadth",
    "broad": "breadth",
    "rong": "breadth",
    "rộng": "breadth",
    "soft": "soft",
    "soft-skills": "soft",
    "softskills": "soft",
    "mem": "soft",
    "mềm": "soft",
    "ky-nang-mem": "soft",
}
FIELDS: tuple[str, ...] = ("goal", "plan", "metric")
#: ``goals plan`` makes an if-then plan, ``goals plans`` lists them.
PLAN_WORDS = frozenset({"plan", "ke-hoach", "kế-hoạch"})
PLANS_WORDS = frozenset({"plans", "cac-ke-hoach", "các-kế-hoạch"})
MAX_FIELD = 500
GOAL_FORM = "goals:set"
REVIEW_FORM = "review:monthly"
EDIT_ACTION = "goals:edit"
CLOSE_ACTION = "goals:close"
CARRY_ACTION = "goals:carry"
REVIEW_ACTION = "review:open"
#: The quarter-end question goes out from this local time on the quarter's first day,
#: and is not asked any more after this many days of the new quarter.
QUARTER_END_AT = time(9, 0)
QUARTER_END_DAYS = 14
#: The quarter-end hook looks at the database at most this often.
HOOK_EVERY = timedelta(minutes=15)
#: In the first days of a month a review is about the month that just ended.
REVIEW_LOOKBACK_DAYS = 7
_QUARTER = re.compile(r"\d{4}-Q[1-4]")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def today(ctx: Ctx) -> date:
    return local_date(ctx.now, ctx.member.timezone)


def resolve_area(ctx: Ctx, word: str) -> str:
    key = AREA_ALIASES.get(word.lower())
    if key:
        return key
    suggestion = text.nearest(word, AREA_ALIASES)
    if suggestion is None:  # no close area: suggesting one anyway would mislead
        raise BadInput("goals.bad_area_none", word=text.echo(word))
    raise BadInput("goals.bad_area", word=text.echo(word), suggestion=AREA_ALIASES[suggestion])


def goal_section(ctx: Ctx, area: str, goal: Goal | None) -> Section:
    title = ctx.t(f"goals.area.{area}")
    if goal is None:
        return Section(title=title, text=ctx.t("goals.unset"))
    lines = [f"*{goal.goal}*"]
    if goal.plan:
        lines.append(f"{ctx.t(f'goals.field.{area}.plan')}: {goal.plan}")
    lines.append(
        f"{ctx.t(f'goals.field.{area}.metric')}: {goal.metric}"
        if goal.metric
        else ctx.t("goals.no_metric")
    )
    if goal.status != "open":
        lines.append(ctx.t(f"goals.status.{goal.status}"))
    return Section(title=title, text="\n".join(lines))


async def goals_reply(ctx: Ctx, quarter: str) -> Reply:
    """A quarter's goals. Only this quarter and the next can be set, and only their
    footer promises the end-of-quarter check-up; a past or far-off quarter says so
    instead of offering buttons that would be refused."""
    rows = {g.area: g for g in await db.goals_of(ctx.store, ctx.member.id, quarter)}
    current = quarter_of(today(ctx))
    following = shift_quarter(current, 1)
    buttons: tuple[Button, ...] = ()
    if quarter in (current, following):
        buttons = tuple(
            Button(ctx.t(f"goals.edit.{area}"), action_id=EDIT_ACTION, value=f"{area}:{quarter}")
            for area in AREAS
        )
        # Every goal offers an if-then plan (bot/features/plans.py).
        buttons += tuple(plan_button(ctx, rows[area]) for area in AREAS if area in rows)
        footer = ctx.t("goals.footer", quarter=quarter)
    elif quarter < current:
        footer = ctx.t("goals.footer_past", quarter=quarter)
    else:
        footer = ctx.t("goals.footer_far", quarter=quarter, current=current, next=following)
    if not rows and quarter not in (current, following):
        if quarter < current:
            footer = ctx.t("goals.none_past", quarter=quarter)
        return Reply(title=ctx.t("goals.title", quarter=quarter), text=footer)
    return Reply(
        title=ctx.t("goals.title", quarter=quarter),
        text=ctx.t("goals.intro") if not rows else "",
        sections=(*(goal_section(ctx, a, rows.get(a)) for a in AREAS), Section(text=footer)),
        buttons=buttons,
    )


def goal_form(ctx: Ctx, area: str, quarter: str, goal: Goal | None) -> Form:
    fields = []
    for name in FIELDS:
        initial = (getattr(goal, name) or "") if goal is not None else ""
        fields.append(
            FormField(
                name,
                ctx.t(f"goals.field.{area}.{name}"),
                kind="textarea" if name == "plan" else "text",
                required=name == "goal",
                max_length=MAX_FIELD,
                initial=initial,
                placeholder=ctx.t(f"goals.example.{area}.{name}"),
            )
        )
    return Form(
        form_id=f"{GOAL_FORM}#{area}:{quarter}",
        title=ctx.t("goals.form_title", area=ctx.t(f"goals.area.{area}"), quarter=quarter),
        fields=tuple(fields),
        submit_label=ctx.t("goals.form_submit"),
    )


def check_quarter(ctx: Ctx, quarter: str) -> str:
    """Goals may be set for this quarter or the next one, nothing else."""
    current = quarter_of(today(ctx))
    if not _QUARTER.fullmatch(quarter) or quarter not in (current, shift_quarter(current, 1)):
        raise BadInput("error.stale_action")
    return quarter


async def open_goal_form(ctx: Ctx, area: str, quarter: str) -> list[Reply]:
    rows = {g.area: g for g in await db.goals_of(ctx.store, ctx.member.id, quarter)}
    return [
        Reply(text=ctx.t(f"goals.hint.{area}"), form=goal_form(ctx, area, quarter, rows.get(area)))
    ]


@router.command(
    "goals",
    aliases=("goal", "muc-tieu", "mục-tiêu"),
    args=(
        Arg(
            "action",
            "choice",
            choices=words(
                ("set", "choice.goals_set"),
                ("last", "choice.goals_last"),
                ("next", "choice.goals_next"),
                ("plans", "choice.goals_plans"),
                ("plan", "choice.goals_plan"),
            ),
        ),
        Arg("area", "choice", choices=keyed(AREAS, "goals.area")),
        Arg("quarter"),
    ),
)
async def goals_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    current = quarter_of(today(ctx))
    if not args:
        return [await goals_reply(ctx, current)]
    word = args[0].lower()
    if word in ("set", "edit", "dat", "đặt"):
        if len(args) == 1:
            return [
                Reply(
                    text=ctx.t("goals.pick_area"),
                    choices=(
                        Choice(
                            EDIT_ACTION,
                            ctx.t("goals.pick_area"),
                            tuple(
                                Option(ctx.t(f"goals.area.{a}"), f"{a}:{current}") for a in AREAS
                            ),
                        ),
                    ),
                )
            ]
        quarter = current
        if len(args) == 3:
            quarter = check_quarter(ctx, args[2].upper())
        elif len(args) > 3:
            raise BadInput("error.usage", usage_line=Usage("goals"))
        return await open_goal_form(ctx, resolve_area(ctx, args[1]), quarter)
    if word in PLAN_WORDS or word in PLANS_WORDS:  # if-then plans (bot/features/plans.py)
        from bot.features import plans

        if len(args) > 1:
            raise BadInput("error.usage", usage_line=Usage("goals"))
        return await (
            plans.plans_reply(ctx) if word in PLANS_WORDS else plans.open_form(ctx, "own")
        )
    if word in ("last", "previous", "truoc"):
        return [await goals_reply(ctx, shift_quarter(current, -1))]
    if word == "next":
        return [await goals_reply(ctx, shift_quarter(current, 1))]
    if _QUARTER.fullmatch(args[0].upper()):
        return [await goals_reply(ctx, args[0].upper())]
    if word in AREA_ALIASES:
        return await open_goal_form(ctx, AREA_ALIASES[word], current)
    raise BadInput("error.usage", usage_line=Usage("goals"))


def parse_area_quarter(ctx: Ctx, value: str) -> tuple[str, str]:
    area, _, quarter = value.partition(":")
    if area not in AREAS:
        raise BadInput("error.stale_action")
    return area, check_quarter(ctx, quarter)


@router.action(EDIT_ACTION)
async def edit_action(ctx: Ctx, value: str) -> list[Reply]:
    area, quarter = parse_area_quarter(ctx, value)
    return await open_goal_form(ctx, area, quarter)


@router.form(GOAL_FORM)
async def goal_submit(ctx: Ctx, values: Mapping[str, str]) -> list[Reply]:
    area, quarter = parse_area_quarter(ctx, values.get("#", ""))
    cleaned = {name: text.clean(values.get(name, ""), limit=MAX_FIELD) for name in FIELDS}
    if not cleaned["goal"]:
        message = ctx.t("goals.goal_required")
        return [
            Reply(
                text=message,
                errors={"goal": message},
                buttons=(
                    Button(
                        ctx.t(f"goals.edit.{area}"),
                        action_id=EDIT_ACTION,
                        value=f"{area}:{quarter}",
                    ),
                ),
            )
        ]
    await db.save_goal(
        ctx.store,
        ctx.member.id,
        quarter=quarter,
        area=area,
        goal=cleaned["goal"],
        plan=cleaned["plan"] or None,
        metric=cleaned["metric"] or None,
        now=ctx.now,
    )
    reply = await goals_reply(ctx, quarter)
    return [Reply(text=ctx.t("goals.saved", area=ctx.t(f"goals.area.{area}"))), reply]


def plan_button(ctx: Ctx, goal: Goal) -> Button:
    """ "Make a plan" for one goal: an if-then plan ("When …, I will …") for it."""
    from bot.features.plans import make_button

    return make_button(
        ctx.pack,
        f"goal:{goal.id}",
        label_key="plans.make_goal",
        area=ctx.t(f"goals.area.{goal.area}"),
    )


async def _settle(ctx: Ctx, value: str, *, carry: bool) -> list[Reply]:
    goal_id = text.whole_number(value, 1, text.MAX_ROW_ID)
    if goal_id is None:
        raise BadInput("error.stale_action")
    rows = await db.goals_of(ctx.store, ctx.member.id)
    goal = next((g for g in rows if g.id == goal_id), None)
    if goal is None:
        raise BadInput("error.stale_action")
    area = ctx.t(f"goals.area.{goal.area}")
    if goal.status != "open":
        return [Reply(text=ctx.t("goals.already", area=area, quarter=goal.quarter))]
    target = shift_quarter(goal.quarter, 1)
    _, copy = await db.settle_goal(
        ctx.store, ctx.member.id, goal.id, carry_to=target if carry else None, now=ctx.now
    )
    if not carry:
        return [Reply(text=ctx.t("goals.closed", area=area, quarter=goal.quarter))]
    key = "goals.carried" if copy is not None else "goals.carried_kept"
    return [Reply(text=ctx.t(key, area=area, quarter=target))]


@router.action(CLOSE_ACTION)
async def close_action(ctx: Ctx, value: str) -> list[Reply]:
    return await _settle(ctx, value, carry=False)


@router.action(CARRY_ACTION)
async def carry_action(ctx: Ctx, value: str) -> list[Reply]:
    return await _settle(ctx, value, carry=True)


# -- the monthly review -------------------------------------------------------------------


def review_period(day: date) -> str:
    """The month a review written on ``day`` is about."""
    month = month_of(day)
    return shift_month(month, -1) if day.day <= REVIEW_LOOKBACK_DAYS else month


async def review_form_reply(ctx: Ctx, period: str) -> list[Reply]:
    existing = await db.get_review(ctx.store, ctx.member.id, period)
    goals = await db.goals_of(ctx.store, ctx.member.id, quarter_of(today(ctx)))
    intro = ctx.t("review.form_intro", period=period)
    if goals:
        lines = [f"{ctx.t(f'goals.area.{g.area}')}: {g.goal}" for g in goals]
        intro += "\n" + ctx.t("review.your_goals") + "\n" + text.bullets(lines)
    fields = tuple(
        FormField(
            name,
            ctx.t(f"review.field.{name}"),
            kind="textarea",
            required=True,
            max_length=1000,
            initial=getattr(existing, name) if existing is not None else "",
        )
        for name in ("worked", "didnt", "adjust")
    )
    return [
        Reply(
            text=intro,
            form=Form(
                form_id=f"{REVIEW_FORM}#{period}",
                title=ctx.t("review.form_title", period=period),
                fields=fields,
                submit_label=ctx.t("review.form_submit"),
            ),
        )
    ]


def review_button(pack: Pack, period: str) -> Button:
    """The "monthly review" button of the monthly check-in (``bot/prompts.py``)."""
    return Button(pack.t("review.button"), action_id=REVIEW_ACTION, value=period)


def review_section(ctx: Ctx, review: Any) -> Section:
    return Section(
        title=review.period,
        text="\n".join(
            f"*{ctx.t(f'review.short.{name}')}* {getattr(review, name)}"
            for name in ("worked", "didnt", "adjust")
        ),
    )


@router.command(
    "review",
    aliases=("reviews", "nhin-lai", "nhìn-lại"),
    args=(Arg("action", "choice", choices=words(("write", "choice.review_write"))),),
)
async def review_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    period = review_period(today(ctx))
    if args and args[0].lower() in ("write", "new", "now", "viet", "viết"):
        if len(args) > 1:
            raise BadInput("error.usage", usage_line=Usage("review"))
        return await review_form_reply(ctx, period)
    if args:
        raise BadInput("error.usage", usage_line=Usage("review"))
    rows = await db.reviews_of(ctx.store, ctx.member.id)
    button = Button(ctx.t("review.write", period=period), action_id=REVIEW_ACTION, value=period)
    if not rows:
        return [Reply(title=ctx.t("review.title"), text=ctx.t("review.empty"), buttons=(button,))]
    return [
        Reply(
            title=ctx.t("review.title"),
            sections=tuple(review_section(ctx, r) for r in rows),
            buttons=(button,),
        )
    ]


@router.action(REVIEW_ACTION)
async def review_action(ctx: Ctx, value: str) -> list[Reply]:
    """From ``/mentor review`` or the monthly check-in: the value is only a hint (a
    check-in for April, sent on the 1st, reviews March), so the month is worked out
    from the member's date now."""
    return await review_form_reply(ctx, review_period(today(ctx)))


@router.form(REVIEW_FORM)
async def review_submit(ctx: Ctx, values: Mapping[str, str]) -> list[Reply]:
    period = values.get("#", "")
    if not _MONTH.fullmatch(period) or period > month_of(today(ctx)):
        raise BadInput("error.stale_action")
    answers = {n: text.clean(values.get(n, ""), limit=1000) for n in ("worked", "didnt", "adjust")}
    missing = {n: ctx.t("review.required") for n, v in answers.items() if not v}
    if missing:
        return [
            Reply(
                text=ctx.t("review.required"),
                errors=missing,
                buttons=(Button(ctx.t("review.write", period=period), REVIEW_ACTION, period),),
            )
        ]
    review = await db.save_review(ctx.store, ctx.member.id, period=period, now=ctx.now, **answers)
    return [
        Reply(text=ctx.t("review.saved", period=period), sections=(review_section(ctx, review),))
    ]


# -- the quarter's end, through the outbox -------------------------------------------------


class QuarterEnd:
    """Queues the quarter-end question for each member with open goals, once, at 09:00
    local on the first day of the next quarter (and not after ``QUARTER_END_DAYS``).

    Who is due when is read from the database at most every ``HOOK_EVERY`` and kept in
    memory, so a tick costs a dictionary scan; outside the first days of a quarter the
    tick does not even look. ``wakeup`` tells a simulated clock when the next question
    falls due, reading the current quarter's open goals too.
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        self.asked: set[tuple[int, str]] = set()
        self.due: dict[tuple[int, str], datetime] = {}
        self._loaded: tuple[datetime, bool] | None = None

    @staticmethod
    def ended_quarters(now: datetime) -> set[str]:
        """Quarters that ended less than ``QUARTER_END_DAYS`` ago somewhere on Earth
        (local clocks run from 12 hours behind UTC to 14 ahead)."""
        ended = set()
        for hours in (-12, 14):
            day = (now + timedelta(hours=hours)).date()
            first, _ = quarter_bounds(quarter_of(day))
            if (day - first).days < QUARTER_END_DAYS:
                ended.add(shift_quarter(quarter_of(day), -1))
        return ended

    async def load(self, now: datetime, *, upcoming: bool) -> None:
        if self._loaded is not None:
            at, had_upcoming = self._loaded
            if timedelta(0) <= now - at < HOOK_EVERY and (had_upcoming or not upcoming):
                return
        self._loaded = (now, upcoming)
        quarters = self.ended_quarters(now)
        if upcoming:
            quarters |= {quarter_of((now + timedelta(hours=h)).date()) for h in (-12, 14)}
        store = self.services.store
        wanted = [
            (member_id, quarter)
            for quarter in sorted(quarters)
            for member_id in await db.members_with_open_goals(store, quarter)
            if (member_id, quarter) not in self.asked
        ]
        members = await db.members_by_id(store, {m for m, _ in wanted})
        self.due = {}
        for member_id, quarter in wanted:
            member = members.get(member_id)
            if member is not None:
                first = quarter_bounds(quarter)[1] + timedelta(days=1)
                self.due[(member_id, quarter)] = local_instant(
                    first, QUARTER_END_AT, member.timezone
                )

    async def on_tick(self, scheduler: Scheduler, now: datetime) -> None:
        if not self.ended_quarters(now):
            return
        await self.load(now, upcoming=False)
        for key, due in sorted(self.due.items(), key=lambda item: item[1]):
            if due > now:
                continue
            del self.due[key]
            self.asked.add(key)
            if now - due < timedelta(days=QUARTER_END_DAYS):
                await self.ask(scheduler, *key, due=due)

    async def ask(
        self, scheduler: Scheduler, member_id: int, quarter: str, *, due: datetime
    ) -> None:
        store = self.services.store
        member = await store.get_member(member_id)
        if member is None or member.paused or member.unreachable:
            return  # like a routine's prompt: not sent while paused or unreachable
        goals = [g for g in await db.goals_of(store, member_id, quarter) if g.status == "open"]
        if goals:
            await scheduler.enqueue(
                member_id=member_id,
                workspace_id=member.workspace_id,
                kind="goals:quarter",
                period_key=quarter,
                due_at=due,
                payload={
                    "quarter": quarter,
                    "goals": [{"id": g.id, "area": g.area, "goal": g.goal} for g in goals],
                },
            )

    async def wakeup(self, now: datetime) -> datetime | None:
        await self.load(now, upcoming=True)
        return min(self.due.values(), default=None)


def tick_hook(services: Services) -> TickHook:
    """Ask about each open goal once its quarter has ended in the member's time zone."""
    quarter_end = QuarterEnd(services)
    services.wakeup_hooks.append(quarter_end.wakeup)
    return quarter_end.on_tick


async def render(services: Services, delivery: Delivery, member: Member | None) -> list[Reply]:
    """``goals:quarter``: one question per open goal of the quarter that ended."""
    if member is None or delivery.kind != "goals:quarter":
        raise ValueError(f"cannot render {delivery.kind!r} without a member")
    pack = services.content.pack(member.language)
    payload = delivery.payload or {}
    quarter = str(payload.get("quarter", delivery.period_key))
    replies = [
        Reply(
            title=pack.t("goals.quarter_end_title", quarter=quarter),
            text=pack.t("goals.quarter_end", next=shift_quarter(quarter, 1)),
        )
    ]
    for goal in payload.get("goals", []):
        area = str(goal.get("area"))
        if area not in AREAS:
            continue
        replies.append(
            Reply(
                text=f"*{pack.t(f'goals.area.{area}')}*: {goal.get('goal', '')}",
                buttons=(
                    Button(pack.t("goals.close"), action_id=CLOSE_ACTION, value=str(goal["id"])),
                    Button(
                        pack.t("goals.carry", next=shift_quarter(quarter, 1)),
                        action_id=CARRY_ACTION,
                        value=str(goal["id"]),
                        style="primary",
                    ),
                ),
            )
        )
    return replies
