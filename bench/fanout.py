"""Fan-out benchmark: N members due in the same minute, the outbox against the design it
replaces (one APScheduler CronTrigger job per member in a memory job store).

    python bench/fanout.py                      # 100,000 members, temporary SQLite file
    python bench/fanout.py --members 200 --json # CI-sized smoke run, one JSON object
    python bench/fanout.py --db postgresql://postgres@127.0.0.1:5432/test

Three processes, so each measured one starts cold:

1. ``seed``: migrates a fresh database and stores N members over 30 time zones (two
   languages, a few with their own diet sources), each with daily, weekly and monthly
   routines; every daily routine is due at the same instant T.
2. ``outbox``: the real thing. Start-up is process start (taken by the parent just
   before spawning) until ``Scheduler.start()`` returned: engine, migrations checked,
   content loaded, the APScheduler interval job running. Its first tick, at T on a
   simulated clock, turns the routines into outbox rows, claims them in batches, renders
   each through the core (``bot.prompts.render_delivery``, through the scheduler's render
   cache) and hands it to a null adapter, recording each send as a receipt; at its end
   the tick folds the receipts into the rows. prompts/s is N over the time from the
   tick's start until every prompt was handed over and its receipt written
   (``handover_s``); ``tick_prompts_per_s`` is N over the whole tick, fold included
   (``tick_s``).
3. ``baseline``: reads the same members, adds one ``CronTrigger`` job per member to an
   ``AsyncIOScheduler`` with a ``MemoryJobStore`` and starts it (start-up ends there).
   To fire all jobs without waiting for T on the wall clock, each trigger is set to the
   member's local time of an instant F a little after start-up, which is the same work
   per job as the member's real time. prompts/s is N over the span from F (or start-up's
   end, if later) until the last job has rendered (same renderer and cache) and handed
   its prompt to the null adapter. It writes nothing to the database: it has no outbox.

Memory: ``rss_growth_mb`` is peak RSS minus RSS once started, "started" being the same
point in both processes: imports done, database connected and content loaded, before
anything per member exists. For the baseline that growth is its jobs; for the outbox it
is one tick's batches.

On PostgreSQL (``--db``) the run uses a scratch schema that is dropped afterwards.

A watchdog guards the outbox step: a tick that has not moved (no chunk written, no
sends recorded) for ``WATCHDOG_S`` seconds is taken for a stall, and the step prints
where every task waits (``bot.stacks``) and exits 3, instead of sitting there until
someone kills it (one PostgreSQL run did, for 13 minutes, before the watchdog).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scratch import create_schema, drop_schema, in_schema  # noqa: E402

DUE = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Kyiv",
    "Europe/Istanbul",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dhaka",
    "Asia/Ho_Chi_Minh",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "America/Buenos_Aires",
    "America/New_York",
    "America/Toronto",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Mexico_City",
    "Pacific/Honolulu",
)
MEMBERS_PER_WORKSPACE = 1000
PLATFORM = "slack"


def rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB, from /proc."""
    values: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, amount, _unit = line.split()
                values[name[:-1]] = int(amount) / 1024
    return values["VmRSS"], values["VmHWM"]


def engine_for(url: str) -> Any:
    """An engine; a ``search_path`` in the URL travels as an asyncpg server setting."""
    from storage.db import create_engine

    if "options=-csearch_path" in url:
        base, _, schema = url.partition("?options=-csearch_path%3D")
        return create_engine(base, connect_args={"server_settings": {"search_path": schema}})
    return create_engine(url)


class NullOutlet:
    """Accepts everything at once: what is measured is the scheduler, not a platform."""

    platform = PLATFORM

    def __init__(self) -> None:
        from bot.delivery import Sent

        self.count = 0
        self.receipt = Sent(message_id="m")

    async def deliver(self, target: Any, replies: Any) -> Any:
        self.count += 1
        return self.receipt


# --- 1. seed ----------------------------------------------------------------------------


