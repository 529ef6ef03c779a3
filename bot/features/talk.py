"""Free text: a check-in answered in a sentence, or a question answered from the content.

The mentor asks every feature's message handler in turn; this one is registered last,
so it sees what no other feature took. A message is read as the answer to the member's
open check-in when there is one and the sentence names an activity without asking
anything (``bot/talk/checkin_text.py``); everything else is a question, answered from
the local index of the content packs (``bot/talk/index.py``), or by the optional
language model from the passages found there (``bot/talk/llm.py``).

A check-in is *open* when the latest prompt that reached the member in the last day is
not answered for its period, or when the member asked for one with ``/mentor checkin``
within the hour (remembered in the database, so a restart or another worker knows).
The answer is saved at once (once: the row is unique per period, and a second sentence
for the same period saves nothing) and the reply says what was understood, with one
tap to correct it.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

from bot import text
from bot.context import Ctx, Services
from bot.features.checkin import (
    MAX_MINUTES,
    MAX_NOTE_CHARS,
    activities_text,
    details_button,
    parse_state,
    parse_value,
    streak_for,
)
from bot.prompts import ACTIVITIES, CADENCES, answer_value, period_label
from bot.reply import Button, Choice, Option, Reply, Section
from bot.router import Router, lookup
from bot.talk.checkin_text import (
    Understood,
    is_question,
    is_small_talk,
    minutes_in,
    read_answer,
)
from bot.talk.index import ContentIndex, Hit, Passage, index_for
from storage import checkins as db
from storage.models import CheckIn
from storage.talk import checkin_in_view as open_checkin
from storage.talk import remember_asked_checkin

router = Router()

SHOW_ACTION = "talk:show"
FIX_ACTION = "talk:fix"
UNDO_ACTION = "talk:undo"
#: A prompt sent longer ago than this no longer takes a sentence as its answer.
OPEN_FOR = timedelta(hours=24)
#: ``/mentor checkin`` opens the check-in it shows for this long.
ASKED_FOR = timedelta(hours=1)
#: An answer is shortened to about this many characters, at a line or sentence end.
ANSWER_CHARS = 700
BUTTON_HEADING_CHARS = 60
_SENTENCE_END = re.compile(r"[.!?…](?=\s)")


# -- what is open ---------------------------------------------------------------------------


async def remember_asked(ctx: Ctx, cadence: str, period: str) -> None:
    """Called by ``/mentor checkin``: the check-in it shows is open for a sentence for
    ``ASKED_FOR``. Kept in the database (``storage/talk.py``), so a restart or another
    worker taking the next message still reads it as the answer."""
    await remember_asked_checkin(
        ctx.store, ctx.member.id, cadence, period, now=ctx.now, until=ctx.now + ASKED_FOR
    )


async def checkin_in_view(ctx: Ctx) -> tuple[str, str] | None:
    """(cadence, period) of the check-in a sentence would answer: the one just asked for,
    else the latest prompt's that reached the member within ``OPEN_FOR``."""
    found = await open_checkin(
        ctx.store, ctx.member.id, now=ctx.now, prompts_since=ctx.now - OPEN_FOR
    )
    if found is None:
        return None
    kind, period = found
    cadence = kind.split(":", 1)[1]
    return (cadence, period) if cadence in CADENCES else None


# -- saving -------------------------------------------------------------------------------


async def save_understood(
    ctx: Ctx, cadence: str, period: str, understood: Understood
) -> CheckIn | None:
    """Insert the period's check-in; None when it already exists (nothing saved twice:
    the unique key decides, so two sentences sent at once cannot both land)."""
    minutes = understood.minutes
    if minutes is not None and not 1 <= minutes <= MAX_MINUTES[cadence]:
        minutes = None
    note = text.clean(understood.note or "", limit=MAX_NOTE_CHARS) or None
    if "skipped" in understood.activities:
        minutes = None
    return await db.add_checkin_once(
        ctx.store,
        ctx.member.id,
        cadence,
        period,
        activities=understood.activities,
        minutes=minutes,
        note=note,
        now=ctx.now,
    )


