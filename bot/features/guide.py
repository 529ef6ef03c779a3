"""``/mentor guide [TOPIC]``: the rest of the advice (learning, brand, goals, career)."""

from __future__ import annotations

from collections.abc import Sequence

from bot import text
from bot.context import Ctx
from bot.errors import BadInput, UiKey
from bot.features.level import topic_section
from bot.reply import Reply
from bot.router import Router

router = Router()


@router.command("guide", usage="usage.guide", aliases=("guides", "learn", "huong-dan"))
async def guide_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    topics = ctx.pack.guides.topics
    if not args:
        lines = [f"- `{key}` {topic.title}" for key, topic in topics.items()]
        return [Reply(title=ctx.t("guide.title"), text="\n".join(lines))]
    word = args[0].lower()
    if word not in topics:
        suggestion = text.nearest(word, topics)
        usage = UiKey("usage.guide")
        kind = UiKey("kind.topic")
        if suggestion:
            raise BadInput(
                "error.bad_value_suggest",
                kind=kind,
                word=text.echo(word),
                suggestion=suggestion,
                usage=usage,
            )
        raise BadInput("error.bad_value", kind=kind, word=text.echo(word), usage=usage)
    topic = topics[word]
    section = topic_section(topic)
    return [Reply(title=topic.title, text=section.text)]
