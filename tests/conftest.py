"""Shared fixtures: a database on every backend, the mentor, and transcript helpers.

Every storage-touching test runs on SQLite and on PostgreSQL. PostgreSQL is found
through MENTORBOT_TEST_POSTGRES_URL (default: the server these machines run). With CI
set, an unreachable server fails the tests; elsewhere they skip with the reason.
Each test gets its own PostgreSQL schema, so tests (and people) sharing the server do
not see each other's rows.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from bot.clock import SimClock
from bot.content import load_library
from bot.context import Services
from bot.events import Action, Actor, Command, FormSubmit, Message
from bot.mentor import Mentor
from bot.reply import Reply
from storage.db import create_engine, sessionmaker
from storage.migrate import migrate
from storage.repo import Store

POSTGRES_URL = os.environ.get(
    "MENTORBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
IN_CI = bool(os.environ.get("CI"))

# Hypothesis: in CI every run draws the same examples (derandomized, nothing written to
# the example database), so a red build is the code's fault and replays the same way;
# on a laptop examples stay random, to find what CI never tries. Each property sets its
# own example count, small enough to keep the suite fast; HYPOTHESIS_PROFILE picks a
# profile by name.
hypothesis_settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True
)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev"))
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


async def _postgres_reachable(url: str) -> str | None:
    import asyncpg

    try:
        conn = await asyncio.wait_for(asyncpg.connect(url.replace("+asyncpg", "")), 5)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database of the requested backend; yields its URL."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    problem = await _postgres_reachable(POSTGRES_URL)
    if problem:
        message = (
            f"PostgreSQL at {POSTGRES_URL} unreachable ({problem}); "
            "set MENTORBOT_TEST_POSTGRES_URL to a server to run these tests"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    import asyncpg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(POSTGRES_URL)
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    await conn.close()
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        conn = await asyncpg.connect(POSTGRES_URL)
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()


def engine_for(url: str):
    """An engine for a test URL; the search_path travels as a server setting for asyncpg."""
    if "options=-csearch_path" in url:
        base, _, options = url.partition("?options=-csearch_path%3D")
        return create_engine(base, connect_args={"server_settings": {"search_path": options}})
    return create_engine(url)


@pytest.fixture
async def engine(database_url: str):
    engine = engine_for(database_url)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> SimClock:
    return SimClock(START)


@pytest.fixture
async def services(engine, clock: SimClock) -> Services:
    return Services(store=Store(sessionmaker(engine)), content=load_library(), clock=clock)


@pytest.fixture
def mentor(services: Services) -> Mentor:
    return Mentor(services)


class Chat:
    """A member talking to the mentor, errbot-style: push a line, read the answer."""

    def __init__(self, mentor: Mentor, actor: Actor) -> None:
        self.mentor = mentor
        self.actor = actor
        self.last: list[Reply] = []

    async def say(self, line: str) -> str:
        if line.startswith("/mentor"):
            inbound = Command(actor=self.actor, text=line[len("/mentor") :])
        else:
            inbound = Message(actor=self.actor, text=line)
        self.last = await self.mentor.handle(inbound)
        return self.text

    async def click(self, label: str, *, reply: int = -1) -> str:
        """Click the button (or choice option) whose label contains ``label``."""
        target = self.last[reply]
        for button in target.buttons:
            if label in button.label:
                return await self.act(button.action_id, button.value)
        for choice in target.choices:
            for option in choice.options:
                if label in option.label:
                    return await self.act(choice.action_id, option.value)
        raise AssertionError(f"no button {label!r} in {target.plain_text()!r}")

    async def act(self, action_id: str, value: str) -> str:
        self.last = await self.mentor.handle(
            Action(actor=self.actor, action_id=action_id, value=value)
        )
        return self.text

    async def submit(self, form_id: str, values: dict[str, str]) -> str:
        self.last = await self.mentor.handle(
            FormSubmit(actor=self.actor, form_id=form_id, values=values)
        )
        return self.text

    @property
    def text(self) -> str:
        return "\n\n".join(r.plain_text() for r in self.last)


def make_actor(user: str = "U1", workspace: str = "W1", platform: str = "console") -> Actor:
    return Actor(platform=platform, workspace=workspace, user=user, timezone="UTC", language="en")


@pytest.fixture
def chat(mentor: Mentor) -> Chat:
    return Chat(mentor, make_actor())
