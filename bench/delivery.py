"""Delivery benchmark: N prompts through outlets paced like Discord and like Slack, with
one and two workers, against the theoretical minimum the platform's limits allow.

    python bench/delivery.py                        # 10,000 prompts at the real pace (11 min)
    python bench/delivery.py --scale 10             # ten times faster: a quick check
    python bench/delivery.py --prompts 500 --scale 10 --json   # a smoke run

What is measured, per (platform, workers): the wall time from the workers' first tick
until every worker has drained the outbox (receipts folded), against the minimum the
limits allow, and the members who received the prompt more than once (the fake
platform counts every message it accepts).

The platforms (one shared fake per run, as one bot token or one Slack app is shared by
every worker):

- **Discord**: a global limit of 50 requests/s (burst 5) for the bot, a per-route
  bucket of 5 messages per 5 s per channel, and an occasional 429 (0.1 % of requests)
  with ``Retry-After`` of 0.5 s, which the client obeys by holding every request for
  that long and retrying (as discord.py does). Members have their DM channel cached
  (the steady state), so a prompt is one request. Minimum: N / 50 s.
- **Slack**: 1 message/s per channel (each DM is its own channel) and a cap per
  workspace of 25 messages/s, over 4 workspaces. Minimum: the largest workspace's
  share / 25 s.

Each client paces itself to the limits (as the adapters' pacers do) and the platform
checks them: a request over a limit is answered 429 and counted (``over_limit``).

``--scale S`` multiplies every rate by S and divides every wait (Retry-After, the lease)
by S, so 10,000 prompts take 20 s instead of 200 s; the database and rendering work is
not scaled, so a scaled run is much harder on the 1.1x goal than the platforms are
(the figures in ``docs/benchmarks.md`` are at the real pace). Two workers are two
``Scheduler`` objects in this process, each with its own engine (connections), lease
owner and heartbeat, sharing the event loop and the fake platform; their clock runs with
the wall clock (scaled), so leases can run out while rows wait. The renderer is a
one-line prompt (this measures delivery, not content). Needs PostgreSQL for two workers
(``--db``, default the test server; a scratch schema is dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scratch import scratch_schema  # noqa: E402
from bot.content import load_library  # noqa: E402
from bot.context import Services  # noqa: E402
from bot.delivery import Sent, Target  # noqa: E402
from bot.errors import PlatformUnreachable  # noqa: E402
from bot.reply import Reply  # noqa: E402
from schedules import policy  # noqa: E402

DUE = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
POSTGRES = os.environ.get(
    "MENTORBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


class Bucket:
    """``rate`` per second with a burst of ``burst`` (the generic cell rate algorithm,
    as ``adapters.common.pacing.Pacer``): ``wait`` says how long a request must wait."""

    def __init__(self, rate: float, burst: int) -> None:
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1) * self.interval
        self.tat = 0.0

    def wait(self, now: float) -> float:
        return max(0.0, self.tat - self.tolerance - now)

    def take(self, now: float) -> None:
        self.tat = max(self.tat, now) + self.interval

    def hold(self, now: float, seconds: float) -> None:
        self.tat = max(self.tat, now + seconds + self.tolerance)


class Gate:
    """Lets requests through one bucket in arrival order, one wake-up per request: a
    pump task releases the next waiter when the bucket allows it, reading the clock
    at each release, so a stalled loop releases at most a burst afterwards (as
    ``adapters.common.pacing.Pacer`` guarantees) and waiters do not all wake to
    recheck the bucket."""

    def __init__(self, bucket: Bucket) -> None:
        self.bucket = bucket
        self.queue: deque[asyncio.Future[None]] = deque()
        self.pump: asyncio.Task[None] | None = None

    async def wait(self) -> None:
        future = asyncio.get_running_loop().create_future()
        self.queue.append(future)
        if self.pump is None or self.pump.done():
            self.pump = asyncio.create_task(self._pump())
        await future

    async def _pump(self) -> None:
        while self.queue:
            now = time.monotonic()
            wait = self.bucket.wait(now)
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            self.bucket.take(now)
            self.queue.popleft().set_result(None)


class Platform:
    """The fake platform's side: checks the limits, answers an occasional 429, and
    counts each message it accepts per recipient."""

    def __init__(
        self, limits: dict[str, tuple[float, int]], *, p429: float, retry_s: float
    ) -> None:
        self.limits = limits
        self.buckets: dict[str, Bucket] = {}
        self.p429 = p429
        self.retry_s = retry_s
        self.random = random.Random(7)
        self.received: Counter[str] = Counter()
        self.requests = 0
        self.rate_limited = 0
        self.over_limit = 0

    def bucket(self, key: str, buckets: dict[str, Bucket] | None = None) -> Bucket:
        buckets = self.buckets if buckets is None else buckets
        found = buckets.get(key)
        if found is None:
            rate, burst = self.limits[key.split(":", 1)[0]]
            found = buckets[key] = Bucket(rate, burst)
        return found

    def request(self, keys: Sequence[str], recipient: str) -> float | None:
        """Accept a message (None) or answer 429 with its Retry-After."""
        now = time.monotonic()
        self.requests += 1
        if any(self.bucket(key).wait(now) > 0.005 for key in keys):
            self.over_limit += 1
            return self.retry_s
        for key in keys:
            self.bucket(key).take(now)
        if self.random.random() < self.p429:
            self.rate_limited += 1
            return self.retry_s
        self.received[recipient] += 1
        return None


class PacedOutlet:
    """The client's side: reserves a start in every bucket a request needs (the
    buckets are shared by the workers, as one token's budget), and on a 429 holds the
    global bucket for Retry-After and retries (discord.py and slack_sdk's retry handler
    do the same)."""

    platform = "console"

    def __init__(self, platform: Platform, kind: str, gates: dict[str, Gate]) -> None:
        self.server = platform
        self.kind = kind
        self.gates = gates
        self.buckets: dict[str, Bucket] = {}

    def keys(self, target: Target) -> list[str]:
        channel = target.dm_channel or target.user
        if self.kind == "discord":
            return ["global:bot", f"route:{channel}"]
        return [f"workspace:{target.workspace}", f"channel:{channel}"]

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent:
        shared, own = self.keys(target)
        gate = self.gates.get(shared)
        if gate is None:
            gate = self.gates[shared] = Gate(self.server.bucket(shared, {}))
        channel = self.server.bucket(own, self.buckets)
        for _ in range(20):
            while (wait := channel.wait(time.monotonic())) > 0:
                await asyncio.sleep(wait)
            channel.take(time.monotonic())
            await gate.wait()
            retry = self.server.request([shared, own], f"{target.workspace}/{target.user}")
            if retry is None:
                return Sent(message_id=uuid.uuid4().hex[:12], dm_channel=target.dm_channel)
            gate.bucket.hold(time.monotonic(), retry)
        raise PlatformUnreachable("bench.rate_limited", permanent=False, retry_after=1.0)


class ScaledClock:
    """``DUE`` now, moving ``scale`` times as fast as the wall clock."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.t0 = time.monotonic()

    def now(self) -> datetime:
        return DUE + timedelta(seconds=(time.monotonic() - self.t0) * self.scale)


