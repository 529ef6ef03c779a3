"""``/mentor`` as a Discord application-command group, generated from the core's grammar.

The core has one grammar on every platform (``/mentor level mid``). Discord users expect
native sub-commands with typed options, so each of the core's commands becomes a
sub-command whose options are its declared arguments (``CommandSpec.grammar``, see
``bot/grammar.py``): a choice list, an autocomplete calling the core's suggestion
function, a number, a channel. Nothing here knows a level, a cadence or a weekday: a
sub-command only puts the core's text back together (``command_text``) and hands it to
the core, which parses and validates it exactly as on Slack and the console.

Commands are written to Discord (``sync_commands``) only when their payload changed: a
hash of it is kept in the database, so a restart costs no command write.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.content import Library, Pack, language_of_locale
from bot.grammar import Arg, command_text
from bot.router import CommandSpec

if TYPE_CHECKING:
    from adapters.discord.state import State

log = logging.getLogger(__name__)

GROUP_NAME = "mentor"
MAX_SUBCOMMANDS = 25
MAX_CHOICES = 25
DESCRIPTION_LIMIT = 100
NAME_LIMIT = 32
CHOICE_NAME_LIMIT = 100
#: Discord's locale for the packs other than English (``bot/content/<lang>``).
LOCALES: Mapping[str, discord.Locale] = {"vi": discord.Locale.vietnamese}

#: What a sub-command calls with the core's command text.
Run = Callable[[discord.Interaction[Any], str], Awaitable[None]]
Complete = Callable[[discord.Interaction[Any], str], Awaitable[list[app_commands.Choice[str]]]]


# -- building the group ---------------------------------------------------------------------


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _localised(packs: Mapping[str, Pack], get: Callable[[Pack], str], limit: int) -> Any:
    """English text carrying its translations for ``MentorTranslator``."""
    base = _short(get(packs["en"]), limit)
    extras: dict[str, str] = {}
    for lang, pack in packs.items():
        if lang != "en" and lang in LOCALES:
            try:
                extras[LOCALES[lang].value] = _short(get(pack), limit)
            except (KeyError, AttributeError):
                continue
    return app_commands.locale_str(base, **extras)


def _text(packs: Mapping[str, Pack], key: str, fallback: str, limit: int) -> Any:
    def get(pack: Pack) -> str:
        return pack.t(key) if key in pack.ui else fallback

    return _localised(packs, get, limit)


def _annotation(arg: Arg) -> Any:
    if arg.kind == "number":
        return app_commands.Range[int, arg.low or 0, arg.high or 2**31]
    if arg.kind == "flag":
        return bool
    if arg.kind == "channel":
        return discord.TextChannel
    return str


def _choices(
    packs: Mapping[str, Pack], arg: Arg, names: Sequence[str]
) -> list[app_commands.Choice[str]] | None:
    """The argument's choices, named in English with their translations."""
    assert arg.choices is not None
    labels: dict[str, dict[str, str]] = {}
    try:
        for lang, pack in packs.items():
            labels[lang] = dict(arg.choices.labels(pack, names))
    except (KeyError, AttributeError):
        log.warning("choices of %r are not in the content; the option stays free text", arg.name)
        return None
    base = labels["en"]
    if len(base) > MAX_CHOICES:
        log.warning("%r has %d choices; Discord shows %d", arg.name, len(base), MAX_CHOICES)
    choices = []
    for value in list(base)[:MAX_CHOICES]:
        extras = {
            LOCALES[lang].value: _short(named[value], CHOICE_NAME_LIMIT)
            for lang, named in labels.items()
            if lang in LOCALES and value in named
        }
        name = app_commands.locale_str(_short(base[value], CHOICE_NAME_LIMIT), **extras)
        choices.append(app_commands.Choice(name=name, value=value))
    return choices


