"""A scheduler worker in its own process, for tests that kill it at a chosen point.

    python -m tests.schedules.worker --db URL --now 2027-03-01T09:00 --out FILE [--mode M]

(The tests fork it from ``tests/schedules/zygote.py`` with the same arguments, which
calls :func:`run` in a child that has the imports already.)

The outlet stands for the platform: it appends one line per message it accepts to
``--out`` (``sent <pid> <target> <kind> <period>``, written with O_APPEND so several
processes can share the file; a write survives the SIGKILL of its writer). A target
without a cached DM channel first opens one (an ``open`` line, and the channel id comes
back with the send, as on Discord). ``--pace R`` spaces this process's requests (each
open and each send) ``1/R`` seconds apart, like a platform's rate limit.
``--mode`` chooses where the process stops:

* ``normal``: sends and returns.
* ``hang-before-send``: writes ``claimed …`` and blocks forever, before the platform has
  the message (the test kills it there: a crash after claim, before send).
* ``hang-after-send``: writes ``sent …`` and blocks forever, before the worker can
  record the send (the test kills it there: a crash after send, before record).
* ``hang-before-fold``: sends and records receipts, then writes ``fold …`` and blocks
  forever where the tick would fold the receipts into their rows (a crash there).

``--run once`` ticks once and exits; ``drain`` ticks until a tick claims nothing;
``serve`` starts the APScheduler job and runs until killed. ``--ready FILE`` writes
``ready`` once started and waits for ``--go FILE`` to exist before the first tick, so
two workers can be released together. The clock is simulated and fixed at ``--now``:
the tests move time between processes, not inside them; with ``--epoch T`` it runs
instead, ``--now`` at the wall-clock instant T (seconds since 1970, shared by every
process of a test), for tests where leases must run out while a worker sends.
``--host`` names the machine the worker says it runs on (another host cannot tell
whether its pid still runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import Clock, SimClock
from bot.content import load_library
from bot.context import Services
from bot.delivery import Sent, Target
from bot.reply import Reply
from schedules.engine import Scheduler, TickReport
from storage import outbox
from storage.db import create_engine, sessionmaker
from storage.repo import Store


def engine_for(url: str) -> Any:
    """As ``tests.conftest.engine_for``: the URL's libpq options (search_path, and
    synchronous_commit) become server settings."""
    return create_engine(url)


class RunningClock:
    """``start`` at the wall-clock instant ``epoch``, moving with the wall clock."""

    def __init__(self, start: datetime, epoch: float) -> None:
        self.start = start
        self.epoch = epoch

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.time() - self.epoch)


class Pace:
    """Requests start ``1 / rate`` seconds apart (a platform's rate limit)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next = 0.0

    async def take(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        slot = max(self.next, now)
        self.next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class FileOutlet:
    platform = "console"

    def __init__(self, out: Path, mode: str, delay: float, pace: float = 0.0) -> None:
        self.out = out
        self.mode = mode
        self.delay = delay
        self.pace = Pace(pace)
        self.count = 0
        self.fd = os.open(self.out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def _line(self, word: str, target: Target, replies: Sequence[Reply]) -> None:
        kind, period = replies[0].text.split(" ", 1)
        os.write(self.fd, f"{word} {os.getpid()} {target.user} {kind} {period}\n".encode())

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent:
        if self.mode == "hang-before-send":
            self._line("claimed", target, replies)
            await asyncio.Event().wait()
        dm_channel = target.dm_channel
        if dm_channel is None:
            await self.pace.take()
            self._line("open", target, replies)
            dm_channel = f"D{target.user}"
        await self.pace.take()
        if self.delay:
            await asyncio.sleep(self.delay)
        self._line("sent", target, replies)
        if self.mode == "hang-after-send":
            await asyncio.Event().wait()
        self.count += 1
        return Sent(message_id=f"{os.getpid()}-{self.count}", dm_channel=dm_channel)


def hang_before_fold(out: Path) -> Callable[[Any], None]:
    def fold(_conn: Any, **_: Any) -> None:
        fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"fold {os.getpid()} - - -\n".encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        time.sleep(3600)  # in the writer's thread, inside its transaction

    return fold


async def plain(services: Services, delivery: Any, member: Any) -> list[Reply]:
    return [Reply(text=f"{delivery.kind} {delivery.period_key}")]


async def main(args: argparse.Namespace) -> dict[str, Any]:
    engine = engine_for(args.db)
    now = datetime.fromisoformat(args.now).replace(tzinfo=UTC)
    clock: Clock = SimClock(now) if args.epoch is None else RunningClock(now, args.epoch)
    services = Services(store=Store(sessionmaker(engine)), content=load_library(), clock=clock)
    if args.mode == "hang-before-fold":
        outbox.fold_receipts = hang_before_fold(Path(args.out))
    extra = {"host": args.host} if args.host else {}
    scheduler = Scheduler(
        services,
        outlets={"console": FileOutlet(Path(args.out), args.mode, args.delay, args.pace)},
        render=plain,
        batch_size=args.batch,
        max_in_flight=args.in_flight,
        lease=timedelta(seconds=args.lease),
        **extra,
    )
    if args.ready:
        Path(args.ready).write_text("ready")
        while not Path(args.go).exists():
            await asyncio.sleep(0.01)
    if args.epoch is not None:
        # The clock reads ``--now`` only at the epoch: a worker that started faster
        # than that would tick before the prompts are due, claim nothing and, draining,
        # stop having sent nothing (the paced tests failed so on a quiet machine).
        await asyncio.sleep(max(0.0, args.epoch - time.time()))
    totals = TickReport(now=clock.now())
    try:
        if args.run == "serve":
            scheduler.start(interval_s=0.1)
            await asyncio.Event().wait()
        while True:
            report = await scheduler.tick()
            for name in ("created", "missed", "claimed", "sent", "skipped"):
                setattr(totals, name, getattr(totals, name) + getattr(report, name))
            if args.run == "once" or not report.claimed:
                break
    finally:
        await engine.dispose()
    return {
        "pid": os.getpid(),
        "created": totals.created,
        "missed": totals.missed,
        "claimed": totals.claimed,
        "sent": totals.sent,
    }


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.schedules.worker")
    parser.add_argument("--db", required=True)
    parser.add_argument("--now", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--mode",
        default="normal",
        choices=("normal", "hang-before-send", "hang-after-send", "hang-before-fold"),
    )
    parser.add_argument("--run", default="once", choices=("once", "drain", "serve"))
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--lease", type=float, default=120.0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--pace", type=float, default=0.0)
    parser.add_argument("--epoch", type=float)
    parser.add_argument("--host")
    parser.add_argument("--ready")
    parser.add_argument("--go")
    return parser


def run(argv: Sequence[str]) -> None:
    """Run one worker and print its totals as one JSON line (what the tests read)."""
    print(json.dumps(asyncio.run(main(parser().parse_args(argv)))), flush=True)


if __name__ == "__main__":
    import sys

    run(sys.argv[1:])