async def seed(url: str, members: int) -> dict[str, Any]:
    from sqlalchemy import insert

    from schedules.routines import DEFAULTS
    from schedules.timing import RoutineSpec, next_due
    from storage.migrate import migrate
    from storage.models import Member, Routine, Workspace

    started = time.perf_counter()
    rng = random.Random(4)
    engine = engine_for(url)
    await migrate(engine)
    later: dict[tuple[str, str], datetime] = {}

    def next_after(cadence: str, zone: str) -> datetime:
        if (cadence, zone) not in later:
            fields = asdict(DEFAULTS[cadence])
            spec = RoutineSpec(cadence=cadence, tz=zone, **fields)  # type: ignore[arg-type]
            later[(cadence, zone)] = next_due(spec, DUE + timedelta(minutes=1))
        return later[(cadence, zone)]

    from zoneinfo import ZoneInfo

    async with engine.begin() as conn:
        spaces = (members + MEMBERS_PER_WORKSPACE - 1) // MEMBERS_PER_WORKSPACE
        await conn.execute(
            insert(Workspace),
            [
                {
                    "id": w + 1,
                    "platform": PLATFORM,
                    "external_id": f"T{w:05d}",
                    "name": f"team {w}",
                    "timezone": "UTC",
                    "language": "en",
                    "created_at": DUE,
                }
                for w in range(spaces)
            ],
        )
        chunk = 10_000
        for start in range(0, members, chunk):
            rows, routines = [], []
            for i in range(start, min(start + chunk, members)):
                zone = ZONES[i % len(ZONES)]
                local = DUE.astimezone(ZoneInfo(zone))
                own = rng.random() < 0.05
                rows.append(
                    {
                        "id": i + 1,
                        "workspace_id": i // MEMBERS_PER_WORKSPACE + 1,
                        "external_user": f"U{i:07d}",
                        "display_name": f"member {i}",
                        "language": "vi" if rng.random() < 0.3 else "en",
                        "timezone": zone,
                        "paused": False,
                        "digest_opt_in": True,
                        "diet_sources": {"daily": ["arXiv", f"blog {i % 7}"]} if own else {},
                        "created_at": DUE,
                    }
                )
                routines.append(
                    {
                        "member_id": i + 1,
                        "cadence": "daily",
                        "hour": local.hour,
                        "minute": local.minute,
                        "weekdays_only": False,
                        "weekday": 4,
                        "day_of_month": 1,
                        "enabled": True,
                        "next_due_at": DUE,
                    }
                )
                for cadence in ("weekly", "monthly"):
                    d = DEFAULTS[cadence]
                    routines.append(
                        {
                            "member_id": i + 1,
                            "cadence": cadence,
                            "hour": d.hour,
                            "minute": d.minute,
                            "weekdays_only": d.weekdays_only,
                            "weekday": d.weekday,
                            "day_of_month": d.day_of_month,
                            "enabled": True,
                            "next_due_at": next_after(cadence, zone),
                        }
                    )
            await conn.execute(insert(Member), rows)
            await conn.execute(insert(Routine), routines)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            from sqlalchemy import text

            for table in ("workspace", "member", "routine"):
                await conn.execute(text(f"ANALYZE {table}"))
    await engine.dispose()
    return {"seed_s": time.perf_counter() - started}