@dataclass
class Run:
    platform: str
    workers: int
    prompts: int
    seconds: float
    minimum_s: float
    ratio: float
    duplicates: int
    missing: int
    rate_limited: int
    over_limit: int


async def plain(services: Services, delivery: Any, member: Any) -> list[Reply]:
    return [Reply(text=f"{delivery.kind} {delivery.period_key}")]


def platform_for(kind: str, scale: float) -> Platform:
    if kind == "discord":
        limits = {"global": (50.0 * scale, 5), "route": (1.0 * scale, 5)}
        return Platform(limits, p429=0.001, retry_s=0.5 / scale)
    limits = {"workspace": (25.0 * scale, 5), "channel": (1.0 * scale, 1)}
    return Platform(limits, p429=0.001, retry_s=1.0 / scale)


async def seed(url: str, prompts: int, kind: str) -> None:
    from sqlalchemy import insert

    from storage.db import sessionmaker
    from storage.migrate import migrate
    from storage.models import Member, Routine, Workspace
    from storage.repo import Store

    engine = engine_for(url)
    await migrate(engine)
    spaces = 1 if kind == "discord" else 4
    store = Store(sessionmaker(engine))
    async with store.session() as s:
        await s.execute(
            insert(Workspace),
            [
                {"id": w + 1, "platform": "console", "external_id": f"W{w}", "created_at": DUE}
                for w in range(spaces)
            ],
        )
        await s.execute(
            insert(Member),
            [
                {
                    "id": i + 1,
                    "workspace_id": i % spaces + 1,
                    "external_user": f"U{i}",
                    "timezone": "UTC",
                    "language": "en",
                    "dm_channel": f"D{i}" if kind == "discord" else None,
                    "created_at": DUE,
                }
                for i in range(prompts)
            ],
        )
        await s.execute(
            insert(Routine),
            [
                {
                    "member_id": i + 1,
                    "cadence": "daily",
                    "hour": 9,
                    "minute": 0,
                    "weekdays_only": False,
                    "enabled": True,
                    "next_due_at": DUE,
                }
                for i in range(prompts)
            ],
        )
    await engine.dispose()


