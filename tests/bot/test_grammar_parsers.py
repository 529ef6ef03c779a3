"""The grammar and the parsers agree: every value Discord can send back is one the core
accepts.

``bot/grammar.py`` declares each command's arguments once and Discord offers exactly
those values (choice lists, autocomplete suggestions); the core then parses the command
text Discord's adapter writes back (``command_text``) with its own code. A choice the
grammar offers but a parser does not know would be a menu item that always answers
with a usage error, so this test sends every offered value, for a member of each
language, and asserts the core neither rejects it nor fails.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from bot import zones
from bot.content import LANGUAGES, Pack, load_library
from bot.errors import MentorbotError
from bot.events import Actor, Command
from bot.grammar import Arg, command_text
from bot.mentor import Mentor, default_features
from bot.router import CommandSpec, merge

COMMANDS = merge(default_features()).commands
LISTED = [name for name, spec in COMMANDS.items() if spec.listed]

#: What a member gives with a value that is not a command on its own: a required text,
#: the pitfall ``mute`` mutes, the routine ``on`` turns on, the channel ``team channel``
#: names. ``set value`` and ``log metric`` come from their own suggestions (below).
FILLERS: Mapping[tuple[str, str], Mapping[str, Any]] = {
    ("log", ""): {"value": "2"},
    ("pitfalls", "mute"): {"pitfall": "tutorial"},
    ("pitfalls", "unmute"): {"pitfall": "tutorial"},
    ("schedule", "on"): {"cadence": "weekly"},
    ("schedule", "off"): {"cadence": "weekly"},
    ("team", "channel"): {"channel": "123456789012345678"},
}

#: Every option of a command given at once, as Discord writes them back in their
#: declared order (``on weekly fri 16:00 tz …``), not only the one a case varies.
FULL: list[tuple[str, dict[str, Any]]] = [
    ("schedule", {"switch": "on", "cadence": "weekly", "days": "fri", "time": "16:00"}),
    ("schedule", {"cadence": "daily", "days": "weekdays", "time": "07:15", "timezone": "UTC"}),
    ("schedule", {"cadence": "monthly", "day": 15, "time": "09:00", "timezone": "Asia/Tokyo"}),
    ("schedule", {"switch": "off", "cadence": "daily", "timezone": "Europe/Berlin"}),
    ("schedule", {"days": "fri", "time": "16:00"}),
    ("schedule", {"timezone": "Asia/Ho_Chi_Minh"}),
    ("diet", {"cadence": "weekly", "sources": "arXiv, HN"}),
    ("goals", {"action": "set", "area": "technical", "quarter": "2027-Q1"}),
    ("pause", {"until": "2027-12-31"}),
    ("log", {"metric": "papers", "value": "3", "note": "attention papers"}),
]


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Parsing does not depend on the store: SQLite keeps this fast."""
    return request.param


def offered(spec: CommandSpec, arg: Arg, pack: Pack, given: Mapping[str, str]) -> list[str]:
    """The values Discord can send back for ``arg``: its choices, or the suggestions its
    autocomplete offers before anything is typed."""
    if arg.choices is not None:
        return arg.choices.values(pack, LISTED)
    if arg.suggest is not None:
        return [value for value, _ in arg.suggest(pack, "", given)]
    return []


def contexts(spec: CommandSpec, arg: Arg, pack: Pack) -> list[dict[str, str]]:
    """What may already be chosen when ``arg`` is suggested: each value of the command's
    required choices before it (``set value`` suggests by the ``setting``)."""
    if arg.suggest is None:
        return [{}]
    found: list[dict[str, str]] = [{}]
    for other in spec.grammar[: spec.grammar.index(arg)]:
        if other.required and other.choices is not None:
            values = other.choices.values(pack, LISTED)
            found = [{**given, other.name: value} for given in found for value in values]
    return found


def cases(pack: Pack) -> Iterator[tuple[str, dict[str, Any]]]:
    """(command, option values) for every offered value of every argument, the other
    required arguments filled with an offered value (``set level`` gets a level)."""
    for name, spec in COMMANDS.items():
        for arg in spec.grammar:
            if arg.choices is None and arg.suggest is None:
                continue
            offers = [
                (chosen, value)
                for chosen in contexts(spec, arg, pack)
                for value in offered(spec, arg, pack, chosen)
            ]
            for given, value in offers:
                values: dict[str, Any] = {
                    **FILLERS.get((name, ""), {}),
                    **FILLERS.get((name, value), {}),
                    **given,
                    arg.name: value,
                }
                for other in spec.grammar:
                    if other.required and other.name not in values:
                        given = {k: str(v) for k, v in values.items()}
                        values[other.name] = offered(spec, other, pack, given)[0]
                yield name, values
        if not spec.grammar:
            yield name, {}
    yield from FULL


def test_every_argument_with_a_list_is_covered() -> None:
    """Each choice list and suggestion offers something, so ``cases`` sends each one."""
    pack = load_library().pack("en")
    for spec in COMMANDS.values():
        for arg in spec.grammar:
            if arg.choices is not None or arg.suggest is not None:
                given = {"setting": "level"} if spec.name == "set" else {}
                assert offered(spec, arg, pack, given), f"{spec.name} {arg.name}"


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_every_offered_value_is_accepted(mentor: Mentor, lang: str) -> None:
    """Each value, written back as Discord's adapter writes it, reaches its command
    without a usage error or a failure, for a new member of each language (a fresh
    member a case, so one case's effect, ``pause``, does not answer for the next)."""
    pack = load_library().pack(lang)
    rejected: list[str] = []
    render = mentor.render_error

    def record(language: str | None, exc: MentorbotError) -> str:
        rejected.append(f"{line!r}: {exc.key} {exc.values}")
        return render(language, exc)

    mentor.render_error = record  # type: ignore[method-assign]
    internal = pack.t("error.internal")
    seen = 0
    for seen, (name, values) in enumerate(cases(pack), start=1):
        line = command_text(name, COMMANDS[name].grammar, values)
        actor = Actor(
            platform="discord", workspace="G1", user=f"{lang}-{seen}", is_admin=True, language=lang
        )
        replies = await mentor.handle(Command(actor=actor, text=line, channel="C1"))
        if any(reply.text == internal for reply in replies):
            rejected.append(f"{line!r}: internal error")
    assert seen > 100
    assert not rejected, "\n".join(rejected)


def test_every_offered_zone_resolves() -> None:
    """Autocomplete offers any zone of the database (25 at a time, by what was typed):
    each one is a zone ``tz`` accepts."""
    unresolved = [z for z in zones.zone_names() if not isinstance(zones.resolve(z), zones.Resolved)]
    assert not unresolved
