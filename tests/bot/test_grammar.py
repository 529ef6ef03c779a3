"""The grammar (``bot/grammar.py``): each command's arguments are declared once, at its
registration, and ``/mentor help`` shows exactly them, in English and Vietnamese."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot.content import LANGUAGES, Pack, load_library
from bot.features import help as help_feature
from bot.grammar import (
    INLINE_CHOICES,
    Arg,
    command_text,
    items,
    keyed,
    matching_labels,
    usage_line,
    words,
)
from bot.mentor import Mentor, default_features
from bot.router import CommandSpec, Router, merge
from tests.conftest import Chat, make_actor

COMMANDS = merge(default_features()).commands
LISTED = [name for name, spec in COMMANDS.items() if spec.listed]


def expected_slot(arg: Arg, pack: Pack) -> str:
    """How the test expects an argument in a usage line, written out independently."""
    if arg.kind == "flag":
        return arg.word
    values = arg.choices.values(pack, LISTED) if arg.choices else []
    if values and len(values) <= INLINE_CHOICES:
        shown = "|".join(values)
    elif arg.kind == "number" and arg.low is not None:
        shown = f"{arg.low}-{arg.high}"
    else:
        shown = pack.t(arg.placeholder_key)
    return f"{arg.word} {shown}".strip()


def expected_usage(spec: CommandSpec, pack: Pack) -> str:
    slots = [
        expected_slot(a, pack) if a.required else f"[{expected_slot(a, pack)}]"
        for a in spec.grammar
    ]
    return " ".join(["/mentor", spec.name, *slots])


def test_every_command_declares_its_arguments() -> None:
    undeclared = sorted(name for name, spec in COMMANDS.items() if spec.args is None)
    assert not undeclared, f"declare args= at the @router.command of {undeclared}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_argument_reads_from_the_packs(lang: str) -> None:
    """Descriptions, placeholders and choice labels exist in both packs, fit Discord's
    100 characters, and no list offers a value twice."""
    pack = load_library().pack(lang)
    for spec in COMMANDS.values():
        for arg in spec.grammar:
            where = f"{lang}: {spec.name} {arg.name}"
            assert 0 < len(pack.t(arg.about_key)) <= 100, where
            if arg.choices is None:
                if arg.kind not in ("flag", "number"):
                    assert pack.t(arg.placeholder_key), where
                continue
            labels = arg.choices.labels(pack, LISTED)
            values = [value for value, _ in labels]
            assert len(values) == len(set(values)) and 1 <= len(values) <= 25, where
            assert all(0 < len(label) <= 100 for _, label in labels), where
            if len(values) > INLINE_CHOICES:
                assert pack.t(arg.placeholder_key), where


#: Discord's rule for option names (letters of any script, digits, - and _; lowercase).
OPTION_NAME = re.compile(r"^[-_\w]{1,32}$")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_argument_is_named_in_the_packs(lang: str) -> None:
    """The names a platform shows are valid option names, distinct within a command;
    the English one is the name Discord sends back, so it is the declared one."""
    pack = load_library().pack(lang)
    for spec in COMMANDS.values():
        names = [pack.t(arg.name_key) for arg in spec.grammar]
        assert len(names) == len(set(names)), f"{lang}: {spec.name} {names}"
        for arg, name in zip(spec.grammar, names, strict=True):
            assert OPTION_NAME.match(name) and name == name.lower(), f"{lang}: {name!r}"
            if lang == "en":
                assert name == arg.name


def test_choices_come_from_the_packs_and_the_core() -> None:
    """A pack collection's entries are its choices (adding a pitfall adds a choice), and
    the core's own words are labelled by ui keys in the member's language."""
    library = load_library()
    en, vi = library.pack("en"), library.pack("vi")
    [pitfall] = [a for a in COMMANDS["pitfalls"].grammar if a.name == "pitfall"]
    assert pitfall.choices is not None
    assert pitfall.choices.values(en) == list(en.pitfalls.pitfalls)
    assert dict(pitfall.choices.labels(vi))["tutorial"] == vi.pitfalls.pitfalls["tutorial"].name
    [cadence] = COMMANDS["checkin"].grammar
    assert cadence.choices is not None
    assert cadence.choices.labels(vi) == [
        ("daily", vi.t("cadence.daily")),
        ("weekly", vi.t("cadence.weekly")),
        ("monthly", vi.t("cadence.monthly")),
    ]
    joined = items("levels.levels") + words(("shape", "level.shape_title"))
    assert joined.values(en) == ["intern", "junior", "mid", "senior", "staff", "shape"]
    assert keyed(("en", "vi"), "lang").labels(en) == [("en", "English"), ("vi", "Tiếng Việt")]


def test_a_declaration_is_checked_when_it_is_made() -> None:
    with pytest.raises(ValueError, match="choices"):
        Arg("level", "choice")
    with pytest.raises(ValueError, match="choices"):
        Arg("level", choices=keyed(("a", "b"), "x"))
    with pytest.raises(ValueError, match="word"):
        Arg("reset", "flag")
    with pytest.raises(ValueError, match="twice"):
        Router().command("x", args=(Arg("a"), Arg("a")))


def test_values_are_written_back_as_the_core_reads_them() -> None:
    grammar = COMMANDS["diet"].grammar
    assert command_text("diet", grammar, {"cadence": "weekly", "reset": True}) == (
        "diet weekly reset"
    )
    assert command_text("diet", grammar, {"sources": " arXiv, HN "}) == "diet set arXiv, HN"
    assert command_text("goals", COMMANDS["goals"].grammar, {}) == "goals"


def test_suggestions_match_values_and_labels() -> None:
    options = [("senior", "Senior Engineer"), ("staff", "Staff Engineer"), ("mid", "Mid-level")]
    assert matching_labels("sen", options) == [("senior", "Senior Engineer")]
    assert [v for v, _ in matching_labels("engineer", options)] == ["senior", "staff"]
    assert matching_labels("", options) == options


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_help_shows_every_declared_argument(mentor: Mentor, lang: str) -> None:
    """``/mentor help`` has each command's usage line made from its arguments, and
    ``/mentor help COMMAND`` each argument with its description and every choice."""
    pack = load_library().pack(lang)
    chat = Chat(mentor, make_actor(user=f"grammar-{lang}"))
    await chat.say(f"/mentor lang {lang}")
    overview = await chat.say("/mentor help")
    for name in LISTED:
        assert expected_usage(COMMANDS[name], pack) in overview, name
    for name, spec in COMMANDS.items():
        shown = await chat.say(f"/mentor help {name}")
        assert expected_usage(spec, pack) in shown, name
        for arg in spec.grammar:
            assert pack.t(arg.about_key) in shown, f"{name} {arg.name}"
            for value, label in arg.choices.labels(pack, LISTED) if arg.choices else []:
                assert f"`{value}`" in shown and label in shown, f"{name} {arg.name} {value}"


async def test_usage_lines_read_as_before_for_the_plain_commands(chat: Chat) -> None:
    out = await chat.say("/mentor help")
    for line in (
        "/mentor diet [daily|weekly|monthly] [set SOURCE, SOURCE, …] [reset]",
        "/mentor set level|track|lang|tz VALUE",
        "/mentor log METRIC N [NOTE]",
        "/mentor pause [until YYYY-MM-DD]",
        "/mentor pitfalls [mute|unmute] [PITFALL]",
    ):
        assert line in out
    await chat.say("/mentor lang vi")
    vi = await chat.say("/mentor help")
    assert "/mentor log CHỈ-SỐ N [GHI-CHÚ]" in vi and "[tz MÚI-GIỜ]" in vi


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_an_error_shows_the_usage_line_help_shows(mentor: Mentor, lang: str) -> None:
    """Errors about a command write its usage line from the same declaration."""
    pack = load_library().pack(lang)
    chat = Chat(mentor, make_actor(user=f"usage-{lang}"))
    await chat.say(f"/mentor lang {lang}")
    for line, name in (
        ("/mentor checkin yearly", "checkin"),
        ("/mentor goals set technical 2027-Q1 extra", "goals"),
        ("/mentor log papers", "log"),
        ("/mentor set level", "set"),
        ("/mentor schedule yearly", "schedule"),
    ):
        out = await chat.say(line)
        assert f"`{expected_usage(COMMANDS[name], pack)}`" in out, (line, out)


async def test_a_new_argument_appears_in_help_and_errors_without_touching_them(
    mentor: Mentor,
) -> None:
    """Declaring one more argument is all it takes: help's usage line and the usage line
    of an error about the command have it."""
    pack = load_library().pack("en")
    spec = COMMANDS["checkin"]
    extended = replace(spec, args=(*spec.grammar, Arg("note", placeholder="arg.note.placeholder")))
    assert usage_line("/mentor", "checkin", spec.grammar, pack) == (
        "/mentor checkin [daily|weekly|monthly]"
    )
    assert help_feature.usage(extended, pack, {**COMMANDS, "checkin": extended}) == (
        "/mentor checkin [daily|weekly|monthly] [NOTE]"
    )
    mentor.router.commands["checkin"] = extended
    chat = Chat(mentor, make_actor(user="new-arg"))
    assert "/mentor checkin [daily|weekly|monthly] [NOTE]" in await chat.say("/mentor help")
    assert "Use: `/mentor checkin [daily|weekly|monthly] [NOTE]`" in await chat.say(
        "/mentor checkin yearly"
    )
