"""The grammar of ``/mentor``: the arguments of each command, declared once.

A feature declares its command's arguments where it registers the command::

    @router.command("diet", args=(Arg("cadence", "choice", choices=CADENCE_CHOICES), ...))

Every platform reads that one declaration: Discord turns it into typed sub-command
options (choice lists, autocomplete, numbers, channels), and ``/mentor help`` writes the
usage line and the argument list that Slack and the console show; an error about a
command shows the same usage line (``bot.errors.Usage``). A new argument therefore
reaches all three platforms without an adapter edit, and neither an adapter nor a content
pack restates a list of values the core already knows.

The core still parses the *text* of a command (``diet daily set arXiv, HN``) exactly as
typed on Slack and the console, so a declaration says how a value is written back into
that text (``word``, the order of the arguments), not how it is parsed. What a member
reads about an argument (its description, its placeholder, its choices' labels) comes
from the content packs, in English and Vietnamese.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bot.content import Pack

#: How a value is typed: ``choice`` is one of a closed list; ``number`` a whole number
#: (``low``..``high``); ``flag`` only writes its ``word`` when set; ``channel`` a channel
#: of the member's server; ``timezone`` an IANA zone or a city; ``text`` anything else.
Kind = Literal["choice", "text", "number", "flag", "channel", "timezone"]
#: (value the core reads, label in the pack's language).
Labels = list[tuple[str, str]]
#: Open-ended suggestions while the member types: the pack of their language, what they
#: typed so far, and the values of the other arguments already given (``set value``
#: suggests levels or zones by the ``setting`` chosen). Best first.
Suggest = Callable[[Pack, str, Mapping[str, str]], Labels]

#: More choices than this are shown as the placeholder in a usage line (and listed in
#: ``/mentor help COMMAND``), so ``/mentor help`` stays one line a command.
INLINE_CHOICES = 9


@dataclass(frozen=True, slots=True)
class Words:
    """Values written by the core itself, each labelled by a ui key."""

    pairs: tuple[tuple[str, str], ...]

    def labels(self, pack: Pack, commands: Sequence[str]) -> Labels:
        return [(value, pack.t(key)) for value, key in self.pairs]


@dataclass(frozen=True, slots=True)
class Items:
    """The entries of a content-pack collection (``levels.levels``), labelled by one of
    their fields: adding a pitfall to the packs adds it as a choice."""

    path: str
    label: str

    def labels(self, pack: Pack, commands: Sequence[str]) -> Labels:
        node: Any = pack
        for part in self.path.split("."):
            node = getattr(node, part)
        return [(key, str(getattr(item, self.label))) for key, item in node.items()]


@dataclass(frozen=True, slots=True)
class Commands:
    """The listed commands themselves (``/mentor help COMMAND``), known only once every
    feature has registered."""

    def labels(self, pack: Pack, commands: Sequence[str]) -> Labels:
        return [(name, name) for name in commands]


Part = Words | Items | Commands


@dataclass(frozen=True, slots=True)
class Choices:
    """A closed list of values, put together from parts; ``+`` joins two lists."""

    parts: tuple[Part, ...]

    def __add__(self, other: Choices) -> Choices:
        return Choices(self.parts + other.parts)

    def labels(self, pack: Pack, commands: Sequence[str] = ()) -> Labels:
        return [pair for part in self.parts for pair in part.labels(pack, commands)]

    def values(self, pack: Pack, commands: Sequence[str] = ()) -> list[str]:
        return [value for value, _ in self.labels(pack, commands)]


def words(*pairs: tuple[str, str]) -> Choices:
    """Choices the core writes: ``words(("on", "choice.on"), ...)``."""
    return Choices((Words(tuple(pairs)),))


def keyed(values: Iterable[str], prefix: str) -> Choices:
    """Choices labelled by ``prefix.value`` (``keyed(CADENCES, "cadence")``)."""
    return words(*((value, f"{prefix}.{value}") for value in values))


def items(path: str, label: str = "name") -> Choices:
    """Choices from a content-pack collection (``items("pitfalls.pitfalls")``)."""
    return Choices((Items(path, label),))


COMMANDS = Choices((Commands(),))


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument of a command, in the order its value is written in the command text.

    ``word`` is written before the value (``until`` in ``pause until 2027-01-05``); a
    ``flag`` writes only its word. ``choices`` is a closed list, ``suggest`` a core
    function offering values while the member types (the value stays free). What
    members read is in the packs: the name a platform shows (``arg.<name>.name``), the
    description (``arg.<name>``, or ``about``) and the placeholder in usage lines
    (``arg.<name>.placeholder``, or ``placeholder``).
    """

    name: str
    kind: Kind = "text"
    word: str = ""
    choices: Choices | None = None
    suggest: Suggest | None = None
    required: bool = False
    low: int | None = None
    high: int | None = None
    about: str = ""
    placeholder: str = ""

    def __post_init__(self) -> None:
        if (self.kind == "choice") != (self.choices is not None):
            raise ValueError(f"{self.name}: a choice argument, and only one, has choices")
        if self.kind == "flag" and not self.word:
            raise ValueError(f"{self.name}: a flag needs the word it writes")

    @property
    def name_key(self) -> str:
        return f"arg.{self.name}.name"

    @property
    def about_key(self) -> str:
        return self.about or f"arg.{self.name}"

    @property
    def placeholder_key(self) -> str:
        return self.placeholder or f"arg.{self.name}.placeholder"


