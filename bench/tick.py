"""Tick benchmark: the CPU one scheduler tick costs when there is (almost) nothing to do.

    python bench/tick.py                         # SQLite (a temporary file)
    python bench/tick.py --db postgresql://postgres@127.0.0.1:5432/test   # and PostgreSQL
    python bench/tick.py --ticks 300 --rounds 3 --json

A deployed worker ticks every 15 s whether or not anything is due, and the tests drive
the same tick thousands of times on a simulated clock (``tests/schedules/test_dst.py``
ticks every 15 minutes over five days), so the tick that finds nothing is the one paid
most often. Each backend gets a fresh database with one member (a console workspace,
daily routine at 09:00 UTC every day, weekly and monthly off) and a ``Scheduler`` with
a null outlet and a plain renderer (what is measured is the scheduler), and three
scenarios, each ``--ticks`` times per round:

- ``SELECT 1 session``: ``store.session()`` running ``SELECT 1``, the cheapest thing the
  tick could do: the baseline, measured in the same run, that the others are divided by
  (``ratio``), so runs on machines of different speed compare;
- ``one-prompt tick``: one daily prompt due at every tick (the clock moving a day a
  tick, at 09:00), sent, recorded and folded: the busy tick at its smallest;
- ``idle tick``: nothing due, the clock moving 10 s a tick from a minute after the last
  prompt (the next is a day later).

The scenarios alternate within each round (``--rounds``), so the machine's changing
speed falls on all of them alike; each figure is the median over rounds of the mean
per call. CPU is this process's (``time.process_time``: the event loop and the
drivers' threads), not the database server's; wall time is given too.

On PostgreSQL (``--db``) the run uses a scratch schema that is dropped afterwards. The
script only uses what the scheduler has long had (``Scheduler.tick``,
``Store.session``), so it runs against older commits too: copy it and
``bench/scratch.py`` into a checkout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scratch import scratch_schema  # noqa: E402

START = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)  # a Monday, six hours before 09:00
IDLE_STEP = timedelta(seconds=10)
PROMPT_STEP = timedelta(days=1)
SCENARIOS = ("SELECT 1 session", "idle tick", "one-prompt tick")  # in the table's order


class NullOutlet:
    """Takes every message at once."""

    platform = "console"

    def __init__(self) -> None:
        from bot.delivery import Sent

        self.count = 0
        self.receipt = Sent(message_id="m")

    async def deliver(self, target: Any, replies: Sequence[Any]) -> Any:
        self.count += 1
        return self.receipt


async def plain_render(services: Any, delivery: Any, member: Any) -> list[Any]:
    from bot.reply import Reply

    return [Reply(text=f"{delivery.kind} {delivery.period_key}")]


async def measure(url: str, *, ticks: int, rounds: int) -> dict[str, dict[str, float]]:
    """Per scenario: median CPU and wall milliseconds per call, and CPU ÷ the baseline's."""
    from sqlalchemy import text

    from bot.clock import SimClock
    from bot.content import load_library
    from bot.context import Services
    from schedules.engine import Scheduler
    from schedules.routines import ensure_routines, update_routine
    from storage.db import create_engine, sessionmaker
    from storage.migrate import migrate
    from storage.repo import MemberKey, Store

    engine = create_engine(url)
    await migrate(engine)
    clock = SimClock(START)
    store = Store(sessionmaker(engine))
    services = Services(store=store, content=load_library(), clock=clock)
    member, _ = await store.member(
        MemberKey("console", "W1", "U1"), now=START, defaults={"timezone": "UTC"}
    )
    await ensure_routines(store, member, now=START)
    for cadence in ("weekly", "monthly"):
        await update_routine(store, member, cadence, now=START, enabled=False)
    await update_routine(store, member, "daily", now=START, hour=9, minute=0, weekdays_only=False)
    outlet = NullOutlet()
    scheduler = Scheduler(services, outlets={"console": outlet}, render=plain_render)
    prompt_at = START.replace(hour=9)
    idle_at = START

    async def select_1() -> None:
        async with store.session() as s:
            await s.execute(text("SELECT 1"))

    async def idle() -> None:
        nonlocal idle_at
        clock.set(idle_at)
        await scheduler.tick()
        idle_at += IDLE_STEP

    async def one_prompt() -> None:
        nonlocal prompt_at, idle_at
        clock.set(prompt_at)
        report = await scheduler.tick()
        if report.sent != 1:
            raise RuntimeError(f"expected one prompt at {prompt_at}, sent {report.sent}")
        # Idle ticks come after this prompt and before the next, a day later.
        idle_at = prompt_at + timedelta(minutes=1)
        prompt_at += PROMPT_STEP

    calls: dict[str, Callable[[], Awaitable[None]]] = {
        "one-prompt tick": one_prompt,
        "idle tick": idle,
        "SELECT 1 session": select_1,
    }
    # Warm up (the first tick folds, statements compile, pools fill); then in each round
    # the idle ticks follow the day's prompt, so the clock only moves forward.
    for call in calls.values():
        for _ in range(10):
            await call()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in SCENARIOS}
    for _ in range(rounds):
        for name, call in calls.items():
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(ticks):
                await call()
            samples[name].append(
                ((time.process_time() - cpu) / ticks, (time.perf_counter() - wall) / ticks)
            )
    await scheduler.stop()
    await engine.dispose()
    base = [cpu for cpu, _ in samples["SELECT 1 session"]]
    result: dict[str, dict[str, float]] = {}
    for name in SCENARIOS:
        cpus = [cpu for cpu, _ in samples[name]]
        result[name] = {
            "cpu_ms": statistics.median(cpus) * 1000,
            "wall_ms": statistics.median(wall for _, wall in samples[name]) * 1000,
            "ratio": statistics.median(c / b for c, b in zip(cpus, base, strict=True)),
        }
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"ticks": args.ticks, "rounds": args.rounds}
    with tempfile.TemporaryDirectory(prefix="mentorbot-tick-") as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'tick.db'}"
        results["sqlite"] = await measure(sqlite_url, ticks=args.ticks, rounds=args.rounds)
    if args.db:
        async with scratch_schema(args.db, prefix="bench_tick") as url:
            results["postgresql"] = await measure(url, ticks=args.ticks, rounds=args.rounds)
    return results


def table(results: dict[str, Any]) -> str:
    lines = [
        f"{results['ticks']} calls per scenario and round, median of {results['rounds']} rounds",
        f"{'backend':<11} {'scenario':<17} {'CPU ms':>8} {'wall ms':>8} {'÷ SELECT 1':>10}",
    ]
    for backend in ("sqlite", "postgresql"):
        for name, row in results.get(backend, {}).items():
            lines.append(
                f"{backend:<11} {name:<17} {row['cpu_ms']:>8.2f} {row['wall_ms']:>8.2f}"
                f" {row['ratio']:>10.2f}"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a PostgreSQL URL: measure there too")
    parser.add_argument(
        "--ticks", type=int, default=300, help="calls per scenario and round (at most 8,000)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not 0 < args.ticks <= 8000:  # the idle ticks of a round fit between two prompts
        parser.error("--ticks must be between 1 and 8,000")
    results = asyncio.run(run(args))
    print(json.dumps(results) if args.json else table(results))


if __name__ == "__main__":
    main()