def fix_controls(ctx: Ctx, cadence: str, period: str) -> tuple[tuple[Choice], tuple[Button, ...]]:
    """One tap to correct: what was done, the minutes and note, or undo."""
    choice = Choice(
        action_id=FIX_ACTION,
        placeholder=ctx.t("talk.fix_placeholder"),
        options=tuple(
            Option(ctx.t(f"checkin.activity.{a}"), answer_value(cadence, period, a))
            for a in ACTIVITIES
        ),
    )
    buttons = (
        details_button(ctx, cadence, period),
        Button(ctx.t("talk.undo_button"), action_id=UNDO_ACTION, value=f"{cadence}:{period}"),
    )
    return (choice,), buttons


async def answer_checkin(
    ctx: Ctx, cadence: str, period: str, understood: Understood
) -> list[Reply]:
    label = period_label(ctx.pack, cadence, period)
    row = await save_understood(ctx, cadence, period, understood)
    choices, buttons = fix_controls(ctx, cadence, period)
    if row is None:
        existing = await db.get_checkin(ctx.store, ctx.member.id, cadence, period)
        saved = activities_text(ctx, existing.activities if existing else ())
        return [
            Reply(
                text=ctx.t("talk.already", period=label, activities=saved),
                choices=choices,
                buttons=buttons,
            )
        ]
    details = ""
    if row.minutes:
        details += ctx.t("talk.minutes_part", minutes=row.minutes)
    if row.note:
        details += ctx.t("talk.note_part", note=quoted(row.note))
    saved = ctx.t(
        "talk.saved", period=label, activities=activities_text(ctx, row.activities), details=details
    )
    found = await streak_for(ctx, cadence)
    streak = ctx.t(f"checkin.streak.{cadence}", count=found.current)
    return [
        Reply(
            text=f"{saved}\n{streak}\n{ctx.t('talk.fix_hint')}",
            choices=choices,
            buttons=buttons,
        )
    ]


def quoted(note: str, limit: int = 200) -> str:
    """A member's note safe to quote inside markup: no marks that would open a span."""
    safe = re.sub(r"[`<>|*_~]", "", note)
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


@router.action(FIX_ACTION)
async def fix_action(ctx: Ctx, value: str) -> list[Reply]:
    """Replace what a sentence was read as with the activity picked."""
    head, _, extra = value.rpartition(":") if value.count(":") == 3 else (value, "", "")
    cadence, period, activity = parse_value(ctx, head, ACTIVITIES)
    minutes = text.whole_number(extra, 1, MAX_MINUTES[cadence])
    label = period_label(ctx.pack, cadence, period)
    await db.replace_activity(
        ctx.store, ctx.member.id, cadence, period, activity, minutes=minutes, now=ctx.now
    )
    return [
        Reply(
            text=ctx.t("talk.fixed", period=label, activities=activities_text(ctx, [activity])),
            buttons=(details_button(ctx, cadence, period),),
        )
    ]


@router.action(UNDO_ACTION)
async def undo_action(ctx: Ctx, value: str) -> list[Reply]:
    cadence, period = parse_state(ctx, value)
    label = period_label(ctx.pack, cadence, period)
    undone = await db.delete_checkin(ctx.store, ctx.member.id, cadence, period)
    key = "talk.undone" if undone else "talk.nothing_to_undo"
    return [Reply(text=ctx.t(key, period=label))]


# -- questions ------------------------------------------------------------------------------


def shorten(body: str, limit: int = ANSWER_CHARS) -> str:
    """A passage cut to about ``limit`` characters: whole lines while they fit, else the
    first line to its last full sentence (or word), with an ellipsis."""
    if len(body) <= limit:
        return body
    kept: list[str] = []
    size = 0
    for line in body.splitlines():
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    if kept:
        return "\n".join(kept) + "\n…"
    first = body.splitlines()[0][:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(first)]
    cut = first[: ends[-1]] if ends else first.rsplit(" ", 1)[0] + "…"
    return _balanced(cut)


def _balanced(line: str) -> str:
    """Drop a markup mark left open by a cut (``*bold`` without its closing ``*``)."""
    for mark in ("*", "_", "`"):
        if line.count(mark) % 2:
            index = line.rfind(mark)
            line = line[:index] + line[index + 1 :]
    return line


