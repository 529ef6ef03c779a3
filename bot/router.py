"""How features plug into the mentor: each feature module owns a ``Router``.

A feature registers its sub-commands, button actions, form submissions and free-text
handlers here; the mentor merges the routers. Adding a feature therefore never means
editing a central ``if`` chain, and two features cannot silently claim the same name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.content import Pack
from bot.grammar import Arg, usage_line
from bot.reply import Reply

if TYPE_CHECKING:
    from bot.context import Ctx

Replies = list[Reply]
CommandHandler = Callable[["Ctx", Sequence[str]], Awaitable[Replies]]
ActionHandler = Callable[["Ctx", str], Awaitable[Replies]]
FormHandler = Callable[["Ctx", Mapping[str, str]], Awaitable[Replies]]
#: Returns None when the text is not for this feature, so the next one may take it.
MessageHandler = Callable[["Ctx", str], Awaitable[Replies | None]]


#: How every command is typed, on every platform.
PREFIX = "/mentor"

#: What a command without declared arguments takes: whatever follows its name.
FREE_TEXT: tuple[Arg, ...] = (Arg("details"),)


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    handler: CommandHandler
    aliases: tuple[str, ...] = ()
    #: Listed in ``/mentor help``; hidden ones still work.
    listed: bool = True
    #: The arguments, in the order they are written (``bot.grammar``): Discord's options
    #: and help's usage line are made from them. None: not declared, so a platform
    #: offers one free-text argument (``FREE_TEXT``) and a test asks for a declaration.
    args: tuple[Arg, ...] | None = None

    @property
    def grammar(self) -> tuple[Arg, ...]:
        """The arguments every platform offers: the declared ones, or free text."""
        return FREE_TEXT if self.args is None else self.args


@dataclass
class Router:
    commands: dict[str, CommandSpec] = field(default_factory=dict)
    actions: dict[str, ActionHandler] = field(default_factory=dict)
    forms: dict[str, FormHandler] = field(default_factory=dict)
    messages: list[MessageHandler] = field(default_factory=list)

    def command(
        self,
        name: str,
        *,
        aliases: Sequence[str] = (),
        listed: bool = True,
        args: Sequence[Arg] | None = None,
    ) -> Callable[[CommandHandler], CommandHandler]:
        declared = None if args is None else tuple(args)
        if declared is not None and len({a.name for a in declared}) != len(declared):
            raise ValueError(f"command {name!r} names an argument twice")

        def register(fn: CommandHandler) -> CommandHandler:
            self.commands[name] = CommandSpec(name, fn, tuple(aliases), listed, declared)
            return fn

        return register

    def action(self, action_id: str) -> Callable[[ActionHandler], ActionHandler]:
        def register(fn: ActionHandler) -> ActionHandler:
            self.actions[action_id] = fn
            return fn

        return register

    def form(self, form_id: str) -> Callable[[FormHandler], FormHandler]:
        def register(fn: FormHandler) -> FormHandler:
            self.forms[form_id] = fn
            return fn

        return register

    def message(self, fn: MessageHandler) -> MessageHandler:
        self.messages.append(fn)
        return fn


def merge(routers: Sequence[Router]) -> Router:
    """One router from many; a name registered twice is a bug, so it raises."""
    merged = Router()
    for router in routers:
        for table_name in ("commands", "actions", "forms"):
            table: dict[str, object] = getattr(merged, table_name)
            for key, value in getattr(router, table_name).items():
                if key in table:
                    raise ValueError(f"{table_name[:-1]} {key!r} registered twice")
                table[key] = value
        merged.messages.extend(router.messages)
    aliases: dict[str, str] = {}
    for spec in merged.commands.values():
        for alias in spec.aliases:
            if alias in merged.commands or alias in aliases:
                raise ValueError(f"alias {alias!r} clashes")
            aliases[alias] = spec.name
    return merged


def lookup(commands: Mapping[str, CommandSpec], word: str) -> CommandSpec | None:
    spec = commands.get(word)
    if spec is not None:
        return spec
    for candidate in commands.values():
        if word in candidate.aliases:
            return candidate
    return None


def listed(commands: Mapping[str, CommandSpec]) -> list[str]:
    """The names ``/mentor help`` lists, in registration order."""
    return [spec.name for spec in commands.values() if spec.listed]


def usage(commands: Mapping[str, CommandSpec], name: str, pack: Pack) -> str:
    """The usage line of command ``name``, written from its declared arguments: what help
    shows and what an error about it shows (``bot.errors.Usage``)."""
    return usage_line(PREFIX, name, commands[name].grammar, pack, listed(commands))
