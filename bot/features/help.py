"""``/mentor help [COMMAND]``: every command, with its one-line usage.

The usage lines and argument lists are written from each command's declared arguments
(``bot.grammar``), the same declaration Discord's options are built from, so help on
Slack and the console never lags behind what a command takes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot import text
from bot.content import Pack
from bot.context import Ctx
from bot.errors import BadInput
from bot.grammar import COMMANDS, Arg, slot
from bot.reply import Reply, Section
from bot.router import PREFIX, CommandSpec, Router, listed, lookup
from bot.router import usage as usage_of

router = Router()
#: A platform that asks a form's fields one by one (the console) sends this when the
#: member types a command instead of an answer: nothing of the form is kept.
FORM_LEFT_ACTION = "form:left"


def usage(spec: CommandSpec, pack: Pack, commands: Mapping[str, CommandSpec]) -> str:
    """The command's usage line, from its arguments."""
    return usage_of({**commands, spec.name: spec}, spec.name, pack)


def arg_lines(spec: CommandSpec, pack: Pack, commands: Mapping[str, CommandSpec]) -> list[str]:
    """One line per argument: how it is written and what it is, then its choices with
    their labels (``daily`` Daily · ``weekly`` Weekly)."""
    names = listed(commands)
    lines = []
    for arg in spec.grammar:
        lines.append(pack.t("help.arg", slot=slot(arg, pack, names), about=pack.t(arg.about_key)))
        if arg.choices is not None:
            lines.append("  " + pack.t("help.arg_choices", choices=_choices(arg, pack, names)))
    return lines


def _choices(arg: Arg, pack: Pack, names: Sequence[str]) -> str:
    assert arg.choices is not None
    return " · ".join(
        f"`{value}`" if label == value else f"`{value}` {label}"
        for value, label in arg.choices.labels(pack, names)
    )


@router.command(
    "help",
    aliases=("?", "h", "tro-giup"),
    args=(Arg("command", "choice", choices=COMMANDS),),
)
async def help_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    commands = ctx.services.routes.commands
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
        args = arg_lines(spec, ctx.pack, commands)
        return [
            Reply(
                title=f"{PREFIX} {spec.name}",
                text=f"`{usage(spec, ctx.pack, commands)}`\n{ctx.t(f'about.{spec.name}')}",
                sections=(Section(text="\n".join(args)),) if args else (),
            )
        ]
    lines = [
        f"`{usage(spec, ctx.pack, commands)}` — {ctx.t(f'about.{spec.name}')}"
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
