"""What the scheduler tests share: an outlet that records, members with routines, rows."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bot.context import Services
from bot.delivery import Sent, Target
from bot.reply import Reply
from schedules.routines import ensure_routines
from storage.models import Delivery, Member, Routine, Workspace
from storage.repo import MemberKey

#: A Monday; UTC members' defaults fall due at 09:00 (daily), 10:00 (monthly, the 1st)
#: and Friday 16:00 (weekly).
MONDAY_8AM = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    """An aware UTC instant from ``2027-03-01T09:00``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Inbox:
    """An outlet that keeps what it was given; ``fail`` may raise instead of sending."""

    platform: str = "console"
    got: list[tuple[Target, tuple[Reply, ...]]] = field(default_factory=list)
    fail: Callable[[Target], Awaitable[None]] | None = None
    dm_channel: str | None = "D-1"

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent:
        if self.fail is not None:
            await self.fail(target)
        self.got.append((target, tuple(replies)))
        return Sent(message_id=f"msg-{len(self.got)}", dm_channel=self.dm_channel)

    @property
    def texts(self) -> list[str]:
        return [replies[0].plain_text() for _, replies in self.got]


async def plain_render(
    services: Services, delivery: Delivery, member: Member | None
) -> list[Reply]:
    """A renderer that says which row it is, so engine tests do not depend on content."""
    return [Reply(text=f"{delivery.kind} {delivery.period_key}")]


async def add_member(
    services: Services,
    user: str = "U1",
    *,
    tz: str = "UTC",
    workspace: str = "W1",
    platform: str = "console",
    now: datetime = MONDAY_8AM,
    language: str = "en",
) -> Member:
    member, _ = await services.store.member(
        MemberKey(platform, workspace, user),
        now=now,
        defaults={"timezone": tz, "language": language},
    )
    await ensure_routines(services.store, member, now=now)
    return member


async def add_members(
    services: Services, count: int, *, due: str = "2027-03-01T09:00"
) -> list[Member]:
    """``count`` UTC members of one console workspace, each with only a daily routine
    due at ``due`` and no DM channel yet: a fan-out, written in bulk."""
    when = at(due)
    async with services.store.session() as s:
        workspace = await s.scalar(
            insert(Workspace)
            .values(platform="console", external_id="WB", created_at=when)
            .returning(Workspace.id)
        )
        made = list(
            await s.scalars(
                insert(Member).returning(Member),
                [
                    {
                        "workspace_id": workspace,
                        "external_user": f"U{i}",
                        "timezone": "UTC",
                        "language": "en",
                        "created_at": when,
                    }
                    for i in range(count)
                ],
            )
        )
        await s.execute(
            insert(Routine),
            [
                {
                    "member_id": m.id,
                    "cadence": "daily",
                    "hour": when.hour,
                    "minute": when.minute,
                    "weekdays_only": False,
                    "enabled": True,
                    "next_due_at": when,
                }
                for m in made
            ],
        )
        return made


async def rows(services: Services, member_id: int | None = None) -> list[Delivery]:
    async with services.store.session() as s:
        query = select(Delivery).order_by(Delivery.due_at, Delivery.id)
        if member_id is not None:
            query = query.where(Delivery.member_id == member_id)
        return list(await s.scalars(query))


async def routine(services: Services, member_id: int, cadence: str) -> Routine:
    async with services.store.session() as s:
        found = await s.scalar(
            select(Routine).where(Routine.member_id == member_id, Routine.cadence == cadence)
        )
        assert found is not None
        return found


ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0


#: A pid or an exit code to come.
Future = asyncio.Future[int]


def _settle(loop: asyncio.AbstractEventLoop, future: Future, value: int) -> None:
    """Resolve ``future`` from the zygote's reader thread (its test may be over)."""

    def settle() -> None:
        if not future.done():
            future.set_result(value)

    with suppress(RuntimeError):  # the loop is closed: nobody waits any more
        loop.call_soon_threadsafe(settle)


