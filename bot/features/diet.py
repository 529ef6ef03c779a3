"""``/mentor diet [daily|weekly|monthly]``: the information-diet routines and sources.

A member may replace a cadence's sources with their own, at most five: more is the
information-overload pitfall itself, so the bot says so instead of storing them.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import text
from bot.context import Ctx
from bot.errors import BadInput, Usage
from bot.features.common import CADENCE_ALIASES, CADENCE_CHOICES, CADENCES, resolve
from bot.features.level import topic_section
from bot.grammar import Arg
from bot.reply import Field, Reply, Section
from bot.router import Router

router = Router()

MAX_SOURCES = 5
MAX_SOURCE_CHARS = 80


def sources_for(ctx: Ctx, cadence: str) -> list[str]:
    own = (ctx.member.diet_sources or {}).get(cadence)
    return list(own) if own else list(getattr(ctx.pack.diet, cadence).default_sources)


def routine_reply(ctx: Ctx, cadence: str) -> Reply:
    routine = getattr(ctx.pack.diet, cadence)
    own = bool((ctx.member.diet_sources or {}).get(cadence))
    return Reply(
        title=routine.title,
        text=routine.intro,
        sections=(
            Section(fields=(Field(ctx.t("diet.minutes"), routine.minutes),)),
            Section(title=ctx.t("diet.steps"), text=text.bullets(routine.steps)),
            Section(
                title=ctx.t("diet.sources_own" if own else "diet.sources_default"),
                text=text.bullets(sources_for(ctx, cadence)),
            ),
            Section(text=ctx.t("diet.footer", cadence=cadence, max=MAX_SOURCES)),
        ),
    )


def overview_reply(ctx: Ctx) -> Reply:
    sections = []
    for cadence in CADENCES:
        routine = getattr(ctx.pack.diet, cadence)
        sections.append(
            Section(
                title=f"{routine.title} ({ctx.t('diet.minutes_short', minutes=routine.minutes)})",
                text=text.bullets(routine.steps[:3]),
            )
        )
    return Reply(
        title=ctx.t("diet.title"),
        sections=tuple(sections),
        text=ctx.t("diet.overview_footer"),
    )


def parse_sources(raw: str) -> list[str]:
    parts = [text.clean(p, limit=MAX_SOURCE_CHARS) for p in raw.replace(";", ",").split(",")]
    return list(dict.fromkeys(p for p in parts if p))


@router.command(
    "diet",
    aliases=("routine", "che-do"),
    args=(
        Arg("cadence", "choice", choices=CADENCE_CHOICES),
        Arg("sources", word="set"),
        Arg("reset", "flag", word="reset"),
    ),
)
async def diet_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    if not args:
        return [overview_reply(ctx)]
    cadence = resolve(args[0], CADENCE_ALIASES, usage=Usage("diet"), kind="cadence")
    rest = list(args[1:])
    if not rest:
        return [routine_reply(ctx, cadence)]
    verb = rest[0].lower()
    if verb == "reset":
        sources = dict(ctx.member.diet_sources or {})
        sources.pop(cadence, None)
        ctx.refresh(await ctx.store.update_member(ctx.member.id, diet_sources=sources))
        return [
            Reply(
                text=ctx.t("diet.reset_done", routine=getattr(ctx.pack.diet, cadence).title.lower())
            ),
            routine_reply(ctx, cadence),
        ]
    if verb == "set":
        chosen = parse_sources(" ".join(rest[1:]))
        if not chosen:
            raise BadInput("error.usage", usage_line=Usage("diet"))
        if len(chosen) > MAX_SOURCES:
            overload = ctx.pack.diet.overload
            return [
                Reply(
                    title=ctx.t("diet.too_many_title"),
                    text=ctx.t("diet.too_many", count=len(chosen), max=MAX_SOURCES),
                    sections=(topic_section(overload),),
                )
            ]
        sources = dict(ctx.member.diet_sources or {})
        sources[cadence] = chosen
        ctx.refresh(await ctx.store.update_member(ctx.member.id, diet_sources=sources))
        return [
            Reply(
                text=ctx.t(
                    "diet.set_done",
                    routine=getattr(ctx.pack.diet, cadence).title.lower(),
                    count=len(chosen),
                )
            )
        ]
    raise BadInput("error.usage", usage_line=Usage("diet"))