def command_text(name: str, args: Sequence[Arg], values: Mapping[str, Any]) -> str:
    """The core's command text for a command and typed argument values (what Discord's
    options hand back); a channel is written as its mention, as members type it."""
    parts = [name]
    for arg in args:
        value = values.get(arg.name)
        if value is None or value is False or value == "":
            continue
        if arg.kind == "flag":
            parts.append(arg.word)
            continue
        if arg.kind == "channel":
            value = f"<#{getattr(value, 'id', value)}>"
        parts += [arg.word, str(value).strip()]
    return " ".join(p for p in parts if p)


def slot(arg: Arg, pack: Pack, commands: Sequence[str] = ()) -> str:
    """How an argument reads in a usage line: its choices (``daily|weekly|monthly``),
    its range (``1-31``) or its placeholder, after its word."""
    if arg.kind == "flag":
        return arg.word
    value = ""
    if arg.choices is not None:
        values = arg.choices.values(pack, commands)
        if len(values) <= INLINE_CHOICES:
            value = "|".join(values)
    elif arg.kind == "number" and arg.low is not None and arg.high is not None:
        value = f"{arg.low}-{arg.high}"
    if not value:
        value = pack.t(arg.placeholder_key)
    return f"{arg.word} {value}" if arg.word else value


def usage_line(
    prefix: str, name: str, args: Sequence[Arg], pack: Pack, commands: Sequence[str] = ()
) -> str:
    """``/mentor schedule [on|off] [daily|weekly|monthly] … [tz ZONE]``: optional
    arguments in brackets."""
    parts = [prefix, name]
    for arg in args:
        shown = slot(arg, pack, commands)
        parts.append(shown if arg.required else f"[{shown}]")
    return " ".join(parts)


def best_matches(typed: str, candidates: Sequence[str], *, limit: int = 25) -> list[str]:
    """Candidates containing what was typed (``ho chi`` finds ``Asia/Ho_Chi_Minh``); those
    where a part starts with it first. The one matching rule of every suggestion."""

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


def matching_labels(typed: str, options: Labels, *, limit: int = 25) -> Labels:
    """The options whose value or label matches what was typed, in their order."""
    labels = dict(options)
    wanted = set(best_matches(typed, [*labels, *labels.values()], limit=limit * 2))
    return [(k, label) for k, label in options if k in wanted or label in wanted][:limit]
