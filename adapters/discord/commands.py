"""``/mentor`` as a Discord application-command group, built from the core's router.

The core has one grammar on every platform (``/mentor level mid``). Discord users expect
native sub-commands with typed options, so each of the core's commands becomes a
sub-command whose options are described here as data (``OPTIONS``): a choice list drawn
from the content packs, an autocomplete, a number, a channel. A sub-command only puts the
core's text back together (``command_text``) and hands it to the core, which parses and
validates it exactly as on Slack and the console. A command the core gains later appears
on Discord at the next start with one free-text option until it is described here.

Commands are written to Discord (``sync_commands``) only when their payload changed: a
hash of it is kept in the database, so a restart costs no command write.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import zoneinfo
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands

from bot.content import Library, Pack
from bot.router import CommandSpec

if TYPE_CHECKING:
    from adapters.discord.state import State

log = logging.getLogger(__name__)

GROUP_NAME = "mentor"
MAX_SUBCOMMANDS = 25
MAX_CHOICES = 25
DESCRIPTION_LIMIT = 100
CHOICE_NAME_LIMIT = 100
#: Discord's locale for the packs other than English (``bot/content/<lang>``).
LOCALES: Mapping[str, discord.Locale] = {"vi": discord.Locale.vietnamese}

Kind = Literal["text", "int", "bool", "channel"]
#: What a sub-command calls with the core's command text.
Run = Callable[[discord.Interaction[Any], str], Awaitable[None]]
Complete = Callable[[discord.Interaction[Any], str], Awaitable[list[app_commands.Choice[str]]]]


@dataclass(frozen=True, slots=True)
class Opt:
    """One option of a sub-command, in the order its value is written in the core's text.

    ``word`` is written before the value (``until`` in ``pause until 2027-01-05``); a
    ``bool`` option writes only its word when true. ``choices`` names an entry of
    ``CHOICES``; ``complete`` an autocomplete the adapter provides.
    """

    name: str
    kind: Kind = "text"
    word: str = ""
    choices: str | None = None
    complete: str | None = None
    required: bool = False
    low: int | None = None
    high: int | None = None


#: The options of each sub-command; a command missing here gets one free-text option.
OPTIONS: Mapping[str, tuple[Opt, ...]] = {
    "help": (Opt("command", choices="commands"),),
    "level": (Opt("level", choices="levels"),),
    "assess": (Opt("level", choices="assess"),),
    "track": (Opt("track", choices="tracks"),),
    "roadmap": (),
    "diet": (
        Opt("cadence", choices="cadences"),
        Opt("sources", word="set"),
        Opt("reset", kind="bool", word="reset"),
    ),
    "pitfalls": (Opt("action", choices="mute"), Opt("pitfall", choices="pitfalls")),
    "guide": (Opt("topic", choices="topics"),),
    "profile": (),
    "set": (
        Opt("setting", choices="settings", required=True),
        Opt("value", complete="setting_value", required=True),
    ),
    "lang": (Opt("language", choices="languages", required=True),),
    "pause": (Opt("until", word="until"),),
    "resume": (),
    "export": (),
    "forget": (),
    "checkin": (Opt("cadence", choices="cadences"),),
    "stats": (),
    "schedule": (
        Opt("switch", choices="switch"),
        Opt("cadence", choices="cadences"),
        Opt("days", choices="days"),
        Opt("day", kind="int", low=1, high=31),
        Opt("time"),
        Opt("timezone", word="tz", complete="timezone"),
    ),
    "goals": (Opt("action", choices="goal_actions"), Opt("area", choices="areas"), Opt("quarter")),
    "review": (Opt("action", choices="review_actions"),),
    "log": (
        Opt("metric", complete="metric", required=True),
        Opt("value", required=True),
        Opt("note"),
    ),
    "team": (
        Opt("action", choices="team_actions"),
        Opt("channel", kind="channel"),
        Opt("month"),
    ),
    "pairs": (Opt("switch", choices="switch"),),
    "packet": (Opt("level", choices="levels"),),
}
FREE_TEXT = (Opt("details"),)

Labels = list[tuple[str, str]]  # (value, label)


def _ui(*pairs: tuple[str, str]) -> Callable[[Pack], Labels]:
    return lambda pack: [(value, pack.t(key)) for value, key in pairs]


#: Choice lists, labelled in each pack's language (values are what the core reads).
CHOICES: Mapping[str, Callable[[Pack], Labels]] = {
    "levels": lambda p: [(k, v.name) for k, v in p.levels.levels.items()],
    "assess": lambda p: [
        *((k, v.name) for k, v in p.levels.levels.items()),
        ("history", p.t("discord.choice.history")),
    ],
    "tracks": lambda p: [
        *((k, v.name) for k, v in p.tracks.tracks.items()),
        ("aie-vs-mle", p.t("discord.choice.aie_vs_mle")),
        ("foundations", p.t("discord.choice.foundations")),
    ],
    "cadences": _ui(*((c, f"cadence.{c}") for c in ("daily", "weekly", "monthly"))),
    "pitfalls": lambda p: [(k, v.name) for k, v in p.pitfalls.pitfalls.items()],
    "topics": lambda p: [(k, v.title) for k, v in p.guides.topics.items()],
    "settings": _ui(*((s, f"setting.{s}") for s in ("level", "track", "lang", "tz"))),
    "languages": _ui(("en", "lang.en"), ("vi", "lang.vi")),
    "switch": _ui(("on", "discord.choice.on"), ("off", "discord.choice.off")),
    "days": _ui(
        ("weekdays", "discord.choice.weekdays"),
        ("everyday", "discord.choice.everyday"),
        *((d, f"weekday_short.{d}") for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")),
    ),
    "mute": _ui(("mute", "discord.choice.mute"), ("unmute", "discord.choice.unmute")),
    "goal_actions": _ui(
        ("set", "discord.choice.goals_set"),
        ("last", "discord.choice.goals_last"),
        ("next", "discord.choice.goals_next"),
        ("plans", "discord.choice.goals_plans"),
        ("plan", "discord.choice.goals_plan"),
    ),
    "areas": _ui(*((a, f"goals.area.{a}") for a in ("technical", "breadth", "soft"))),
    "review_actions": _ui(("write", "discord.choice.review_write")),
    "team_actions": _ui(
        ("channel", "discord.choice.team_channel"),
        ("channel off", "discord.choice.team_channel_off"),
        ("digest", "discord.choice.team_digest"),
        ("optout", "discord.choice.team_optout"),
        ("optin", "discord.choice.team_optin"),
        ("pairs", "discord.choice.team_pairs"),
        ("pairs every 2w", "discord.choice.team_pairs_2w"),
        ("pairs every 4w", "discord.choice.team_pairs_4w"),
        ("pairs off", "discord.choice.team_pairs_off"),
    ),
}


def command_text(name: str, options: Sequence[Opt], values: Mapping[str, Any]) -> str:
    """The core's command text for a sub-command and its option values."""
    parts = [name]
    for opt in options:
        value = values.get(opt.name)
        if value is None or value is False or value == "":
            continue
        if opt.kind == "bool":
            parts.append(opt.word)
            continue
        if opt.kind == "channel":
            value = f"<#{getattr(value, 'id', value)}>"
        parts += [opt.word, str(value).strip()]
    return " ".join(p for p in parts if p)


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


