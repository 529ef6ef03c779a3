"""``/mentor guide [TOPIC]``: the rest of the advice (learning, brand, goals, career)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Ctx
from bot.errors import Usage
from bot.features.common import resolve
from bot.features.level import topic_section
from bot.grammar import Arg, items
from bot.reply import Reply
from bot.router import Router

router = Router()


@router.command(
    "guide",
    aliases=("guides", "learn", "huong-dan"),
    args=(Arg("topic", "choice", choices=items("guides.topics", "title")),),
)
async def guide_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    topics = ctx.pack.guides.topics
    if not args:
        lines = [
            "- " + ctx.t("guide.list_line", title=topic.title, key=key)
            for key, topic in topics.items()
        ]
        return [Reply(title=ctx.t("guide.title"), text="\n".join(lines))]
    word = resolve(args[0], {key: key for key in topics}, usage=Usage("guide"), kind="topic")
    topic = topics[word]
    section = topic_section(topic)
    return [Reply(title=topic.title, text=section.text)]
