"""``/mentor pitfalls [PITFALL]``: the classic traps, how to spot and fix them."""

from __future__ import annotations

from collections.abc import Sequence

from bot import text
from bot.context import Ctx
from bot.errors import BadInput, UiKey
from bot.reply import Reply, Section
from bot.router import Router

router = Router()


def pitfall_aliases(ctx: Ctx) -> dict[str, str]:
    """Keys, plus each pitfall's words in both languages, so 'tutorial-hell' works."""
    aliases: dict[str, str] = {}
    for pack in ctx.services.content.packs.values():
        for key, item in pack.pitfalls.pitfalls.items():
            aliases[key] = key
            aliases[text.clean(item.name).lower().replace(" ", "-")] = key
    return aliases


def resolve_pitfall(ctx: Ctx, word: str) -> str:
    aliases = pitfall_aliases(ctx)
    key = aliases.get(word.lower())
    if key:
        return key
    suggestion = text.nearest(word, aliases)
    kind = UiKey("kind.pitfall")
    if suggestion:
        raise BadInput(
            "error.bad_value_suggest",
            kind=kind,
            word=text.echo(word),
            suggestion=aliases[suggestion],
            usage=UiKey("usage.pitfalls"),
        )
    raise BadInput(
        "error.bad_value", kind=kind, word=text.echo(word), usage=UiKey("usage.pitfalls")
    )


@router.command("pitfalls", usage="usage.pitfalls", aliases=("pitfall", "bay"))
async def pitfalls_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    items = ctx.pack.pitfalls.pitfalls
    if not args:
        lines = [f"- `{key}` *{item.name}* — {item.why}" for key, item in items.items()]
        return [
            Reply(
                title=ctx.t("pitfalls.title"),
                text="\n".join(lines),
                sections=(Section(text=ctx.t("pitfalls.footer")),),
            )
        ]
    key = resolve_pitfall(ctx, "-".join(args))
    item = items[key]
    return [
        Reply(
            title=item.name,
            text=item.why,
            sections=(
                Section(title=ctx.t("pitfalls.signs"), text=text.bullets(item.signs)),
                Section(title=ctx.t("pitfalls.fix"), text=text.bullets(item.fix)),
            ),
        )
    ]
