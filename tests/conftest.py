"""Shared fixtures: a database on every backend, the mentor, and transcript helpers.

Every storage-touching test runs on SQLite and on PostgreSQL. PostgreSQL is found
through MENTORBOT_TEST_POSTGRES_URL (default: the server these machines run). With CI
set, an unreachable server fails the tests; elsewhere they skip with the reason.
Each test gets its own PostgreSQL schema, so tests (and people) sharing the server do
not see each other's rows. Each process migrates once and hands every test an emptied
copy (``_MigratedDatabases``), since migrating per test was a quarter of the suite.
"""

from __future__ import annotations

import asyncio
import graphlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from schedules.engine import Scheduler

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

# Test files (``tmp_path``, so the SQLite databases, including those of the processes
# the tests start) live in memory where the machine has a tmpfs: SQLite waits for the
# disk at every commit (~6 ms each on a busy disk), which no test needs, since none of
# them outlives a power cut. Set before pytest picks its temporary root (on first use);
# an explicit TMPDIR or --basetemp wins.
if "TMPDIR" not in os.environ and os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
    tempfile.tempdir = "/dev/shm"


# The longest tests (measured with --durations; several seconds each: real processes,
# real pacing, Hypothesis over whole replies), longest first. They run before the rest:
# xdist hands each worker a slice of the collection in order and a worker that runs dry
# takes the tail of a busy one's queue, but a test that has started cannot be split, so
# a long one met last kept one core busy while the other idled.
RUN_FIRST = (
    "tests/adapters/test_console_sim.py::test_demo_plays_a_month_for_a_team",
    "tests/adapters/test_console_sim.py::test_demo_is_deterministic",
    "tests/schedules/test_faults.py::test_crash_after_send_before_record_duplicates_at_most_once",
    "tests/schedules/test_faults.py::test_after_downtime_each_routine_is_sent_once_or",
    "tests/schedules/test_workers.py::test_workers_at_a_platforms_pace_never_send_a_held_row",
    "tests/bot/test_digest.py::test_a_team_of_five_gets_one_digest_on_the_first",
    "tests/test_startup.py::test_processes_started_at_once_on_a_fresh_database_all_migrate",
    "tests/schedules/test_dst.py::test_spring_forward_fires_once_at_the_first_instant",
    "tests/schedules/test_faults.py::test_a_crash_mid_fan_out_duplicates_at_most_about_a_second",
    "tests/schedules/test_workers.py::test_two_workers_deliver_a_fan_out_exactly_once",
    "tests/schedules/test_faults.py::test_crash_after_receipts_before_the_fold_sends_nothing",
    "tests/schedules/test_dst.py::test_fall_back_fires_once_in_the_repeated_hour",
    "tests/adapters/discord/test_render.py::test_any_reply_renders_within_every_discord_limit",
    "tests/bot/test_bench_answer.py::test_the_answer_benchmark_reports_every_figure",
    "tests/adapters/test_console.py::test_console_options_and_state_persist",
    "tests/adapters/test_console_talk.py::test_a_sentence_answers_the_prompt",
    "tests/bot/test_grammar_parsers.py::test_every_offered_value_is_accepted",
    "tests/adapters/slack/test_render.py::test_any_reply_renders_into_messages_within",
    "tests/schedules/test_faults.py::test_a_restarted_worker_takes_back_its_claims_at_once",
    "tests/adapters/discord/test_hostile_interactions.py::test_any_interaction_gets_an_answer",
    "tests/adapters/discord/test_run.py::test_an_outage_while_running_is_one_line_per_retry",
    "tests/schedules/test_faults.py::test_crash_after_claim_is_sent_once_when_the_lease",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The ``RUN_FIRST`` tests first, in that order; the others keep theirs. Every
    xdist worker collects the same way, so they still agree on the collection."""

    def rank(item: pytest.Item) -> int:
        return next(
            (i for i, prefix in enumerate(RUN_FIRST) if item.nodeid.startswith(prefix)),
            len(RUN_FIRST),
        )

    items.sort(key=rank)  # stable: the rest stay in collection order


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


def _schema_url(schema: str) -> str:
    """The URL of a test's schema. Its commits are not waited onto the disk
    (``synchronous_commit=off``: ~0.4 ms a commit instead of ~9 ms on a busy disk);
    other sessions still see them at once, and only a crash of the server itself could
    lose the last ones, which no test does. As libpq options in the URL, the setting
    reaches the processes the tests start, too."""
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"


async def _migrate_url(url: str) -> None:
    engine = engine_for(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


class _MigratedDatabases:
    """This process's migrated databases, made once and handed to each test empty.

    Migrating costs about 0.7 s on PostgreSQL and 0.15 s on SQLite, and some 600 tests
    ask for a database: that was a quarter of the suite's time. So each pytest process
    (each xdist worker) migrates once: a SQLite file that every test gets a copy of,
    and a PostgreSQL schema that every test gets emptied (rows deleted, sequences
    restarted) and renamed, so each test still has a schema of its own name that no
    one else (no other worker, no other person on the server) writes to. A schema whose
    tables or revision a test changed is left for the end and a fresh one migrated.
    """

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.sqlite: Path | None = None
        self.reachable: str | None = None  # a problem reaching PostgreSQL, once known
        self.schema: str | None = None
        self.shape: str | None = None
        self.emptying = ""
        self.leftovers: list[str] = []

    async def sqlite_copy(self, target: Path) -> str:
        if self.sqlite is None:
            await _migrate_url(f"sqlite:///{self.scratch / 'migrated.db'}")
            self.sqlite = self.scratch / "migrated.db"
        shutil.copyfile(self.sqlite, target)
        return f"sqlite:///{target}"

    async def postgres_schema(self) -> str:
        """A migrated schema with no rows, under a name no test had before."""
        import asyncpg

        name = f"t_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            if self.schema is not None and await self._reuse(conn, name):
                return name
            await conn.execute(f'CREATE SCHEMA "{name}"')
            await _migrate_url(_schema_url(name))
            self.shape = await _shape(conn, name)
            self.emptying = await _emptying(conn, name)
            self.schema = name
            return name
        finally:
            await conn.close()

    async def _reuse(self, conn: Any, name: str) -> bool:
        """Rename, check and empty the schema in one transaction: on any failure it is
        left as it was, under its old name, to be dropped at the end."""
        old, self.schema = self.schema, None
        try:
            async with conn.transaction():
                await conn.execute(
                    "SET LOCAL lock_timeout = '5s'; SET LOCAL synchronous_commit = off;"
                    f' ALTER SCHEMA "{old}" RENAME TO "{name}"'
                )
                if await _shape(conn, name) != self.shape:
                    raise LookupError("a test changed the schema's tables or revision")
                await conn.execute(f'SET LOCAL search_path = "{name}"; {self.emptying}')
        except Exception:
            self.leftovers.append(old)
            return False
        self.schema = name
        return True

    def close(self) -> None:
        drop = [*self.leftovers, *([self.schema] if self.schema else [])]
        if not drop:
            return

        async def dropping() -> None:
            import asyncpg

            conn = await asyncpg.connect(POSTGRES_URL)
            try:
                for schema in drop:
                    await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            finally:
                await conn.close()

        asyncio.run(dropping())


async def _shape(conn: Any, schema: str) -> str:
    """A schema's tables and Alembic revisions, in one line: what tells a reusable one."""
    return await conn.fetchval(
        "SELECT (SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class"
        "  WHERE relnamespace = $1::regnamespace AND relkind = 'r')"
        " || ' ' || (SELECT string_agg(version_num, ',' ORDER BY version_num)"
        f' FROM "{schema}".alembic_version)',
        schema,
    )


async def _emptying(conn: Any, schema: str) -> str:
    """The statements that delete every row (children before parents) and restart every
    sequence, by unqualified names: ~10 ms, where TRUNCATE takes ~400 ms (new files).
    They run with the search_path on the schema, which the outbox's delete triggers
    also need to find their tables."""
    tables = await conn.fetch(
        "SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r'"
        " AND relname <> 'alembic_version'",
        schema,
    )
    references = await conn.fetch(
        "SELECT child.relname, parent.relname FROM pg_constraint c"
        " JOIN pg_class child ON child.oid = c.conrelid"
        " JOIN pg_class parent ON parent.oid = c.confrelid"
        " WHERE c.contype = 'f' AND c.connamespace = $1::regnamespace",
        schema,
    )
    parents: dict[str, set[str]] = {r[0]: set() for r in tables}
    for child, parent in references:
        if child in parents and child != parent:
            parents[child].add(parent)
    order = list(graphlib.TopologicalSorter(parents).static_order())  # parents first
    sequences = await conn.fetch(
        "SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'S'",
        schema,
    )
    statements = [f'DELETE FROM "{table}"' for table in reversed(order)]
    statements += [f'ALTER SEQUENCE "{r[0]}" RESTART' for r in sequences]
    return "; ".join(statements)


@pytest.fixture(scope="session")
def _migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_MigratedDatabases]:
    databases = _MigratedDatabases(tmp_path_factory.mktemp("migrated"))
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def migrated_sqlite(_migrated: _MigratedDatabases) -> Callable[[Path], Awaitable[str]]:
    """``await migrated_sqlite(path)``: a copy of the migrated SQLite file at ``path``,
    as a URL; for a test that needs a fresh database more than once (one per Hypothesis
    example), without migrating each."""
    return _migrated.sqlite_copy


