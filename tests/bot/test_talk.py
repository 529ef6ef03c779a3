"""Free text as a member meets it: a check-in answered in a sentence (and corrected with
one tap), and questions answered from the content in the member's language.

The clock starts on Monday 2027-03-01 at 09:00 UTC. Prompts come from the real
``Scheduler`` on the simulated clock, as in ``test_checkin.py``.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from bot.clock import SimClock
from bot.content import load_library
from bot.context import Services
from bot.events import Message
from bot.features.talk import shorten
from bot.mentor import Mentor
from schedules.engine import Scheduler
from storage.db import sessionmaker
from storage.models import CheckIn
from storage.repo import Store
from tests.bot.test_checkin import Inbox, until
from tests.conftest import Chat, wired_scheduler


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def scheduler(services: Services, inbox: Inbox) -> Scheduler:
    return wired_scheduler(services, outlets={"console": inbox})


async def rows(chat: Chat) -> list[CheckIn]:
    async with chat.mentor.services.store.session() as s:
        found = await s.scalars(select(CheckIn).order_by(CheckIn.cadence, CheckIn.period_key))
        return list(found)


# -- check-ins in a sentence --------------------------------------------------------------


async def test_a_sentence_answers_the_prompt_that_just_arrived(
    chat: Chat, scheduler: Scheduler, clock: SimClock
) -> None:
    await chat.say("/mentor profile")
    await until(scheduler, clock, "2027-03-02T09:30")
    out = await chat.say("built a small RAG demo today, about 45 minutes")
    assert (
        "✅ I read that as your check-in for Tue 2027-03-02: built or deployed something"
        " · 45 min · note: “built a small RAG demo today”." in out
    )
    assert "Daily streak: 1 in a row." in out
    [row] = await rows(chat)
    assert (row.cadence, row.period_key, row.activities, row.minutes, row.note) == (
        "daily",
        "2027-03-02",
        ["built"],
        45,
        "built a small RAG demo today",
    )

    # The same sentence again saves nothing twice.
    out = await chat.say("built a small RAG demo today, about 45 minutes")
    assert "You already checked in for Tue 2027-03-02" in out
    assert len(await rows(chat)) == 1

    # One tap corrects it; the minutes and note stay.
    out = await chat.click("Read a paper")
    assert "✅ Changed: Tue 2027-03-02 is now read a paper or post." in out
    [row] = await rows(chat)
    assert (row.activities, row.minutes) == (["read"], 45)


async def test_a_question_while_a_checkin_is_open_is_answered_not_saved(
    chat: Chat, scheduler: Scheduler, clock: SimClock
) -> None:
    await chat.say("/mentor profile")
    await until(scheduler, clock, "2027-03-02T09:30")
    out = await chat.say("I feel stuck watching tutorials, what should I do?")
    assert "`/mentor pitfalls tutorial`" in out
    assert await rows(chat) == []


async def test_checkin_command_opens_it_for_a_vietnamese_sentence(chat: Chat) -> None:
    await chat.say("/mentor set lang vi")
    await chat.say("/mentor checkin")
    out = await chat.say("lam side project 1 tieng")
    assert "Mình hiểu đây là check-in của bạn cho" in out
    assert "· 60 phút · ghi chú: “lam side project”" in out
    [row] = await rows(chat)
    assert (row.activities, row.minutes) == (["built"], 60)


async def test_an_asked_checkin_survives_a_restart_and_expires_after_an_hour(
    chat: Chat, engine, clock: SimClock
) -> None:
    """The open check-in is in the database: a new process (another worker, or this one
    restarted) on the same database reads the next sentence as its answer."""
    await chat.say("/mentor checkin weekly")

    restarted = Services(store=Store(sessionmaker(engine)), content=load_library(), clock=clock)
    other = Chat(Mentor(restarted), chat.actor)
    clock.advance(timedelta(minutes=59))
    out = await other.say("paired with Linh on a code review, 30 min")
    assert "I read that as your check-in for" in out
    [row] = await rows(chat)
    assert (row.cadence, row.activities, row.minutes) == ("weekly", ["others"], 30)

    # Asked again later, the ask is replaced, and an hour after it is closed.
    await chat.act("talk:undo", f"weekly:{row.period_key}")
    await chat.say("/mentor checkin")
    clock.advance(timedelta(hours=1, seconds=1))
    out = await other.say("paired with Linh on a code review, 30 min")
    assert "I read that as your check-in" not in out
    assert await rows(chat) == []


async def test_undo_removes_what_a_sentence_saved(chat: Chat) -> None:
    await chat.say("/mentor checkin weekly")
    await chat.say("đọc 1 paper")
    [row] = await rows(chat)
    assert (row.cadence, row.activities, row.minutes) == ("weekly", ["read"], None)
    out = await chat.click("undo")
    assert "Removed your check-in for week 9 of 2027." in out
    assert await rows(chat) == []


async def test_minutes_and_note_are_editable_from_the_reply(chat: Chat) -> None:
    await chat.say("/mentor checkin")
    await chat.say("paired with Linh on the ranking service for an hour")
    await chat.click("Add minutes and a note")
    form = chat.last[0].form
    assert form is not None
    assert [f.initial for f in form.fields[:2]] == ["60", "paired with Linh on the ranking service"]


async def test_minutes_alone_ask_what_was_done(chat: Chat) -> None:
    await chat.say("/mentor checkin")
    out = await chat.say("45 minutes")
    assert "Got it: 45 min for Mon 2027-03-01. What did you do?" in out
    assert await rows(chat) == []
    out = await chat.click("Course or tutorial")
    assert "is now a course or tutorial" in out
    [row] = await rows(chat)
    assert (row.activities, row.minutes) == (["course"], 45)


async def test_two_sentences_at_once_save_one_checkin(chat: Chat) -> None:
    await chat.say("/mentor checkin")
    first, second = await asyncio.gather(
        chat.mentor.handle(Message(actor=chat.actor, text="built the demo, 30 min")),
        chat.mentor.handle(Message(actor=chat.actor, text="read a paper, 20 min")),
    )
    texts = [r.plain_text() for r in (*first, *second)]
    assert sum("I read that as your check-in" in t for t in texts) == 1
    assert sum("You already checked in" in t for t in texts) == 1
    assert len(await rows(chat)) == 1


async def test_without_an_open_checkin_a_sentence_is_a_question(
    chat: Chat, clock: SimClock
) -> None:
    await chat.say("/mentor checkin")
    clock.advance(timedelta(hours=2))  # what /mentor checkin opened has closed again
    out = await chat.say("read the LoRA paper, 1h")
    assert "I read that as" not in out
    assert await rows(chat) == []


async def test_a_prompt_from_yesterday_is_closed(
    chat: Chat, scheduler: Scheduler, clock: SimClock
) -> None:
    await chat.say("/mentor profile")
    await until(scheduler, clock, "2027-03-02T09:30")
    clock.advance(timedelta(hours=25))
    await chat.say("built the demo")
    assert await rows(chat) == []


# -- questions ------------------------------------------------------------------------------


async def test_question_gets_a_passage_the_page_command_and_two_more(chat: Chat) -> None:
    out = await chat.say("What is the 70/20/10 rule?")
    reply = chat.last[-1]
    assert reply.title == "The 70/20/10 rule for learning"
    assert "The whole page: `/mentor guide 702010`" in out
    assert len(reply.buttons) == 2
    assert all(b.action_id == "talk:show" for b in reply.buttons)
    other = reply.buttons[0].label.removeprefix("📖 ")
    out = await chat.click(reply.buttons[0].label)
    assert other.rstrip("…") in (chat.last[-1].title or "")
    assert chat.last[0].buttons == ()


async def test_a_question_costs_one_statement_in_one_transaction(chat: Chat, engine) -> None:
    """Member and workspace in one joined read, the search in memory: each transaction is
    several hops to the database driver, and on a busy machine each hop waits (this was
    three transactions, most of an answer's time and all of its tail: bench/answer.py)."""
    await chat.say("hello")
    statements: list[str] = []

    def seen(_conn, _cursor, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        out = await chat.say("I feel stuck watching tutorials, what should I do?")
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert "`/mentor pitfalls tutorial`" in out
    assert len(statements) == 1 and "JOIN workspace" in statements[0]


async def test_vietnamese_without_diacritics_finds_the_vietnamese_page(chat: Chat) -> None:
    await chat.say("/mentor set lang vi")
    out = await chat.say("lam sao len senior")
    assert "Xem cả trang: `/mentor level senior`" in out
    assert "Senior" in (chat.last[-1].title or "")


async def test_a_command_typed_without_slash_still_runs(chat: Chat) -> None:
    out = await chat.say("level senior")
    assert "Senior Engineer" in out
    assert "/mentor assess senior" in out


async def test_small_talk_and_nothing_found(chat: Chat) -> None:
    assert "Ask me anything about your growth" in await chat.say("hello")
    assert "I couldn't find that in my advice" in await chat.say("zzqx wqxz")


async def test_a_stale_passage_button_is_refused_politely(chat: Chat) -> None:
    out = await chat.act("talk:show", "levels:levels.nobody.scope")
    assert "older message" in out


def test_shorten_cuts_at_lines_then_sentences_and_keeps_markup_closed() -> None:
    lines = "\n".join(f"- *point {n}* with some words after it" for n in range(40))
    short = shorten(lines, 200)
    assert short.endswith("\n…") and len(short) <= 210
    assert all(line.count("*") % 2 == 0 for line in short.splitlines())
    sentence = "First sentence here. " + "*bold text " + "word " * 200
    cut = shorten(sentence, 120)
    assert cut == "First sentence here."
    words = "*bold " + "word " * 200
    cut = shorten(words, 50)
    assert cut.endswith("…") and cut.count("*") % 2 == 0