def engine_for(url: str) -> Any:
    from storage.db import create_engine

    if "options=-csearch_path" in url:
        base, _, schema = url.partition("?options=-csearch_path%3D")
        return create_engine(base, connect_args={"server_settings": {"search_path": schema}})
    return create_engine(url)


async def drain(scheduler: Any) -> None:
    while (await scheduler.tick()).claimed:
        pass


async def run_one(url: str, kind: str, workers: int, prompts: int, scale: float) -> Run:
    from schedules.engine import Scheduler
    from storage.db import sessionmaker
    from storage.repo import Store

    await seed(url, prompts, kind)
    platform = platform_for(kind, scale)
    client: dict[str, Gate] = {}  # the client's pacing, shared by the workers
    content = load_library()
    clock = ScaledClock(1.0)
    engines, schedulers = [], []
    for _ in range(workers):
        engine = engine_for(url)
        engines.append(engine)
        services = Services(store=Store(sessionmaker(engine)), content=content, clock=clock)
        schedulers.append(
            Scheduler(
                services,
                outlets={"console": PacedOutlet(platform, kind, client)},
                render=plain,
                lease=policy.LEASE / scale,
            )
        )
    for scheduler in schedulers:
        scheduler._warm_up()
    if isinstance(clock, ScaledClock):
        clock.t0 = time.monotonic()
    started = time.perf_counter()
    await asyncio.gather(*(drain(s) for s in schedulers))
    seconds = time.perf_counter() - started
    for scheduler in schedulers:
        await scheduler.stop()
    for engine in engines:
        await engine.dispose()
    if kind == "discord":
        minimum = prompts / 50.0
    else:
        minimum = max(Counter(i % 4 for i in range(prompts)).values()) / 25.0
    minimum /= scale
    return Run(
        platform=kind,
        workers=workers,
        prompts=prompts,
        seconds=round(seconds, 2),
        minimum_s=round(minimum, 2),
        ratio=round(seconds / minimum, 3),
        duplicates=sum(n - 1 for n in platform.received.values()),
        missing=prompts - len(platform.received),
        rate_limited=platform.rate_limited,
        over_limit=platform.over_limit,
    )


async def with_schema(base: str, work: Any) -> Any:
    async with scratch_schema(base) as url:
        return await work(url)


async def main(args: argparse.Namespace) -> list[Run]:
    runs = []
    for kind in args.platforms:
        for workers in args.workers:

            async def work(url: str, kind: str = kind, workers: int = workers) -> Run:
                return await run_one(url, kind, workers, args.prompts, args.scale)

            runs.append(await with_schema(args.db, work))
    return runs


def table(runs: Sequence[Run], scale: float) -> str:
    lines = [
        f"time scale: x{scale:g} (rates x{scale:g}, waits /{scale:g}; real seconds are"
        f" these x{scale:g})",
        "platform  workers  prompts  seconds  minimum  ratio  duplicates  missing  429s",
    ]
    for r in runs:
        lines.append(
            f"{r.platform:<9} {r.workers:>7} {r.prompts:>8} {r.seconds:>8.2f} "
            f"{r.minimum_s:>8.2f} {r.ratio:>6.3f} {r.duplicates:>11} {r.missing:>8} "
            f"{r.rate_limited + r.over_limit:>5}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prompts", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--db", default=POSTGRES, help="PostgreSQL URL (a scratch schema)")
    parser.add_argument("--platforms", nargs="+", default=["discord", "slack"])
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(main(args))
    if args.json:
        print(json.dumps({"scale": args.scale, "runs": [asdict(r) for r in result]}))
    else:
        print(table(result, args.scale))
