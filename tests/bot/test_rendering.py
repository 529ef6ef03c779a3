"""Every command's reply, in both languages, as the console prints it: no doubled
headings, no keys glued to titles, no markup left raw, and no English words in
Vietnamese output outside the kept terms of ``docs/vietnamese.md``.

A member meets these as a transcript, so the test plays one: a new member in each
language walks through every command (and the buttons and forms that follow), and each
rendered reply is checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import pytest

from adapters.console.adapter import render
from bot.clock import SimClock
from bot.content import LANGUAGES, load_library
from bot.events import Actor
from bot.markup import to_plain
from bot.mentor import Mentor
from bot.reply import Reply
from tests.bot.vietnamese import english_words
from tests.conftest import Chat

TOPICS = tuple(load_library().pack("en").guides.topics)
PITFALLS = tuple(load_library().pack("en").pitfalls.pitfalls)

#: The walk: every command with its arguments, in an order a new member might take.
SCRIPT: tuple[str, ...] = (
    "/mentor help",
    "/mentor help goals",
    "/mentor help nonsense",
    "/mentor level",
    "/mentor set level mid",
    "/mentor level",
    "/mentor level intern",
    "/mentor level staff",
    "/mentor level shape",
    "/mentor level senoir",
    "/mentor roadmap",
    "/mentor assess",
    "/mentor assess history",
    "/mentor track",
    "/mentor set track genai",
    "/mentor track",
    "/mentor track mle",
    "/mentor track aie-vs-mle",
    "/mentor track foundations",
    "/mentor track gneai",
    "/mentor diet",
    "/mentor diet daily",
    "/mentor diet weekly",
    "/mentor diet monthly",
    "/mentor diet weekly set The Batch, TLDR AI",
    "/mentor diet weekly reset",
    "/mentor diet daily set a, b, c, d, e, f",
    "/mentor pitfalls",
    *(f"/mentor pitfalls {key}" for key in PITFALLS),
    "/mentor pitfalls mute tutorial",
    "/mentor pitfalls",
    "/mentor pitfalls unmute tutorial",
    "/mentor guide",
    *(f"/mentor guide {key}" for key in TOPICS),
    "/mentor guide nonsense",
    "/mentor profile",
    "/mentor set tz Asia/Ho_Chi_Minh",
    "/mentor schedule",
    "/mentor schedule daily 08:30",
    "/mentor schedule daily weekdays",
    "/mentor schedule weekly fri 16:00",
    "/mentor schedule monthly 1 10:00",
    "/mentor schedule off weekly",
    "/mentor schedule on weekly",
    "/mentor schedule tz Hanoi",
    "/mentor checkin",
    "/mentor checkin weekly",
    "/mentor checkin monthly",
    "/mentor stats",
    "/mentor goals",
    "/mentor goals last",
    "/mentor goals next",
    "/mentor goals 2027-Q1",
    "/mentor goals 1999-Q1",
    "/mentor goals set technical",
    "/mentor goals set tecnical",
    "/mentor review",
    "/mentor review write",
    "/mentor log",
    "/mentor log projects 1 churn API",
    "/mentor log cost 2k",
    "/mentor log latency -40%",
    "/mentor log users -5",
    "/mentor log nonsense 3",
    "/mentor stats",
    "/mentor goals plans",
    "/mentor goals plan",
    "/mentor packet",
    "/mentor packet senior",
    "/mentor pairs",
    "/mentor pairs on",
    "/mentor pairs off",
    "/mentor team",
    "/mentor team pairs every 2w",
    "/mentor team pairs off",
    "/mentor team channel #ml-team",
    "/mentor team digest",
    "/mentor team optout",
    "/mentor team optin",
    "/mentor pause",
    "/mentor resume",
    "/mentor pause until 2027-03-20",
    "/mentor resume",
    "/mentor forget",
    "/mentor nonsense",
    "hello there",
    "how do I get out of tutorial hell?",
)

#: Buttons to press after a command, by the command's position in the walk: the
#: assessment answered to the end, a check-in answered with details.
CLICKS: dict[str, tuple[int, ...]] = {
    "/mentor assess": (0, 1, 2, 0, 1, 2, 0, 0, 0, 0),
    "/mentor checkin": (0, 1),
    "/mentor forget": (1,),
}


@dataclass
class Walk:
    """What a member saw, reply by reply, labelled with the line that led to it."""

    replies: list[tuple[str, str]] = field(default_factory=list)
    #: The same replies' prose: code spans (commands, echoed input) removed, markup gone.
    prose: list[tuple[str, str]] = field(default_factory=list)

    def add(self, line: str, chat: Chat) -> None:
        # A document (the evidence packet) is a Markdown file the member downloads: its
        # markup is the format, so only the reply around it is checked.
        self.replies += [(line, render(replace(reply, document=None))) for reply in chat.last]
        self.prose += [(line, prose_of(reply)) for reply in chat.last]


def prose_of(reply: Reply) -> str:
    """What a reply says in words: the JSON of an export and code spans are not prose."""
    parts = [reply.title, reply.text]
    for section in reply.sections:
        parts += [section.title, section.text]
        parts += [f"{f.label}: {f.value}" for f in section.fields]
    parts += [b.label for b in reply.buttons]
    for choice in reply.choices:
        parts += [choice.placeholder, *(o.label for o in choice.options)]
    if reply.form:
        parts += [reply.form.title, *(f.label for f in reply.form.fields)]
    text = "\n".join(p for p in parts if p)
    return to_plain(re.sub(r"`[^`\n]+`", " ", text))


async def walk(mentor: Mentor, lang: str) -> Walk:
    actor = Actor(
        platform="console",
        workspace=f"W-{lang}",
        user="U1",
        display_name="Binh",
        is_admin=True,
        timezone="UTC",
        language=lang,
    )
    chat = Chat(mentor, actor)
    seen = Walk()
    for line in SCRIPT:
        await chat.say(line)
        seen.add(line, chat)
        for index in CLICKS.get(line, ()):
            reply = chat.last[-1] if chat.last else None
            if reply is None or not reply.buttons:
                break
            button = reply.buttons[min(index, len(reply.buttons) - 1)]
            await chat.act(button.action_id, button.value)
            seen.add(f"{line} → {button.label}", chat)
        if line == "/mentor checkin":
            await chat.submit(
                "checkin:details#daily:2027-03-01",
                {"minutes": "45", "note": "Binh: RAG eval", "share": "yes"},
            )
            seen.add("details form", chat)
    return seen


_DOUBLED = (
    re.compile(r"(?m)^(?:## )?([^\W\d_][^:\n]{2,40} \d+): \1\b"),  # Phase 1: Phase 1
    re.compile(r"(?m)^\s*(\d+\.) \1"),  # 1. 1.
)
_GLUED = re.compile(r"(?m)^[•\-] [a-z0-9_-]+ [A-ZÀ-Ỹ][a-zà-ỹ]")
_RAW = (
    re.compile(r"(?<![\w*])\*(?=\S)[^*\n]+?(?<=\S)\*(?![\w*])"),  # *bold*
    re.compile(r"`"),
    re.compile(r"(?<![\w_])_(?=\S)[^_\n]+?(?<=\S)_(?![\w_])"),  # _italic_
    re.compile(r"<https?://"),
)


def problems(text: str) -> list[str]:
    found = []
    for pattern in _DOUBLED:
        found += [f"doubled heading {m.group(0)!r}" for m in pattern.finditer(text)]
    found += [f"key glued to a title {m.group(0)!r}" for m in _GLUED.finditer(text)]
    for pattern in _RAW:
        found += [f"raw markup {m.group(0)!r}" for m in pattern.finditer(text)]
    lines = [line.strip() for line in text.splitlines()]
    title = lines[0] if lines else ""
    headings = [line[3:] for line in lines if line.startswith("## ")]
    if title and title in headings:
        found.append(f"title repeated as a heading {title!r}")
    long_lines = [line for line in lines if len(line) > 20]
    found += [
        f"line shown twice {line[:60]!r}" for line in set(long_lines) if long_lines.count(line) > 1
    ]
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_every_reply_reads_cleanly_in_the_console(mentor: Mentor, lang: str) -> None:
    seen = await walk(mentor, lang)
    assert len(seen.replies) > len(SCRIPT)
    bad = [f"{line}: {p}" for line, text in seen.replies for p in problems(text)]
    if lang == "vi":
        for line, text in seen.prose:
            bad += [f"{line}: English word {w!r}" for w in english_words(text)]
    assert not bad, "\n".join(sorted(set(bad)))


def test_the_checks_catch_what_they_name() -> None:
    assert problems("Roadmap\n## Phase 1: Phase 1: the core")
    assert problems("1. 1. Fundamentals first")
    assert problems("• tutorial Tutorial hell")
    assert problems("*4* of 4 members") and problems("use `x`") and problems("_so_ far")
    assert problems("Digest\n────\n## Digest")
    assert problems("- Ana: freeze the test set first\n- Ana: freeze the test set first")
    assert not problems("Asia/Ho_Chi_Minh · 2*3*4 · • Tutorial hell (/mentor pitfalls tutorial)")
    assert english_words("Thêm số phút (optional) và gửi to you now") == [
        "optional",
        "to",
        "you",
        "now",
    ]
    assert english_words("Deploy một model, đọc paper và so với baseline") == []


def test_sim_clock_is_the_one_the_walk_uses(clock: SimClock) -> None:
    """The walk's dates (the check-in details form names 2027-03-01) follow the fixture clock."""
    assert clock.now().date().isoformat() == "2027-03-01"
