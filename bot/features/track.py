"""``/mentor track [TRACK]``: what to learn and build for a role track."""

from __future__ import annotations

from collections.abc import Sequence

from bot import text
from bot.context import Ctx
from bot.errors import BadInput, Usage
from bot.features.common import TRACK_ALIASES, TRACK_CHOICES, resolve, track_picker
from bot.features.level import topic_section
from bot.grammar import Arg, words
from bot.reply import Field, Reply, Section
from bot.router import Router

router = Router()

COMPARISON_WORDS = ("aie-vs-mle", "mle-vs-aie", "compare", "vs", "transition", "so-sanh")


def track_reply(ctx: Ctx, key: str) -> Reply:
    track = ctx.pack.tracks.tracks[key]
    t = ctx.t
    sections = [
        Section(title=t("track.foundations"), text=text.bullets(track.foundations)),
        Section(title=t("track.tooling"), text=text.bullets(track.tooling)),
        Section(title=t("track.portfolio"), text=text.bullets(track.portfolio)),
    ]
    year = ctx.pack.roadmap.twelve_months
    sections.append(Section(title=year.title, text=t("track.roadmap_intro", track=track.name)))
    for base, extra in zip(year.quarters, track.roadmap, strict=True):
        adds = t("track.adds", track=track.name, theme=extra.title)
        body = f"{text.bullets(base.bullets)}\n{adds}\n{text.bullets(extra.bullets)}"
        sections.append(Section(title=base.title, text=body))
    return Reply(
        title=t("track.title", name=track.name),
        text=track.summary,
        sections=tuple(sections),
    )


def comparison_reply(ctx: Ctx) -> Reply:
    cmp = ctx.pack.tracks.aie_vs_mle
    t = ctx.t
    rows = tuple(
        Section(
            title=row.aspect,
            fields=(Field(t("track.mle_column"), row.mle), Field(t("track.aie_column"), row.aie)),
        )
        for row in cmp.rows
    )
    steps = "\n".join(f"{n}. {step}" for n, step in enumerate(cmp.transition, start=1))
    return Reply(
        title=cmp.title,
        text=cmp.intro,
        sections=(
            *rows,
            Section(title=t("track.when_mle"), text=cmp.when_mle),
            Section(title=t("track.when_aie"), text=cmp.when_aie),
            Section(title=cmp.transition_title, text=steps),
            topic_section(cmp.challenges),
        ),
    )


def foundations_reply(ctx: Ctx) -> Reply:
    found = ctx.pack.tracks.foundations
    return Reply(
        title=ctx.t("track.foundations_title"),
        sections=tuple(topic_section(found[k]) for k in found),
    )


TRACK_ARG = Arg(
    "track",
    "choice",
    choices=TRACK_CHOICES
    + words(("aie-vs-mle", "choice.aie_vs_mle"), ("foundations", "choice.foundations")),
)


@router.command("track", aliases=("tracks", "lo-trinh"), args=(TRACK_ARG,))
async def track_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    if len(args) > 1:
        raise BadInput("error.usage", usage_line=Usage("track"))
    if args and args[0].lower() in COMPARISON_WORDS:
        return [comparison_reply(ctx)]
    if args and args[0].lower() in ("foundations", "basics", "nen-tang"):
        return [foundations_reply(ctx)]
    if args:
        key = resolve(args[0], TRACK_ALIASES, usage=Usage("track"), kind="track")
    elif ctx.member.track:
        key = ctx.member.track
    else:
        return [track_picker(ctx, action_id="track:show")]
    return [track_reply(ctx, key)]


@router.action("track:show")
async def show_track(ctx: Ctx, value: str) -> list[Reply]:
    key = resolve(value, TRACK_ALIASES, usage=Usage("track"), kind="track")
    return [track_reply(ctx, key)]
