"""Every CONTENT_MAP concept is reachable by a command, in both languages.

The content test (``test_content.py``) checks that each id is *tagged* somewhere; this
one checks that a member can *read* it: for every item tagged with an id, it runs the
command that shows that item through the console renderer, and looks for every text of
the item (each title, body and bullet, markup removed) in what the member sees.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.console.adapter import render
from bot.content import LANGUAGES, content_map_ids, load_library
from bot.markup import to_plain
from bot.mentor import Mentor
from tests.conftest import Chat, make_actor

#: Fields that name an item rather than say something a member must read in place:
#: ``covers`` is metadata, ``default_sources`` are shown only until a member sets their own.
NOT_SHOWN = frozenset({"covers"})


def items_covering(node: Any, target: str, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        if target in (node.get("covers") or []):
            yield prefix, node
        for key, value in node.items():
            if key != "covers":
                yield from items_covering(value, target, f"{prefix}.{key}" if prefix else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from items_covering(value, target, f"{prefix}[{i}]")


def texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in NOT_SHOWN:
                yield from texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from texts(value)
    elif isinstance(node, str):
        yield node


def commands_for(path: str) -> list[str]:
    """The command lines that show the item at ``path`` (a path into the packs)."""
    parts = re.split(r"[.\[]", path)
    head = parts[0]
    if head == "levels":
        return ["/mentor level shape"] if parts[1] == "shape" else [f"/mentor level {parts[2]}"]
    if head == "assess":
        return [f"/mentor assess {parts[2]}"]
    if head == "guides":
        return [f"/mentor guide {parts[2]}"]
    if head == "diet":
        if parts[1] == "overload":
            return ["/mentor diet daily set a, b, c, d, e, f"]
        return [f"/mentor diet {parts[1]}"]
    if head == "pitfalls":
        return [f"/mentor pitfalls {parts[2]}"]
    if head == "tracks":
        if parts[1] == "aie_vs_mle":
            return ["/mentor track aie-vs-mle"]
        if parts[1] == "foundations":
            return ["/mentor track foundations"]
        return [f"/mentor track {parts[2]}"]
    if head == "roadmap":
        return ["/mentor roadmap"]
    raise AssertionError(f"no command known to show {path}")


def console(chat: Chat) -> str:
    return "\n".join(render(reply) for reply in chat.last)


async def run(chat: Chat, line: str) -> str:
    """The console text of a command; an assessment is answered to the end, so its
    questions and its advice are all seen."""
    await chat.say(line)
    seen = [console(chat)]
    if line.startswith("/mentor assess"):
        no = chat.last[-1].buttons[-1].label  # "Not yet": every gap, all advice
        while chat.last and chat.last[-1].buttons:
            await chat.click(no)
            seen.append(console(chat))
    return "\n".join(seen)


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_every_concept_is_shown_by_a_command(mentor: Mentor, lang: str) -> None:
    pack = load_library().pack(lang)
    chat = Chat(mentor, make_actor(user=f"reader-{lang}"))
    await chat.say(f"/mentor lang {lang}")
    outputs: dict[str, str] = {}
    missing: list[str] = []
    for concept in content_map_ids():
        found = list(items_covering(pack.raw, concept))
        assert found, f"{lang}: {concept} is covered by nothing"
        for path, item in found:
            for line in commands_for(path):
                if line not in outputs:
                    outputs[line] = squash(await run(chat, line))
            shown = " ".join(outputs[line] for line in commands_for(path))
            for piece in texts(item):
                for part in squash(to_plain(piece)).split(" • "):
                    if part and part not in shown:
                        missing.append(f"{concept} {path} ({commands_for(path)[0]}): {part[:70]}")
    assert not missing, f"{lang}: not shown by its command:\n" + "\n".join(missing)
