"""``/mentor pitfalls [PITFALL]``: the classic traps, how to spot and fix them.

``/mentor pitfalls mute NAME`` and ``unmute NAME`` silence or restore the nudges about
one pitfall (``bot/features/nudges.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import text
from bot.context import Ctx
from bot.errors import BadInput, Usage
from bot.features.common import resolve
from bot.grammar import Arg, items, words
from bot.reply import Reply, Section
from bot.router import Router
from storage import mentoring

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
    return resolve(word, pitfall_aliases(ctx), usage=Usage("pitfalls"), kind="pitfall")


async def set_mute(ctx: Ctx, key: str, *, muted: bool) -> list[Reply]:
    """Mute or unmute the nudges about one pitfall (``bot/features/nudges.py``)."""
    changed = await mentoring.set_muted(ctx.store, ctx.member.id, key, muted=muted, now=ctx.now)
    if muted:
        message = "pitfalls.muted" if changed else "pitfalls.already_muted"
    else:
        message = "pitfalls.unmuted" if changed else "pitfalls.not_muted"
    return [Reply(text=ctx.t(message, name=ctx.pack.pitfalls.pitfalls[key].name, key=key))]


@router.command(
    "pitfalls",
    aliases=("pitfall", "bay"),
    args=(
        Arg(
            "action", "choice", choices=words(("mute", "choice.mute"), ("unmute", "choice.unmute"))
        ),
        Arg("pitfall", "choice", choices=items("pitfalls.pitfalls")),
    ),
)
async def pitfalls_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    items = ctx.pack.pitfalls.pitfalls
    if not args:
        muted = await mentoring.muted_pitfalls(ctx.store, ctx.member.id)
        lines = [
            "- "
            + ctx.t("pitfalls.list_line", name=item.name, key=key, why=item.why)
            + (f" {ctx.t('pitfalls.muted_mark')}" if key in muted else "")
            for key, item in items.items()
        ]
        return [
            Reply(
                title=ctx.t("pitfalls.title"),
                text="\n".join(lines),
                sections=(
                    Section(text=ctx.t("pitfalls.footer")),
                    Section(text=ctx.t("pitfalls.mute_hint")),
                ),
            )
        ]
    verb = args[0].lower()
    if verb in ("mute", "unmute", "tat", "bat"):
        if len(args) < 2:
            raise BadInput("error.usage", usage_line=ctx.t("usage.pitfalls_mute"))
        key = resolve_pitfall(ctx, "-".join(args[1:]))
        return await set_mute(ctx, key, muted=verb in ("mute", "tat"))
    return show_pitfall(ctx, resolve_pitfall(ctx, "-".join(args)))


@router.action("pitfalls:show")
async def show_action(ctx: Ctx, value: str) -> list[Reply]:
    if value not in ctx.pack.pitfalls.pitfalls:
        raise BadInput("error.stale_action")
    return show_pitfall(ctx, value)


@router.action("pitfalls:mute")
async def mute_action(ctx: Ctx, value: str) -> list[Reply]:
    if value not in ctx.pack.pitfalls.pitfalls:
        raise BadInput("error.stale_action")
    return await set_mute(ctx, value, muted=True)


def show_pitfall(ctx: Ctx, key: str) -> list[Reply]:
    item = ctx.pack.pitfalls.pitfalls[key]
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
