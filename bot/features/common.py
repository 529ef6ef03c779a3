"""Vocabulary every feature shares: levels, tracks, cadences, and how to read them."""

from __future__ import annotations

from collections.abc import Mapping

from bot import text
from bot.context import Ctx
from bot.errors import BadInput, UiKey, Usage
from bot.grammar import items, keyed, words
from bot.reply import Choice, Option, Reply

LEVELS: tuple[str, ...] = ("intern", "junior", "mid", "senior", "staff")
TRACKS: tuple[str, ...] = ("mle", "ds", "genai", "mlops", "research")
CADENCES: tuple[str, ...] = ("daily", "weekly", "monthly")
LANGUAGES: tuple[str, ...] = ("en", "vi")

#: The same vocabulary as argument choices (``bot.grammar``): what Discord offers and
#: what help lists.
LEVEL_CHOICES = items("levels.levels")
TRACK_CHOICES = items("tracks.tracks")
CADENCE_CHOICES = keyed(CADENCES, "cadence")
LANGUAGE_CHOICES = keyed(LANGUAGES, "lang")
SWITCH_CHOICES = words(("on", "choice.on"), ("off", "choice.off"))

LEVEL_ALIASES: Mapping[str, str] = {
    "intern": "intern",
    "newgrad": "intern",
    "new-grad": "intern",
    "graduate": "intern",
    "junior": "junior",
    "jr": "junior",
    "mid": "mid",
    "mid-level": "mid",
    "midlevel": "mid",
    "intermediate": "mid",
    "senior": "senior",
    "sr": "senior",
    "staff": "staff",
    "principal": "staff",
    "staff+": "staff",
}

TRACK_ALIASES: Mapping[str, str] = {
    "mle": "mle",
    "ml": "mle",
    "ml-engineer": "mle",
    "mlengineer": "mle",
    "ds": "ds",
    "data-scientist": "ds",
    "datascience": "ds",
    "data-science": "ds",
    "genai": "genai",
    "llm": "genai",
    "gen-ai": "genai",
    "ai-engineer": "genai",
    "aie": "genai",
    "mlops": "mlops",
    "platform": "mlops",
    "ops": "mlops",
    "research": "research",
    "researcher": "research",
}

CADENCE_ALIASES: Mapping[str, str] = {
    "daily": "daily",
    "day": "daily",
    "weekly": "weekly",
    "week": "weekly",
    "monthly": "monthly",
    "month": "monthly",
}


def resolve(word: str, aliases: Mapping[str, str], *, usage: Usage | UiKey, kind: str) -> str:
    """Map a typed word to its canonical key, or raise with a 'did you mean' and the
    usage line (a command's, ``Usage``, or a sub-case's ui key)."""
    key = aliases.get(word.lower().strip(".,!?"))
    if key is not None:
        return key
    suggestion = text.nearest(word, aliases)
    if suggestion is not None:
        raise BadInput(
            "error.bad_value_suggest",
            kind=UiKey(f"kind.{kind}"),
            word=text.echo(word),
            suggestion=aliases[suggestion],
            usage=usage,
        )
    raise BadInput("error.bad_value", kind=UiKey(f"kind.{kind}"), word=text.echo(word), usage=usage)


def picker(ctx: Ctx, prefix: str, names: Mapping[str, str], *, action_id: str) -> Reply:
    """Ask for a value with a choice (``<prefix>.pick`` and ``<prefix>.pick_placeholder``),
    for members who have not told us yet."""
    return Reply(
        text=ctx.t(f"{prefix}.pick"),
        choices=(
            Choice(
                action_id=action_id,
                placeholder=ctx.t(f"{prefix}.pick_placeholder"),
                options=tuple(Option(name, key) for key, name in names.items()),
            ),
        ),
    )


def level_picker(ctx: Ctx, *, action_id: str = "set:level") -> Reply:
    names = {k: ctx.pack.levels.levels[k].name for k in LEVELS}
    return picker(ctx, "level", names, action_id=action_id)


def track_picker(ctx: Ctx, *, action_id: str = "set:track") -> Reply:
    names = {k: ctx.pack.tracks.tracks[k].name for k in TRACKS}
    return picker(ctx, "track", names, action_id=action_id)
