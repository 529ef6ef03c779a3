"""``/mentor`` on Discord is generated from the core's grammar: every declared argument
of every command, and nothing else, is what Discord gets, in English and Vietnamese."""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import pytest

from bot.content import load_library
from bot.grammar import Arg, keyed
from bot.mentor import default_features
from bot.router import CommandSpec, merge

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord import app_commands

    from adapters.discord.commands import MentorTranslator, build_group

COMMANDS = merge(default_features()).commands
#: Discord's option types (the API's numbers), by the kind of argument.
TYPES = {"choice": 3, "text": 3, "timezone": 3, "number": 4, "flag": 5, "channel": 7}


async def payload(commands: dict[str, CommandSpec]) -> dict[str, Any]:
    """What the adapter would write to Discord, translations included."""
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)
    await tree.set_translator(MentorTranslator())

    async def run(interaction: object, text: str) -> None: ...

    group = build_group(commands, load_library(), run=run)
    tree.add_command(group)
    return await group.get_translated_payload(tree, MentorTranslator())


def shortened(text: str) -> str:
    """Discord's 100 characters: a longer text ends with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= 100 else text[:99] + "…"


def localized(node: dict[str, Any], key: str, lang: str) -> str:
    if lang == "en":
        return node[key]
    return node[f"{key}_localizations"]["vi"]


@pytest.mark.parametrize("lang", ["en", "vi"])
async def test_discord_gets_every_declared_argument(lang: str) -> None:
    pack = load_library().pack(lang)
    listed = [name for name, spec in COMMANDS.items() if spec.listed]
    subcommands = {o["name"]: o for o in (await payload(COMMANDS))["options"]}
    assert set(subcommands) == set(COMMANDS)
    for name, spec in COMMANDS.items():
        options = subcommands[name].get("options") or []
        assert [o["name"] for o in options] == [a.name for a in spec.grammar], name
        about = localized(subcommands[name], "description", lang)
        assert about == shortened(pack.t(f"about.{name}")), name
        for option, arg in zip(options, spec.grammar, strict=True):
            where = f"{lang}: {name} {arg.name}"
            assert option["type"] == TYPES[arg.kind], where
            assert localized(option, "name", lang) == pack.t(arg.name_key), where
            assert bool(option.get("required")) == arg.required, where
            assert localized(option, "description", lang) == pack.t(arg.about_key), where
            assert bool(option.get("autocomplete")) == (arg.suggest is not None), where
            if arg.kind == "number":
                assert (option["min_value"], option["max_value"]) == (arg.low, arg.high), where
            choices = option.get("choices") or []
            declared = arg.choices.labels(pack, listed) if arg.choices else []
            assert [c["value"] for c in choices] == [value for value, _ in declared], where
            assert [localized(c, "name", lang) for c in choices] == [
                label for _, label in declared
            ], where


async def test_a_new_argument_reaches_discord_without_an_adapter_edit() -> None:
    spec = COMMANDS["checkin"]
    language_arg = Arg("language", "choice", choices=keyed(("en", "vi"), "lang"), required=False)
    extended = replace(spec, args=(*spec.grammar, language_arg))
    subcommands = {
        o["name"]: o for o in (await payload({**COMMANDS, "checkin": extended}))["options"]
    }
    [_, language] = subcommands["checkin"]["options"]
    assert language["name"] == "language"
    assert [c["value"] for c in language["choices"]] == ["en", "vi"]


async def test_a_command_without_a_declaration_gets_one_free_text_option() -> None:
    spec = COMMANDS["stats"]
    undeclared = replace(spec, args=None)
    subcommands = {
        o["name"]: o for o in (await payload({**COMMANDS, "stats": undeclared}))["options"]
    }
    [details] = subcommands["stats"]["options"]
    assert details["name"] == "details" and details["type"] == 3 and "choices" not in details
