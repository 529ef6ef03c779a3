"""``/mentor level [LEVEL]`` and ``/mentor roadmap``: where a member stands and what is next."""

from __future__ import annotations

from collections.abc import Sequence

from bot import text
from bot.content.schema import Topic
from bot.context import Ctx
from bot.errors import BadInput, Usage
from bot.features.common import LEVEL_ALIASES, LEVEL_CHOICES, LEVELS, level_picker, resolve
from bot.grammar import Arg, words
from bot.reply import Field, Reply, Section
from bot.router import Router

router = Router()

#: ``/mentor level shape``: the T-shape page and why T beats I.
SHAPE_WORDS = ("shape", "t-shape", "t", "pi", "hinh-t", "chu-t")


def topic_section(topic: Topic) -> Section:
    body = topic.body
    if topic.bullets:
        body = f"{body}\n{text.bullets(topic.bullets)}" if body else text.bullets(topic.bullets)
    return Section(title=topic.title, text=body)


def focus_section(ctx: Ctx, focus: Topic) -> Section:
    section = topic_section(focus)
    return Section(title=section.title, text=f"{section.text}\n{ctx.t('level.shape_pointer')}")


def level_reply(ctx: Ctx, key: str) -> Reply:
    level = ctx.pack.levels.levels[key]
    t = ctx.t
    index = LEVELS.index(key)
    sections = [
        Section(title=t("level.scope"), text=level.scope),
        Section(title=t("level.skills"), text=text.bullets(level.skills)),
        Section(title=t("level.versus_below"), text=level.versus_below),
        Section(title=t("level.red_flags"), text=text.bullets(level.red_flags)),
        focus_section(ctx, level.focus),
        Section(title=t("level.projects"), text=text.bullets(level.projects)),
        Section(title=t("level.blog_ideas"), text=text.bullets(level.blog_ideas)),
        topic_section(level.timeline),
        Section(title=t("level.next_step"), text=level.next_step),
    ]
    fields = [Field(t("level.years"), level.years)]
    if index + 1 < len(LEVELS):
        fields.append(Field(t("level.next_level"), ctx.pack.levels.levels[LEVELS[index + 1]].name))
    sections.insert(0, Section(fields=tuple(fields)))
    sections.append(Section(text=t("level.footer", level=key)))
    return Reply(title=t("level.title", name=level.name), sections=tuple(sections))


def shape_reply(ctx: Ctx) -> Reply:
    """The T-shape page and I-vs-T in practice, which the focus splits build on."""
    shape = ctx.pack.levels.shape
    return Reply(
        title=ctx.t("level.shape_title"),
        sections=(topic_section(shape["t_shape"]), topic_section(shape["why"])),
        text=ctx.t("level.shape_intro"),
    )


@router.command(
    "level",
    aliases=("lvl", "cap-do"),
    args=(Arg("level", "choice", choices=LEVEL_CHOICES + words(("shape", "level.shape_title"))),),
)
async def level_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    if len(args) > 1:
        raise BadInput("error.usage", usage_line=Usage("level"))
    if args and args[0].lower() in SHAPE_WORDS:
        return [shape_reply(ctx)]
    if args:
        key = resolve(args[0], LEVEL_ALIASES, usage=Usage("level"), kind="level")
    elif ctx.member.level:
        key = ctx.member.level
    else:
        return [level_picker(ctx, action_id="level:show")]
    return [level_reply(ctx, key)]


@router.action("level:show")
async def show_level(ctx: Ctx, value: str) -> list[Reply]:
    key = resolve(value, LEVEL_ALIASES, usage=Usage("level"), kind="level")
    return [level_reply(ctx, key)]


@router.command("roadmap", args=())
async def roadmap_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    """The four phases as a path into the field (in order, never mapped to a level),
    the seed's 12-month roadmap as the seed gives it, the six takeaways and the long run."""
    if args:
        raise BadInput("error.usage", usage_line=Usage("roadmap"))
    roadmap = ctx.pack.roadmap
    sections = []
    for number, phase in enumerate(roadmap.phases, start=1):
        title = ctx.t("roadmap.phase", number=number, name=phase.name)
        body = phase.body + ("\n" + text.bullets(phase.bullets) if phase.bullets else "")
        sections.append(Section(title=title, text=body))
    year = roadmap.twelve_months
    sections.append(Section(title=year.title, text=year.intro))
    sections.extend(
        Section(title=quarter.title, text=text.bullets(quarter.bullets))
        for quarter in year.quarters
    )
    takeaways = "\n".join(
        f"{n}. *{item.title}* — {item.body}"
        + ("\n" + text.bullets(item.bullets) if item.bullets else "")
        for n, item in enumerate(roadmap.takeaways, start=1)
    )
    sections.append(Section(title=roadmap.takeaways_title, text=takeaways))
    sections.append(topic_section(roadmap.long_run))
    return [
        Reply(title=ctx.t("roadmap.title"), text=ctx.t("roadmap.intro"), sections=tuple(sections))
    ]