@pytest.fixture
async def migrated_home(tmp_path: Path, migrated_sqlite: Callable[[Path], Awaitable[str]]) -> Path:
    """``tmp_path`` with its ``mentorbot.db`` (``base_env``'s ``DATABASE_URL``) migrated
    already: for a test of a real process whose subject is not the first start's
    migration (tests/test_startup.py and ``test_migrate_command`` are about that one).
    A start on a database at every head skips Alembic: ~0.7-1 s of CPU less."""
    await migrated_sqlite(tmp_path / "mentorbot.db")
    return tmp_path


@pytest.fixture
async def database_url(
    backend: str, tmp_path: Path, _migrated: _MigratedDatabases
) -> AsyncIterator[str]:
    """A migrated, empty database of the requested backend; yields its URL."""
    if backend == "sqlite":
        yield await _migrated.sqlite_copy(tmp_path / "test.db")
        return
    if _migrated.reachable is None:
        _migrated.reachable = await _postgres_reachable(POSTGRES_URL) or ""
    if _migrated.reachable:
        message = (
            f"PostgreSQL at {POSTGRES_URL} unreachable ({_migrated.reachable}); "
            "set MENTORBOT_TEST_POSTGRES_URL to a server to run these tests"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    yield _schema_url(await _migrated.postgres_schema())


def engine_for(url: str):
    """An engine for a test URL (its libpq ``options`` become asyncpg server settings,
    as for any ``DATABASE_URL``)."""
    return create_engine(url)


@pytest.fixture
async def engine(database_url: str):
    engine = engine_for(database_url)  # ``database_url`` is migrated already
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


def wired_scheduler(services: Services, **options: Any) -> Scheduler:
    """A scheduler set on ``services`` as ``mentorbot.cli.wire`` sets one, so features
    queue snoozes and plan check-ups through it; ``options`` go to ``Scheduler``."""
    from schedules.engine import Scheduler

    scheduler = Scheduler(services, **options)
    services.scheduler = scheduler
    return scheduler


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