def _annotation(opt: Opt) -> Any:
    if opt.kind == "int":
        return app_commands.Range[int, opt.low or 0, opt.high or 2**31]
    if opt.kind == "bool":
        return bool
    if opt.kind == "channel":
        return discord.TextChannel
    return str


def _choices(
    packs: Mapping[str, Pack], source: Callable[[Pack], Labels]
) -> list[app_commands.Choice[str]] | None:
    labels = {}
    try:
        for lang, pack in packs.items():
            labels[lang] = dict(source(pack))
    except (KeyError, AttributeError):
        log.warning("choices %r are not in the content; the option stays free text", source)
        return None
    base = labels["en"]
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


def subcommand(
    spec: CommandSpec,
    options: Sequence[Opt],
    *,
    packs: Mapping[str, Pack],
    run: Run,
    completions: Mapping[str, Complete],
    choice_sources: Mapping[str, Callable[[Pack], Labels]] = CHOICES,
) -> app_commands.Command[Any, ..., None]:
    """One sub-command: typed options in, the core's text out to ``run``."""
    name = spec.name

    async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
        await run(interaction, command_text(name, options, values))

    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for opt in options:
        params.append(
            inspect.Parameter(
                opt.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(opt),
                default=inspect.Parameter.empty if opt.required else None,
            )
        )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__qualname__ = callback.__name__ = f"mentor_{name}"
    descriptions = {
        opt.name: _text(packs, f"discord.opt.{opt.name}", opt.name, DESCRIPTION_LIMIT)
        for opt in options
    }
    if descriptions:
        app_commands.describe(**descriptions)(callback)
    choices = {
        opt.name: found
        for opt in options
        if opt.choices in choice_sources and (found := _choices(packs, choice_sources[opt.choices]))
    }
    if choices:
        app_commands.choices(**choices)(callback)
    completes = {
        opt.name: completions[opt.complete]
        for opt in options
        if opt.complete and opt.complete in completions
    }
    if completes:
        app_commands.autocomplete(**completes)(callback)
    return app_commands.Command(
        name=name,
        description=_text(packs, f"about.{name}", name, DESCRIPTION_LIMIT),
        callback=callback,
    )


