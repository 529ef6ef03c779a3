"""``mentorbot`` as an operator starts it: the real command in its own process.

A bad setting or an unreachable database ends the process with one line on stderr and
no traceback; several processes starting at once on a fresh PostgreSQL database all
come up (migrations wait for each other under an advisory lock).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI, POSTGRES_URL, _postgres_reachable

REPO = Path(__file__).resolve().parents[1]


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment: nothing from the developer's shell or .env leaks in."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'mentorbot.db'}",
        "MENTORBOT_START_ATTEMPTS": "1",
        **extra,
    }


async def mentorbot(
    tmp_path: Path, *args: str, env: dict[str, str], timeout: float = 60
) -> tuple[int, str, str]:
    """Run ``python -m mentorbot ARGS`` with stdin closed (no terminal) to its end."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mentorbot",
        *args,
        cwd=tmp_path,  # no stray .env
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def one_line(stderr: str) -> str:
    """The single line a failed start prints; fails the test on anything more."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("name", "value", "valid"),
    [
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "IANA name"),
        ("DATABASE_URL", "mysql://root:hunter2@db/mentor", "postgresql://"),
        ("PORT", "eighty", "0 to 65535"),
        ("PORT", "65536", "0 to 65535"),
        ("LOG_LEVEL", "LOUD", "'DEBUG'"),
        ("DEFAULT_LANGUAGE", "fr", "'en' or 'vi'"),
        ("MENTORBOT_START_ATTEMPTS", "0", "1 to 100"),
        ("SLACK_MESSAGES_PER_SECOND", "-1", "greater than 0"),
        ("DISCORD_SHARDS", "many", "shard count"),
        ("DISCORD_GUILD_ID", "my-server", "number"),
    ],
)
async def test_a_bad_setting_ends_the_start_with_exit_2_and_one_line(
    tmp_path: Path, name: str, value: str, valid: str
) -> None:
    await a_bad_setting_fails_the_start(tmp_path, "run", name, value, valid)


@pytest.mark.parametrize(
    ("name", "value", "valid"),
    [
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "IANA name"),
        ("SLACK_MESSAGES_PER_SECOND", "-1", "greater than 0"),
    ],
)
async def test_migrate_checks_every_setting_too(
    tmp_path: Path, name: str, value: str, valid: str
) -> None:
    await a_bad_setting_fails_the_start(tmp_path, "migrate", name, value, valid)


async def a_bad_setting_fails_the_start(
    tmp_path: Path, command: str, name: str, value: str, valid: str
) -> None:
    env = base_env(tmp_path, **{name: value})
    if name.startswith("SLACK_"):
        env |= {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}
    if name.startswith("DISCORD_"):
        env |= {"DISCORD_TOKEN": "token"}
    code, _, err = await mentorbot(tmp_path, command, env=env)
    line = one_line(err)
    assert code == 2, err
    assert name in line and valid in line
    assert "hunter2" not in line
    assert not (tmp_path / "mentorbot.db").exists(), "nothing is opened before the check"


async def test_an_unreachable_database_is_one_line_saying_where(tmp_path: Path) -> None:
    port = closed_port()
    env = base_env(tmp_path, DATABASE_URL=f"postgresql://mentor:hunter2@127.0.0.1:{port}/prod")
    code, _, err = await mentorbot(tmp_path, "migrate", env=env)
    line = one_line(err)
    assert code == 1
    assert "database is unreachable" in line and f"127.0.0.1:{port}/prod" in line
    assert "hunter2" not in line


async def test_an_unreachable_database_is_retried_with_one_line_per_attempt(
    tmp_path: Path,
) -> None:
    port = closed_port()
    env = base_env(
        tmp_path,
        DATABASE_URL=f"postgresql://mentor@127.0.0.1:{port}/prod",
        MENTORBOT_START_ATTEMPTS="2",
    )
    code, _, err = await mentorbot(tmp_path, "migrate", env=env)
    assert code == 1 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 2, err
    assert "attempt 1 of 2, next in 1 s" in lines[0]
    assert "gave up after 2 attempts" in lines[1]


async def test_run_with_no_platform_and_no_terminal_fails_with_one_line(tmp_path: Path) -> None:
    code, _, err = await mentorbot(tmp_path, "run", env=base_env(tmp_path))
    line = one_line(err)
    assert code == 2
    assert "SLACK_BOT_TOKEN" in line and "DISCORD_TOKEN" in line and "mentorbot console" in line


async def test_a_process_that_requires_a_platform_says_which_is_missing(tmp_path: Path) -> None:
    env = base_env(tmp_path, DISCORD_TOKEN="token")
    code, _, err = await mentorbot(tmp_path, "run", "--platforms", "slack", env=env)
    line = one_line(err)
    assert code == 2
    assert "--platforms slack" in line and "SLACK_BOT_TOKEN" in line


# --------------------------------------------------------------- parallel starts


@pytest.fixture
async def fresh_schema() -> AsyncIterator[str]:
    """An empty PostgreSQL schema, as a DATABASE_URL with libpq's search_path option."""
    problem = await _postgres_reachable(POSTGRES_URL)
    if problem:
        message = f"PostgreSQL at {POSTGRES_URL} unreachable ({problem})"
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


@pytest.mark.postgres
async def test_processes_started_at_once_on_a_fresh_database_all_migrate(
    tmp_path: Path, fresh_schema: str
) -> None:
    env = base_env(tmp_path, DATABASE_URL=fresh_schema)
    results = await asyncio.gather(
        *(mentorbot(tmp_path, "migrate", env=env, timeout=120) for _ in range(4))
    )
    for code, out, err in results:
        assert code == 0, err
        assert "Traceback" not in err
        assert "database is up to date" in out


def test_the_start_up_heap_is_frozen_once_per_process() -> None:
    """What the process built at start-up (content, index, modules) is out of the
    collector's reach; a second opening in the same process freezes nothing more."""
    import gc

    from mentorbot.startup import settle_heap

    settle_heap()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    later = [[n] for n in range(1000)]
    settle_heap()
    assert gc.get_freeze_count() == frozen
    assert later