def short_heading(heading: str) -> str:
    plain = heading.replace("*", "").replace("_", "").replace("`", "")
    if len(plain) <= BUTTON_HEADING_CHARS:
        return plain
    return plain[: BUTTON_HEADING_CHARS - 1].rsplit(" ", 1)[0] + "…"


def passage_reply(ctx: Ctx, passage: Passage, others: list[Passage]) -> Reply:
    """The best passage, shortened, the command for its page, and the other candidates."""
    sections = []
    if passage.command:
        sections.append(Section(text=ctx.t("talk.whole_page", command=passage.command)))
    buttons = tuple(
        Button(
            ctx.t("talk.more_button", heading=short_heading(other.heading)),
            action_id=SHOW_ACTION,
            value=other.id,
        )
        for other in others
    )
    if buttons:
        sections.append(Section(text=ctx.t("talk.also")))
    return Reply(
        title=passage.heading, text=shorten(passage.text), sections=tuple(sections), buttons=buttons
    )


def content_index(services: Services) -> ContentIndex:
    """The index of the packs this process serves, built once."""
    return index_for(services.content)


async def answer_question(ctx: Ctx, question: str) -> list[Reply]:
    hits: list[Hit] = content_index(ctx.services).search(ctx.lang, question, limit=3)
    if not hits:
        return [Reply(text=ctx.t("talk.no_answer"))]
    best, others = hits[0].passage, [h.passage for h in hits[1:]]
    retrieved = passage_reply(ctx, best, others)
    writer = ctx.services.answer_writer
    if writer is not None:
        written = await writer.write(ctx, question, [h.passage for h in hits])
        if written is not None:
            return [dataclasses.replace(written, title=best.heading, buttons=retrieved.buttons)]
    return [retrieved]


@router.action(SHOW_ACTION)
async def show_action(ctx: Ctx, value: str) -> list[Reply]:
    passage = content_index(ctx.services).passage(ctx.lang, value)
    if passage is None:
        return [Reply(text=ctx.t("error.stale_action"))]
    return [passage_reply(ctx, passage, [])]


# -- the handler ----------------------------------------------------------------------------


@router.message
async def on_text(ctx: Ctx, message: str) -> list[Reply] | None:
    """A check-in answer when one is open and the sentence is one; else a question."""
    first = message.split(maxsplit=1)[0].lower().lstrip("/") if message.strip() else ""
    if not first or lookup(ctx.services.routes.commands, first) is not None:
        return None  # a command typed without /mentor: the mentor runs it
    if is_small_talk(message):
        return [Reply(text=ctx.t("talk.small_talk"))]
    understood = read_answer(message)
    if understood is not None:
        in_view = await checkin_in_view(ctx)
        if in_view is not None:
            return await answer_checkin(ctx, *in_view, understood)
    elif not is_question(message):
        minutes, _span = minutes_in(message)
        in_view = await checkin_in_view(ctx) if minutes else None
        if in_view is not None and minutes is not None:
            asked = await ask_activity(ctx, *in_view, minutes)
            if asked is not None:
                return asked
    return await answer_question(ctx, message)


async def ask_activity(ctx: Ctx, cadence: str, period: str, minutes: int) -> list[Reply] | None:
    """A duration alone ("45 minutes"): the minutes are clear, what was done is not, so
    one tap says it. None when the period is answered already or the minutes cannot be
    right."""
    label = period_label(ctx.pack, cadence, period)
    if not 1 <= minutes <= MAX_MINUTES[cadence]:
        return None
    if await db.get_checkin(ctx.store, ctx.member.id, cadence, period) is not None:
        return None
    choice = Choice(
        action_id=FIX_ACTION,
        placeholder=ctx.t("talk.fix_placeholder"),
        options=tuple(
            Option(
                ctx.t(f"checkin.activity.{a}"),
                f"{answer_value(cadence, period, a)}:{minutes}",
            )
            for a in ACTIVITIES
        ),
    )
    return [
        Reply(text=ctx.t("talk.which_activity", period=label, minutes=minutes), choices=(choice,))
    ]