class Zygote:
    """The test process's end of ``tests.schedules.zygote``: workers forked from a
    process that has imported them already (~1.3 s of CPU less per worker start).

    One per test process, started on first use (a session fixture); a thread reads the
    server's lines and resolves the futures of the test's event loop."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.schedules.zygote"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdout is not None and self.proc.stdin is not None
        ready = self.proc.stdout.readline()
        assert ready == b"ready\n", f"the worker fork server did not start: {ready!r}"
        self.lock = threading.Lock()
        self.ids = itertools.count()
        #: Per request id: the loop, the future of the pid and the one of the exit code.
        self.starting: dict[int, tuple[asyncio.AbstractEventLoop, Future, Future]] = {}
        #: Per pid: the loop and the future of the exit code.
        self.running: dict[int, tuple[asyncio.AbstractEventLoop, Future]] = {}
        self.reader = threading.Thread(target=self._read, name="zygote", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            word, first, second = line.split()
            with self.lock:
                if word == b"started":
                    loop, started, done = self.starting.pop(int(first))
                    self.running[int(second)] = (loop, done)
                    _settle(loop, started, int(second))
                elif word == b"exit":
                    loop, done = self.running.pop(int(first))
                    _settle(loop, done, int(second))

    async def fork(self, argv: Sequence[str], out: Path, err: Path) -> Forked:
        loop = asyncio.get_running_loop()
        started: Future = loop.create_future()
        done: Future = loop.create_future()
        with self.lock:
            n = next(self.ids)
            self.starting[n] = (loop, started, done)
        request = {"id": n, "argv": list(argv), "out": str(out), "err": str(err)}
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        self.proc.stdin.flush()
        pid = await asyncio.wait_for(started, DEADLINE)
        return Forked(pid, out, err, done)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()  # EOF: the server returns
        self.proc.wait(DEADLINE)
        self.reader.join(DEADLINE)  # it has read the last line
        assert self.proc.stdout is not None
        self.proc.stdout.close()


class Forked:
    """A worker forked by the zygote, with what the tests use of
    ``asyncio.subprocess.Process``: its pid, a SIGKILL, its exit code and output."""

    def __init__(self, pid: int, out: Path, err: Path, done: Future) -> None:
        self.pid = pid
        self.out = out
        self.err = err
        self.done = done

    @property
    def returncode(self) -> int | None:
        return self.done.result() if self.done.done() else None

    def kill(self) -> None:
        if self.returncode is None:
            with suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    async def wait(self) -> int:
        return await asyncio.shield(self.done)

    async def communicate(self) -> tuple[bytes, bytes]:
        await self.wait()
        return self.out.read_bytes(), self.err.read_bytes()


class Workers:
    """Starts workers on one database, all writing what they send to one file."""

    def __init__(self, url: str, out: Path, zygote: Zygote) -> None:
        self.url = url
        self.out = out
        self.zygote = zygote
        self.started: list[Forked] = []

    async def start(self, now: str, *options: str) -> Forked:
        """A worker process (``tests.schedules.worker``), forked by the zygote."""
        n = len(self.started)
        argv = ["--db", self.url, "--now", now, "--out", str(self.out), *options]
        log = self.out.parent
        proc = await self.zygote.fork(argv, log / f"worker-{n}.out", log / f"worker-{n}.err")
        self.started.append(proc)
        return proc

    def kill_all(self) -> None:
        """At the test's end: no worker outlives it (one a failed test left hanging)."""
        for proc in self.started:
            proc.kill()

    async def run(self, now: str, *options: str) -> dict:
        """Run a worker to completion and return its totals."""
        proc = await self.start(now, *options)
        stdout, stderr = await asyncio.wait_for(proc.communicate(), DEADLINE)
        assert proc.returncode == 0, stderr.decode()[-3000:]
        return json.loads(stdout.decode().strip().splitlines()[-1])

    def lines(self, word: str) -> list[tuple[str, str, str]]:
        """(user, kind, period) of every ``word`` line the platform received."""
        if not self.out.exists():
            return []
        found = []
        for line in self.out.read_text().splitlines():
            head, _pid, user, kind, period = line.split()
            if head == word:
                found.append((user, kind, period))
        return found

    async def kill_when(
        self,
        proc: Forked,
        word: str,
        count: int,
        also: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        """SIGKILL ``proc`` once the file has ``count`` ``word`` lines (and ``also``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DEADLINE
        while len(self.lines(word)) < count or (also is not None and not await also()):
            if proc.returncode is not None or loop.time() > deadline:
                proc.kill()  # a hung one: its stderr says where
                _, stderr = await proc.communicate()
                pytest.fail(f"worker ended early or hung: {stderr.decode()[-3000:]}")
            await asyncio.sleep(0.02)
        proc.kill()
        await proc.wait()