def autocomplete(arg: Arg, content: Library) -> Complete:
    """Discord's autocomplete for an argument: the core's suggestion function, in the
    language of the member's Discord client, with the options already filled in (``set
    value`` suggests by the ``setting`` chosen)."""
    suggest = arg.suggest
    assert suggest is not None

    async def complete(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        pack = content.pack(language_of_locale(getattr(interaction, "locale", None)))
        namespace = getattr(interaction, "namespace", None)
        given = (
            {k: str(v) for k, v in vars(namespace).items() if v is not None} if namespace else {}
        )
        return [
            app_commands.Choice(name=_short(label, CHOICE_NAME_LIMIT), value=value)
            for value, label in suggest(pack, current, given)[:MAX_CHOICES]
        ]

    return complete


def warm_suggestions(commands: Mapping[str, CommandSpec], content: Library) -> None:
    """Ask every suggestion once, so what they load (the zone database) is read here,
    off the event loop, and not in a member's first autocomplete."""
    pack = content.pack("en")
    for spec in commands.values():
        for arg in spec.grammar:
            if arg.suggest is not None:
                arg.suggest(pack, "", {})


def subcommand(
    spec: CommandSpec,
    *,
    packs: Mapping[str, Pack],
    content: Library,
    run: Run,
    names: Sequence[str] = (),
) -> app_commands.Command[Any, ..., None]:
    """One sub-command: typed options in, the core's text out to ``run``. ``names`` are
    the listed commands, the choices of ``help``'s argument."""
    name = spec.name
    args = spec.grammar

    async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
        await run(interaction, command_text(name, args, values))

    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for arg in args:
        params.append(
            inspect.Parameter(
                arg.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(arg),
                default=inspect.Parameter.empty if arg.required else None,
            )
        )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__qualname__ = callback.__name__ = f"mentor_{name}"
    if args:
        names_shown = {arg.name: _text(packs, arg.name_key, arg.name, NAME_LIMIT) for arg in args}
        app_commands.rename(**names_shown)(callback)
        descriptions = {
            arg.name: _text(packs, arg.about_key, arg.name, DESCRIPTION_LIMIT) for arg in args
        }
        app_commands.describe(**descriptions)(callback)
    choices = {
        arg.name: found
        for arg in args
        if arg.choices is not None and (found := _choices(packs, arg, names))
    }
    if choices:
        app_commands.choices(**choices)(callback)
    completes = {arg.name: autocomplete(arg, content) for arg in args if arg.suggest}
    if completes:
        app_commands.autocomplete(**completes)(callback)
    return app_commands.Command(
        name=name,
        description=_text(packs, f"about.{name}", name, DESCRIPTION_LIMIT),
        callback=callback,
    )


def build_group(
    commands: Mapping[str, CommandSpec], content: Library, *, run: Run
) -> app_commands.Group:
    """``/mentor`` with one sub-command per core command (listed ones first; Discord
    allows 25). Usable in servers and in the bot's DMs; installed to servers only."""
    packs = {lang: content.pack(lang) for lang in ("en", *LOCALES)}
    group = app_commands.Group(
        name=GROUP_NAME,
        description=_text(packs, "discord.command", "Your AI/ML career mentor", DESCRIPTION_LIMIT),
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True),
        allowed_installs=app_commands.AppInstallationType(guild=True),
    )
    ordered = sorted(commands.values(), key=lambda s: not s.listed)
    if len(ordered) > MAX_SUBCOMMANDS:
        dropped = ", ".join(s.name for s in ordered[MAX_SUBCOMMANDS:])
        log.warning("Discord allows %d sub-commands; not shown: %s", MAX_SUBCOMMANDS, dropped)
    shown = ordered[:MAX_SUBCOMMANDS]
    names = [s.name for s in shown if s.listed]
    for spec in shown:
        group.add_command(subcommand(spec, packs=packs, content=content, run=run, names=names))
    return group


class MentorTranslator(app_commands.Translator):
    """Descriptions and choice names carry their translations with them
    (``locale_str(english, vi=...)``), taken from the content packs at build time."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        return string.extras.get(locale.value)


# -- sync -----------------------------------------------------------------------------------


async def command_payload(tree: app_commands.CommandTree[Any], guild: discord.Object | None) -> Any:
    """What ``tree.sync`` would send for the scope, translations included."""
    translator = tree.translator
    commands = tree.get_commands(guild=guild)
    if translator is not None:
        return [await c.get_translated_payload(tree, translator) for c in commands]
    return [c.to_dict(tree) for c in commands]


async def sync_commands(
    tree: app_commands.CommandTree[Any], state: State, *, guild_id: int | None
) -> bool:
    """Write the commands to Discord unless the same payload was written before; True
    when it wrote. ``guild_id`` (development) makes them appear at once in that server;
    global commands can take a while to reach every client."""
    guild = discord.Object(guild_id) if guild_id else None
    payload = await command_payload(tree, guild)
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    key = f"sync:{tree.client.application_id}:{guild_id or 'global'}"
    if await state.get(key) == digest:
        log.info("application commands unchanged; not synced")
        return False
    await tree.sync(guild=guild)
    await state.put(key, digest)
    log.info("application commands synced (%s)", f"guild {guild_id}" if guild_id else "global")
    return True