async def add_history(url: str, days: int) -> dict[str, Any]:
    """``days`` days of sent daily prompts for every member before the fan-out's day,
    one day per statement in date order (ids grow with time, as in production): what
    a month of use leaves in the outbox, 3,000,000 rows for 100,000 members."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import bindparam, text

    from storage.types import UTCDateTime

    started = time.perf_counter()
    engine = engine_for(url)
    pg = engine.dialect.name == "postgresql"
    for back in range(days, 0, -1):
        day = DUE - timedelta(days=back)
        # The period is the member's local date, as the scheduler names it.
        period = " ".join(
            f"WHEN '{zone}' THEN '{day.astimezone(ZoneInfo(zone)).date().isoformat()}'"
            for zone in ZONES
        )
        statement = text(
            "INSERT INTO delivery (workspace_id, member_id, target, kind, period_key, status,"
            " due_at, not_before, attempts, sent_at, platform_message_id, payload, created_at)"
            f" SELECT workspace_id, id, 'm:' || id, 'prompt:daily', CASE timezone {period} END,"
            " 'sent', :day, :day, 1, :day, 'm', '{}', :day FROM member ORDER BY id"
        ).bindparams(bindparam("day", type_=UTCDateTime()))
        async with engine.begin() as conn:
            await conn.execute(statement, {"day": day})
    if pg:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE delivery"))
    await engine.dispose()
    return {"history_seed_s": time.perf_counter() - started}


async def reset(url: str) -> dict[str, Any]:
    """Undo a fan-out: its rows and receipts deleted, the daily routines due again (for
    ``--repeat``); the history stays."""
    from sqlalchemy import bindparam, text

    from storage.types import UTCDateTime

    engine = engine_for(url)
    pg = engine.dialect.name == "postgresql"
    due = bindparam("due", DUE, type_=UTCDateTime())
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM delivery_receipt"))
        await conn.execute(text("DELETE FROM delivery WHERE created_at >= :due").bindparams(due))
        await conn.execute(
            text("UPDATE routine SET next_due_at = :due WHERE cadence = 'daily'").bindparams(due)
        )
    if pg:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE delivery"))
            await conn.execute(text("VACUUM ANALYZE routine"))
    await engine.dispose()
    return {}


# --- 2. the outbox ------------------------------------------------------------------------

#: Seconds without progress after which the outbox step is declared stalled.
WATCHDOG_S = 90.0


async def watchdog(after_s: float = WATCHDOG_S) -> None:
    """Exit 3 with the stacks of every task once the running tick has not moved for
    ``after_s`` seconds (``bot.telemetry.quiet_for``), or no tick has run for that long
    (it never started, or it failed: its traceback is on stderr before the stacks)."""
    from bot import stacks, telemetry

    started = time.monotonic()
    while True:
        await asyncio.sleep(1.0)
        quiet = telemetry.quiet_for()
        if quiet is None:
            quiet = time.monotonic() - started
        if quiet > after_s:
            print(
                f"STALLED: the tick has not moved for {quiet:.0f} s; its tasks wait here:\n"
                + stacks.all_task_stacks(),
                file=sys.stderr,
                flush=True,
            )
            os._exit(3)


async def run_outbox(url: str, t0: float, members: int) -> dict[str, Any]:
    from bot.clock import SimClock
    from bot.content import load_library
    from bot.context import Services
    from schedules.engine import Scheduler
    from storage.db import sessionmaker
    from storage.migrate import migrate
    from storage.repo import Store

    engine = engine_for(url)
    await migrate(engine)
    services = Services(
        store=Store(sessionmaker(engine)), content=load_library(), clock=SimClock(DUE)
    )
    rss_start, _ = rss_mb()
    outlet = NullOutlet()
    scheduler = Scheduler(services, outlets={PLATFORM: outlet})
    guard = asyncio.create_task(watchdog())
    scheduler.start(interval_s=3600)
    startup = time.time() - t0
    while scheduler.last_report is None:  # the interval job ticks once at start
        await asyncio.sleep(0.005)
    report = scheduler.last_report
    guard.cancel()
    await scheduler.stop()
    _, peak = rss_mb()
    await engine.dispose()
    if report.sent != members or outlet.count != members:
        raise SystemExit(f"outbox sent {report.sent} (outlet saw {outlet.count}) of {members}")
    return {
        "startup_s": startup,
        "handover_s": report.handed_over_s,
        "tick_s": report.elapsed_s,
        "prompts_per_s": members / report.handed_over_s,
        "tick_prompts_per_s": members / report.elapsed_s,
        "sent": report.sent,
        "renderings": report.rendered,
        "rss_start_mb": rss_start,
        "peak_rss_mb": peak,
        "rss_growth_mb": peak - rss_start,
    }


# --- 3. the baseline ----------------------------------------------------------------------


async def run_baseline(url: str, t0: float, members: int) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.cron import CronTrigger
    from sqlalchemy import select

    from bot.clock import SimClock
    from bot.content import load_library
    from bot.context import Services
    from bot.delivery import Target
    from schedules.dispatch import RENDER_INPUTS, Job, Recipient, Space
    from schedules.render import RenderCache, default_render, render_key
    from storage.db import sessionmaker
    from storage.migrate import migrate
    from storage.models import Routine, Workspace
    from storage.outbox import RECIPIENT_COLUMNS, WORKSPACE_COLUMNS
    from storage.repo import Store

    engine = engine_for(url)
    await migrate(engine)
    services = Services(
        store=Store(sessionmaker(engine)), content=load_library(), clock=SimClock(DUE)
    )
    rss_start, _ = rss_mb()
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(*RECIPIENT_COLUMNS, *WORKSPACE_COLUMNS)
                .join(Routine, Routine.member_id == RECIPIENT_COLUMNS[0])
                .join(Workspace, Workspace.id == RECIPIENT_COLUMNS[1])
                .where(Routine.cadence == "daily", Routine.enabled.is_(True))
            )
        ).all()
    await engine.dispose()
    width = len(RECIPIENT_COLUMNS)
    cache = RenderCache(services, default_render())
    outlet = NullOutlet()
    done = asyncio.Event()
    finished: list[float] = []
    failures: list[BaseException] = []

    async def fire(member: Recipient, space: Space) -> None:
        """One member's job: what the per-member design does when its cron fires, with
        the same rendering (and render cache) as the outbox."""
        try:
            now = datetime.now(UTC)
            period = now.astimezone(ZoneInfo(member.timezone)).date().isoformat()
            job = Job(member.id, space.id, member.id, None, f"m:{member.id}", "prompt:daily",
                      period, "claimed", now, 1, "{}")  # fmt: skip
            key = render_key(job, member[RENDER_INPUTS])
            replies = cache.get(key)
            if replies is None:
                replies = await cache.fill(key, job, member, space)
            assert not isinstance(replies, str), replies
            target = Target(platform=space.platform, workspace=space.external_id,
                            user=member.external_user)  # fmt: skip
            await outlet.deliver(target, replies)
        except BaseException as exc:
            failures.append(exc)
            done.set()
            raise
        if outlet.count == members:
            finished.append(time.perf_counter())
            done.set()

    aps = AsyncIOScheduler(
        jobstores={"default": MemoryJobStore()},
        job_defaults={"misfire_grace_time": None, "coalesce": True},
        timezone=UTC,
    )
    # Whole seconds (a CronTrigger has no finer field), a little after start-up is
    # expected to end (about 200 µs a job).
    fire_at = datetime.now(UTC).replace(microsecond=0) + timedelta(
        seconds=1 + int(members * 0.0003)
    )
    for row in rows:
        member, space = Recipient._make(row[:width]), Space._make(row[width:])
        zone = ZoneInfo(member.timezone)
        local = fire_at.astimezone(zone)
        aps.add_job(
            fire,
            CronTrigger(hour=local.hour, minute=local.minute, second=local.second, timezone=zone),
            args=(member, space),
            id=f"routine-{member.id}",
        )
    del rows
    aps.start()
    started_at = time.time()
    # A job whose fire second had already passed when the scheduler started (a slow
    # start on a loaded machine) was scheduled for tomorrow: bring it back to F, which
    # is past, so it runs now (misfire_grace_time=None), instead of the run waiting out
    # its timeout.
    for job in aps.get_jobs():
        if job.next_run_time is not None and job.next_run_time > fire_at:
            job.modify(next_run_time=fire_at)
    startup = started_at - t0
    fire_wall = max(fire_at.timestamp(), started_at)
    fire_perf = time.perf_counter() + (fire_wall - time.time())
    await asyncio.wait_for(done.wait(), timeout=120 + members * 0.001)
    if failures:
        raise SystemExit(f"baseline job failed: {failures[0]!r}")
    span = finished[0] - fire_perf
    _, peak = rss_mb()
    aps.shutdown(wait=False)
    await asyncio.sleep(0)
    return {
        "baseline_startup_s": startup,
        "baseline_fire_s": span,
        "baseline_prompts_per_s": members / span,
        "baseline_peak_rss_mb": peak,
        "baseline_rss_growth_mb": peak - rss_start,
    }


# --- orchestration ------------------------------------------------------------------------


def child(step: str, url: str, members: int, *extra: str) -> dict[str, Any]:
    """Run one step in a fresh interpreter and return the JSON it printed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, __file__, "--step", step, "--db", url, "--members", str(members)]
    t0 = time.time()
    command += ["--t0", repr(t0), *extra]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        # Long enough for a stalled run's task stacks (the watchdog's exit 3).
        raise SystemExit(f"{step} failed ({done.returncode}):\n{done.stderr[-30000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


#: What each outbox run reports, kept per variant (``history_…``, ``sqlite_…``).
RUN_KEYS = ("handover_s", "tick_s", "prompts_per_s", "tick_prompts_per_s")


def orchestrate(args: argparse.Namespace) -> dict[str, Any]:
    """Seed every database the run compares, then run the outbox on each in turn,
    ``--repeat`` times, alternating, so that the machine's changing speed falls on all
    of them alike; each figure is the median of its runs, each ratio taken between
    runs of the same round."""
    schemas: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mentorbot-bench-") as tmp:
        pg = bool(args.db and args.db.startswith(("postgres://", "postgresql")))

        def database(name: str) -> str:
            if pg:
                schema = asyncio.run(create_schema(args.db))
                schemas.append(schema)
                return in_schema(args.db, schema)
            return (
                args.db if args.db and name == "" else f"sqlite:///{Path(tmp) / f'bench{name}.db'}"
            )

        # (prefix of the result keys, database URL, days of history)
        variants = [("", database(""), 0)]
        if args.history_days:
            variants.append(("history_", database("_history"), args.history_days))
        if args.compare_sqlite and pg:
            variants.append(("sqlite_", f"sqlite:///{Path(tmp) / 'bench_sqlite.db'}", 0))
        try:
            result: dict[str, Any] = {
                "members": args.members,
                "backend": "postgresql" if pg else "sqlite",
            }
            for prefix, url, days in variants:
                seeded = child("seed", url, args.members)
                result[f"{prefix}seed_s"] = seeded["seed_s"]
                if days:
                    result["history_days"] = days
                    result |= child("history", url, args.members, "--history-days", str(days))
            runs: dict[str, list[dict[str, Any]]] = {prefix: [] for prefix, _, _ in variants}
            for round_ in range(args.repeat):
                for prefix, url, _ in variants:
                    if round_:
                        child("reset", url, args.members)
                    runs[prefix].append(child("outbox", url, args.members))
            result |= runs[""][0] | _medians(runs[""], "")
            for prefix, _, _ in variants[1:]:
                result |= _medians(runs[prefix], prefix)
                ratios = [
                    other["prompts_per_s"] / first["prompts_per_s"]
                    for first, other in zip(runs[""], runs[prefix], strict=True)
                ]
                result[f"{prefix}ratio"] = statistics.median(ratios)
                result[f"{prefix}ratios"] = ratios
            if args.repeat > 1:
                result["runs_prompts_per_s"] = [r["prompts_per_s"] for r in runs[""]]
            if args.skip_baseline:
                result |= dict.fromkeys(
                    (
                        "baseline_startup_s",
                        "baseline_prompts_per_s",
                        "baseline_peak_rss_mb",
                        "baseline_rss_growth_mb",
                    )
                )
            else:
                result |= child("baseline", variants[0][1], args.members)
        finally:
            for schema in schemas:
                asyncio.run(drop_schema(args.db, schema))
    if result.get("baseline_startup_s"):
        result["startup_ratio"] = result["baseline_startup_s"] / result["startup_s"]
        result["rss_growth_ratio"] = result["baseline_rss_growth_mb"] / max(
            result["rss_growth_mb"], 0.1
        )
    return result


def _medians(runs: list[dict[str, Any]], prefix: str) -> dict[str, Any]:
    return {f"{prefix}{key}": statistics.median(run[key] for run in runs) for key in RUN_KEYS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--history-days",
        type=int,
        default=0,
        help="also run on a database holding this many days of sent prompts per member",
    )
    parser.add_argument(
        "--compare-sqlite",
        action="store_true",
        help="with a PostgreSQL --db, also run the outbox on a SQLite file in the same run",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="outbox runs per database, alternating"
    )
    parser.add_argument(
        "--step",
        choices=("seed", "history", "reset", "outbox", "baseline"),
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--t0", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        step = {
            "seed": seed,
            "history": add_history,
            "reset": reset,
            "outbox": run_outbox,
            "baseline": run_baseline,
        }[args.step]
        params = {
            "seed": (args.db, args.members),
            "history": (args.db, args.history_days),
            "reset": (args.db,),
        }.get(args.step, (args.db, args.t0, args.members))
        print(json.dumps(asyncio.run(step(*params))))  # type: ignore[operator]
        return 0
    result = orchestrate(args)
    if args.json:
        print(json.dumps(result))
    else:
        width = max(len(k) for k in result)
        for key, value in result.items():
            shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
            print(f"{key:<{width}}  {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