def build_group(
    commands: Mapping[str, CommandSpec],
    content: Library,
    *,
    run: Run,
    completions: Mapping[str, Complete],
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
    listed = [(s.name, s.name) for s in shown if s.listed]
    sources = {**CHOICES, "commands": lambda _pack: listed}
    for spec in shown:
        options = OPTIONS.get(spec.name, FREE_TEXT)
        group.add_command(
            subcommand(
                spec,
                options,
                packs=packs,
                run=run,
                completions=completions,
                choice_sources=sources,
            )
        )
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


# -- autocomplete ---------------------------------------------------------------------------


@cache
def timezones() -> tuple[str, ...]:
    """Real IANA zones, sorted (reads the zone database once: call it off the loop)."""
    from schedules.timing import is_valid_timezone

    return tuple(sorted(z for z in zoneinfo.available_timezones() if is_valid_timezone(z)))


def best_matches(typed: str, candidates: Sequence[str], *, limit: int = MAX_CHOICES) -> list[str]:
    """Candidates containing what was typed (``ho chi`` finds ``Asia/Ho_Chi_Minh``); those
    where a part starts with it first."""

    def norm(s: str) -> str:
        return s.lower().replace("_", " ").replace("-", " ")

    want = norm(typed.strip())
    if not want:
        return list(candidates[:limit])
    starts, contains = [], []
    for candidate in candidates:
        name = norm(candidate)
        if any(part.startswith(want) for part in [name, *name.split("/")]):
            starts.append(candidate)
        elif want in name:
            contains.append(candidate)
        if len(starts) >= limit:
            break
    return (starts + contains)[:limit]


def completions(content: Library) -> dict[str, Complete]:
    """The autocompletes ``OPTIONS`` names: time zones, metrics, and ``set value``
    (levels, tracks, languages or zones, by the setting chosen)."""

    async def timezone(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in best_matches(current, timezones())]

    async def metric(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        from bot.features.metrics import METRICS

        names = {key: key.replace("_", " ") for key in METRICS}
        words = {
            **{name: key for key, name in names.items()},
            **{alias: key for key, m in METRICS.items() for alias in m.aliases},
        }
        found = dict.fromkeys(words[w] for w in best_matches(current, list(words), limit=100))
        return [app_commands.Choice(name=names[k], value=k) for k in list(found)[:MAX_CHOICES]]

    async def setting_value(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        setting = getattr(interaction.namespace, "setting", None)
        if setting == "tz":
            return await timezone(interaction, current)
        lang = "vi" if str(getattr(interaction.locale, "value", "")).startswith("vi") else "en"
        pack = content.pack(lang)
        options: Labels = []
        if setting == "level":
            options = CHOICES["levels"](pack)
        elif setting == "track":
            options = [(k, v.name) for k, v in pack.tracks.tracks.items()]
        elif setting == "lang":
            options = CHOICES["languages"](pack)
        labels = dict(options)
        wanted = set(best_matches(current, [*labels, *labels.values()], limit=50))
        keys = [k for k, label in options if k in wanted or label in wanted]
        return [
            app_commands.Choice(name=_short(labels[k], CHOICE_NAME_LIMIT), value=k)
            for k in keys[:MAX_CHOICES]
        ]

    return {"timezone": timezone, "metric": metric, "setting_value": setting_value}


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
