"""Properties of the core over the whole grammar: whatever a member sends (arbitrary
text, numbers in any script and of any length, dates, times, unicode) to any command,
button or form, they get an answer in their language, the mentor never falls back to
its "something went wrong", and a refused input stores nothing."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.content import load_library
from bot.context import Services
from bot.errors import MentorbotError
from bot.events import Action, Command, FormSubmit, Inbound
from bot.mentor import Mentor, default_features
from bot.router import merge
from storage import all_models  # noqa: F401  (every table in the metadata)
from storage.models import Base
from tests.conftest import make_actor

ROUTER = merge(default_features())
COMMANDS = sorted(ROUTER.commands)
ACTIONS = sorted(ROUTER.actions)
FORMS = sorted(ROUTER.forms)
#: Words of the grammar, so draws reach past the first argument of each command.
GRAMMAR = (
    "daily weekly monthly weekdays everyday set reset tz off on until mute unmute channel "
    "digest optout optin last next technical breadth soft history write level track lang "
    "mid junior senior staff intern mle ds genai mlops research en vi users cost latency "
    "talks stars papers posts mentored fri mon sun write yes no close carry"
).split()


class Watching(Mentor):
    """The mentor, noting each input it refused (a ``MentorbotError`` it translated)."""

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.refused: list[str] = []

    def render_error(self, lang: str | None, exc: MentorbotError) -> str:
        self.refused.append(exc.key)
        return super().render_error(lang, exc)


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Parsing and replies, not storage: SQLite keeps the properties fast."""
    return request.param


@pytest.fixture
def watching(services: Services) -> Watching:
    return Watching(services)


@functools.cache
def english_only() -> tuple[str, ...]:
    """Sentences of the English pack that the Vietnamese pack does not also use."""
    packs = load_library().packs
    en, vi = packs["en"].ui, packs["vi"].ui
    vietnamese = {v for v in vi.values() if isinstance(v, str)}
    found = []
    for value in en.values():
        if not isinstance(value, str):
            continue
        for sentence in re.split(r"[{}`*_\n]|\. ", value):
            if len(sentence) >= 28 and not any(sentence in v for v in vietnamese):
                found.append(sentence)
    return tuple(found)


numbers = st.one_of(
    st.integers(-(10**6), 10**12).map(str),
    st.integers(1, 5000).map(lambda n: "9" * n),
    st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=4),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["1.5k", "2,5", "-40%", "1e309", "0x10", "١٢", "²", "½", "Ⅻ"]),
)
dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["9999-12-31", "0001-01-01", "2027-02-30", "2027-13-01", "２０２７-01-05"]),
)
times = st.one_of(
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.sampled_from(["24:00", "9:60", "²:00", "08:00:00", "-1:00", "99999999999:00"]),
)
words = st.one_of(
    st.sampled_from(GRAMMAR), numbers, dates, times, st.text(max_size=30), st.just("")
)
lines = st.builds(
    lambda name, args: " ".join([name, *args]),
    st.sampled_from(COMMANDS),
    st.lists(words, max_size=4),
)


TABLES = Base.metadata.sorted_tables


async def rows(services: Services) -> list[int]:
    """How many rows each table holds (one query): what a refused input must leave."""
    counts = [select(func.count()).select_from(t).scalar_subquery() for t in TABLES]
    async with services.store.session() as session:
        return list((await session.execute(select(*counts))).one())


async def check(
    mentor: Watching, inbound: Inbound, lang: str, caplog: pytest.LogCaptureFixture
) -> None:
    services = mentor.services
    before = await rows(services)
    mentor.refused.clear()
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        replies = await mentor.handle(inbound)
    assert not caplog.records, [r.getMessage() for r in caplog.records]  # no "went wrong"
    internal = services.content.t(lang, "error.internal")
    assert replies or isinstance(inbound, Action | FormSubmit)
    assert all(internal not in r.plain_text() for r in replies)
    if lang == "vi":
        text = "\n".join(r.plain_text() for r in replies)
        leaked = [s for s in english_only() if s in text]
        assert not leaked, leaked
    if mentor.refused:
        assert await rows(services) == before, mentor.refused


async def meet(mentor: Watching, lang: str) -> None:
    """The member, speaking ``lang`` (first contact stores them; examples share the
    database, so the language is set each time)."""
    await mentor.handle(Command(actor=make_actor_in(lang), text=f"lang {lang}"))


def make_actor_in(lang: str) -> Any:
    actor = make_actor()
    return type(actor)(**{**{s: getattr(actor, s) for s in actor.__slots__}, "language": lang})


SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings(SETTINGS, max_examples=80)
@given(line=lines, lang=st.sampled_from(["en", "vi"]))
@example(line="schedule monthly ² 10:00", lang="en")  # isdigit() said yes, int() no
@example(line="schedule monthly " + "9" * 5000 + " 10:00", lang="vi")
@example(line="pause until ２０２７-01-05", lang="vi")
async def test_every_command_answers_anything_in_the_member_s_language(
    watching: Watching, caplog: pytest.LogCaptureFixture, line: str, lang: str
) -> None:
    await meet(watching, lang)
    await check(watching, Command(actor=make_actor_in(lang), text=line), lang, caplog)


values = st.one_of(
    st.text(max_size=60),
    numbers,
    st.builds(lambda a, b, c: f"{a}:{b}:{c}", numbers, numbers, st.sampled_from(GRAMMAR)),
    st.builds(lambda a, b: f"{a}:{b}", st.sampled_from(GRAMMAR), dates),
)


@settings(SETTINGS, max_examples=60)
@given(
    kind=st.sampled_from(["action", "form"]),
    action_id=st.sampled_from(ACTIONS),
    form_id=st.builds(lambda f, s: f"{f}#{s}" if s else f, st.sampled_from(FORMS), values),
    value=values,
    fields=st.dictionaries(st.sampled_from(GRAMMAR) | st.text(max_size=8), values, max_size=4),
    lang=st.sampled_from(["en", "vi"]),
)
async def test_every_button_and_form_answers_anything(
    watching: Watching,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    action_id: str,
    form_id: str,
    value: str,
    fields: dict[str, str],
    lang: str,
) -> None:
    await meet(watching, lang)
    actor = make_actor_in(lang)
    inbound: Inbound = (
        Action(actor=actor, action_id=action_id, value=value)
        if kind == "action"
        else FormSubmit(actor=actor, form_id=form_id, values=fields)
    )
    await check(watching, inbound, lang, caplog)
