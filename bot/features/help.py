"""``/mentor help [COMMAND]``: every command, with its one-line usage."""

from __future__ import annotations

from collections.abc import Sequence

from bot import text
from bot.context import Ctx
from bot.errors import BadInput
from bot.reply import Reply, Section
from bot.router import Router, lookup

router = Router()
#: A platform that asks a form's fields one by one (the console) sends this when the
#: member types a command instead of an answer: nothing of the form is kept.
FORM_LEFT_ACTION = "form:left"


@router.command("help", usage="usage.help", aliases=("?", "h", "tro-giup"))
async def help_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    commands = ctx.services.extras["router"].commands
    if args:
        spec = lookup(commands, args[0].lower())
        if spec is None:
            suggestion = text.nearest(args[0], commands)
            if suggestion:
                raise BadInput(
                    "error.unknown_command_suggest",
                    word=text.echo(args[0]),
                    suggestion=suggestion,
                )
            raise BadInput("error.unknown_command", word=text.echo(args[0]))
        return [
            Reply(
                title=f"/mentor {spec.name}",
                text=f"`{ctx.t(spec.usage_key)}`\n{ctx.t(f'about.{spec.name}')}",
            )
        ]
    lines = [
        f"`{ctx.t(spec.usage_key)}` — {ctx.t(f'about.{spec.name}')}"
        for spec in commands.values()
        if spec.listed
    ]
    return [
        Reply(
            title=ctx.t("help.title"),
            text=ctx.t("help.intro"),
            sections=(Section(text="\n".join(lines)), Section(text=ctx.t("help.footer"))),
        )
    ]


@router.action(FORM_LEFT_ACTION)
async def form_left(ctx: Ctx, value: str) -> list[Reply]:
    return [Reply(text=ctx.t("form.left"))]
