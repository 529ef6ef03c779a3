"""``/mentor level [LEVEL]`` and ``/mentor roadmap``: where a member stands and what is next."""

from __future__ import annotations

from collections.abc import Sequence

from bot import text
from bot.content.schema import Topic
from bot.context import Ctx
from bot.errors import BadInput
from bot.features.common import LEVEL_ALIASES, LEVELS, level_picker, resolve
from bot.reply import Field, Reply, Section
from bot.router import Router

router = Router()


def topic_section(topic: Topic) -> Section:
    body = topic.body
    if topic.bullets:
        body = f"{body}\n{text.bullets(topic.bullets)}" if body else text.bullets(topic.bullets)
    return Section(title=topic.title, text=body)


def level_reply(ctx: Ctx, key: str) -> Reply:
    level = ctx.pack.levels.levels[key]
    t = ctx.t
    index = LEVELS.index(key)
    sections = [
        Section(title=t("level.scope"), text=level.scope),
        Section(title=t("level.skills"), text=text.bullets(level.skills)),
        Section(title=t("level.versus_below"), text=level.versus_below),
        Section(title=t("level.red_flags"), text=text.bullets(level.red_flags)),
        topic_section(level.focus),
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


@router.command("level", usage="usage.level", aliases=("lvl", "cap-do"))
async def level_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    if len(args) > 1:
        raise BadInput("error.usage", usage_line=ctx.t("usage.level"))
    if args:
        key = resolve(args[0], LEVEL_ALIASES, usage_key="usage.level", kind="level")
    elif ctx.member.level:
        key = ctx.member.level
    else:
        return [level_picker(ctx, action_id="level:show")]
    return [level_reply(ctx, key)]


@router.action("level:show")
async def show_level(ctx: Ctx, value: str) -> list[Reply]:
    key = resolve(value, LEVEL_ALIASES, usage_key="usage.level", kind="level")
    return [level_reply(ctx, key)]


@router.command("roadmap", usage="usage.roadmap")
async def roadmap_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    if args:
        raise BadInput("error.usage", usage_line=ctx.t("usage.roadmap"))
    roadmap = ctx.pack.roadmap
    current = ctx.member.level
    sections = []
    for number, phase in enumerate(roadmap.phases, start=1):
        here = current in phase.levels
        title = ctx.t("roadmap.phase", number=number, name=phase.name)
        if here:
            title = f"{title} {ctx.t('roadmap.you_are_here')}"
        body = phase.body + ("\n" + text.bullets(phase.bullets) if phase.bullets else "")
        sections.append(Section(title=title, text=body))
    takeaways = "\n".join(
        f"{n}. *{item.title}* — {item.body}" for n, item in enumerate(roadmap.takeaways, start=1)
    )
    sections.append(Section(title=roadmap.takeaways_title, text=takeaways))
    intro = (
        ctx.t("roadmap.intro_level", level=ctx.pack.levels.levels[current].name)
        if current
        else ctx.t("roadmap.intro_no_level")
    )
    return [Reply(title=ctx.t("roadmap.title"), text=intro, sections=tuple(sections))]
