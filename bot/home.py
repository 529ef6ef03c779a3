"""The member's home page: where they stand, at a glance (Slack's App Home tab).

Platform-neutral like the rest of ``bot/``: :func:`home_view` returns a ``Reply`` that an
adapter renders wherever its platform has a home (Slack publishes it as the App Home
view). It gathers what other features own — profile, streaks, this quarter's goals, the
next three prompts — and a part that fails is logged with its traceback and left out,
so the page still renders: a home page that errors is a blank tab, which is worse than
a shorter page.

Its quick buttons run ordinary commands through :data:`RUN_ACTION`, so a click answers
exactly as typing ``/mentor checkin`` would; adapters also use that action to offer
"open the form" again when a form could not be opened in time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from bot import text
from bot.context import Ctx, Services
from bot.errors import BadInput
from bot.events import Actor, Message
from bot.reply import Button, Field, Reply, Section
from bot.router import Router, lookup

log = logging.getLogger(__name__)

router = Router()

#: Runs the command line in its value (``checkin``, ``goals technical``).
RUN_ACTION = "home:run"
#: Quick buttons, in order: (command, ui key of the label).
QUICK: tuple[tuple[str, str], ...] = (
    ("checkin", "home.quick.checkin"),
    ("goals", "home.quick.goals"),
    ("stats", "home.quick.stats"),
    ("level", "home.quick.level"),
    ("assess", "home.quick.assess"),
    ("help", "home.quick.help"),
)
UPCOMING = 3


@router.action(RUN_ACTION)
async def run_command(ctx: Ctx, value: str) -> list[Reply]:
    """A button that stands for a typed command. Only listed commands may run this way,
    and the same handler runs, so nothing here bypasses a command's own checks."""
    words = text.words(value)
    spec = lookup(ctx.services.routes.commands, words[0].lower()) if words else None
    if spec is None:
        raise BadInput("error.stale_action")
    return await spec.handler(ctx, words[1:])


def run_button(label: str, command: str) -> Button:
    return Button(label, action_id=RUN_ACTION, value=command)


async def _profile(ctx: Ctx) -> list[Section]:
    from bot.features.profile import profile_reply

    reply = profile_reply(ctx)
    first, *rest = reply.sections
    return [Section(title=ctx.t("home.profile"), fields=first.fields), *rest]


async def _streaks(ctx: Ctx) -> list[Section]:
    """The same streak sections as ``/mentor stats``: current and best per cadence."""
    from bot.features.checkin import streak_sections

    return await streak_sections(ctx)


async def _goals(ctx: Ctx) -> list[Section]:
    from bot.features import goals
    from storage import mentoring

    quarter = goals.quarter_of(goals.today(ctx))
    rows = {g.area: g for g in await mentoring.goals_of(ctx.store, ctx.member.id, quarter)}
    fields = tuple(
        Field(
            ctx.t(f"goals.area.{area}"),
            rows[area].goal if area in rows else ctx.t("goals.unset"),
        )
        for area in goals.AREAS
    )
    return [Section(title=ctx.t("home.goals", quarter=quarter), fields=fields)]


async def _upcoming(ctx: Ctx) -> list[Section]:
    from bot.features.schedule import when_text
    from schedules.routines import upcoming_for

    due = await upcoming_for(ctx.store, ctx.member, now=ctx.now, count=UPCOMING)
    if not due:
        return [Section(title=ctx.t("home.next"), text=ctx.t("home.nothing_next"))]
    lines = [
        ctx.t("schedule.next_line", when=when_text(ctx, at), cadence=ctx.t(f"cadence.{cadence}"))
        for cadence, at in due
    ]
    return [Section(title=ctx.t("home.next"), text="\n".join(lines))]


Part = Callable[[Ctx], Awaitable[list[Section]]]
PARTS: tuple[Part, ...] = (_profile, _streaks, _goals, _upcoming)


def _quick_buttons(ctx: Ctx) -> tuple[Button, ...]:
    router_ = ctx.services.routes
    if RUN_ACTION in router_.actions:
        return tuple(
            run_button(ctx.t(label), command)
            for command, label in QUICK
            if lookup(router_.commands, command) is not None
        )
    # The run action is not registered: offer what the features answer by themselves.
    buttons = []
    if ctx.member.level and "level:show" in router_.actions:
        buttons.append(Button(ctx.t("home.quick.level"), "level:show", ctx.member.level))
    if ctx.member.level and "assess:level" in router_.actions:
        buttons.append(Button(ctx.t("home.quick.assess"), "assess:level", ctx.member.level))
    return tuple(buttons)


async def home_view(services: Services, actor: Actor, *, parts: Sequence[Part] = PARTS) -> Reply:
    """The home page of ``actor`` (created on first contact, like any first event)."""
    from bot.mentor import context

    ctx = await context(services, Message(actor=actor, text=""))
    sections: list[Section] = []
    for part in parts:
        try:
            sections += await part(ctx)
        except Exception:
            log.exception("home: %s failed; left out", getattr(part, "__name__", part))
    name = ctx.member.display_name or ""
    intro = ctx.t("home.intro_named", name=text.echo(name)) if name else ctx.t("home.intro")
    if ctx.first_contact:
        intro = f"{ctx.t('welcome.first_contact')}\n\n{intro}"
    return Reply(
        title=ctx.t("home.title"),
        text=intro,
        sections=tuple(sections),
        buttons=_quick_buttons(ctx),
    )
