"""Whatever a member types, they get an answer and never a traceback."""

from __future__ import annotations

import io
import logging
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.console import ConsoleAdapter
from bot.events import Action, Command, FormSubmit, Message
from bot.mentor import Mentor
from tests.conftest import make_actor

NASTY = [
    "",
    " ",
    "\x00\x01\x02",
    "level \x1b[31mmid",
    "level '; DROP TABLE member; --",
    "set tz ../../etc/passwd",
    "set level " + "a" * 100_000,
    "x" * 100_000,
    "diet daily set " + ", ".join(["s"] * 5000),
    "pause until 9999-99-99",
    "pause until 0001-01-01",
    "assess 💥",
    "level 𝓂𝒾𝒹",
    "\u202eevil",
    "help help help",
    "set lang {lang}",
    "guide {0}",
    "track %s%s%s",
]

commands = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=300),
    st.builds(
        lambda verb, rest: f"{verb} {rest}",
        st.sampled_from(
            [
                "level",
                "assess",
                "track",
                "diet",
                "pitfalls",
                "guide",
                "set",
                "pause",
                "help",
                "set tz",
                "set level",
                "diet weekly set",
            ]
        ),
        st.text(max_size=80),
    ),
)


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Fuzzing is about parsing, not storage: SQLite keeps it fast."""
    return request.param


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(line=commands)
async def test_any_command_gets_a_reply(mentor: Mentor, line: str) -> None:
    replies = await mentor.handle(Command(actor=make_actor(), text=line))
    assert replies and all(r.plain_text() or r.document for r in replies)
    assert not any("Traceback" in r.plain_text() for r in replies)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(["message", "action", "form"]),
    name=st.sampled_from(
        ["assess:answer", "forget:confirm", "set:level", "level:show", "nope", "track:show"]
    ),
    value=st.text(max_size=200),
)
async def test_any_event_gets_a_reply(mentor: Mentor, kind: str, name: str, value: str) -> None:
    actor = make_actor()
    if kind == "message":
        event = Message(actor=actor, text=value)
    elif kind == "action":
        event = Action(actor=actor, action_id=name, value=value)
    else:
        event = FormSubmit(actor=actor, form_id=name, values={value: value})
    replies = await mentor.handle(event)
    assert replies


async def test_internal_errors_become_a_polite_reply(mentor: Mentor, caplog) -> None:
    async def broken(ctx, args):
        raise RuntimeError("boom")

    mentor.router.commands["level"] = replace(mentor.router.commands["level"], handler=broken)
    with caplog.at_level(logging.ERROR):
        replies = await mentor.handle(Command(actor=make_actor(), text="level"))
    assert "Something went wrong on my side" in replies[-1].text
    assert "boom" in caplog.text


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=120)), max_size=6))
async def test_console_survives_any_input(mentor: Mentor, lines: list[str]) -> None:
    script = "".join(line.replace("\n", " ").replace("\r", " ") + "\n" for line in lines)
    script += "/mentor assess mid\n1\n2\n3\n/mentor forget\n2\n"
    out = io.StringIO()
    console = ConsoleAdapter(
        handler=mentor.handle, actor=make_actor(), stdin=io.StringIO(script), stdout=out
    )
    assert await console.listen() == 0
    assert "Question 4 of" in out.getvalue()
    assert "Traceback" not in out.getvalue()


@pytest.mark.parametrize(
    "line",
    [
        "schedule monthly ² 10:00",
        "schedule monthly ٣ 10:00",
        "schedule monthly " + "9" * 5000 + " 10:00",
        "schedule daily ²:00",
        "log users " + "9" * 5000,
        "pause until ２０２７-01-05",
    ],
)
async def test_numbers_in_other_scripts_or_too_long_are_refused_politely(
    mentor: Mentor, line: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        replies = await mentor.handle(Command(actor=make_actor(), text=line))
    assert "Something went wrong" not in replies[-1].plain_text()
    assert not caplog.records


async def test_lone_surrogates_from_a_terminal_never_reach_the_database(
    mentor: Mentor, caplog: pytest.LogCaptureFixture
) -> None:
    """``surrogateescape`` turns invalid UTF-8 into lone surrogates; they are cleaned at
    the edge, so the note is saved (without them) instead of failing the commit."""
    actor = make_actor(user="U\udcff")
    with caplog.at_level(logging.ERROR):
        level = await mentor.handle(Command(actor=actor, text="set level mid\udcff"))
        logged = await mentor.handle(Command(actor=actor, text="log talks 1 PyCon\udcc3 talk"))
        export = await mentor.handle(Command(actor=actor, text="export"))
    assert not caplog.records
    assert "Mid-level Engineer" in level[-1].plain_text()
    assert "Logged" in logged[-1].plain_text()
    document = next(r.document for r in export if r.document)
    assert "PyCon talk" in document and "\\udc" not in document


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("pairs:met", "²:30"),
        ("pairs:met", "9" * 5000 + ":no"),
        ("plans:outcome", "²:done"),
        ("plans:outcome", "9" * 5000 + ":done"),
        ("plans:make", "goal:²"),
        ("plans:make", "goal:" + "9" * 5000),
        ("talk:fix", "daily:2027-03-01:built:²"),
    ],
)
async def test_button_values_with_foreign_digits_are_refused_politely(
    mentor: Mentor, action_id: str, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Button values are forgeable: a number in them goes through ``whole_number`` like
    a typed one, so ``²`` (``isdigit`` but not ``int``) is refused, not an internal error."""
    actor = make_actor()
    await mentor.handle(Command(actor=actor, text="set level mid"))
    with caplog.at_level(logging.ERROR):
        replies = await mentor.handle(Action(actor=actor, action_id=action_id, value=value))
    assert "Something went wrong" not in replies[-1].plain_text()
    assert not caplog.records
