"""``mentorbot``: the composition root. Builds every resource once and passes it down."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import Clock, SimClock, SystemClock
from bot.content import ContentError, load_library
from bot.context import Services
from bot.delivery import Target
from bot.events import Actor
from bot.mentor import Mentor
from mentorbot.settings import ConfigError, Settings, load_settings
from mentorbot.simulation import parse_duration, run_until
from storage.db import create_engine, sessionmaker
from storage.migrate import migrate
from storage.repo import MemberKey, Store

log = logging.getLogger("mentorbot")


@asynccontextmanager
async def open_services(
    database_url: str, clock: Clock, *, settings: Settings | None = None
) -> AsyncIterator[Services]:
    """Engine, migrations, content, its search index and store, opened once and closed on
    the way out; with a language model configured, its HTTP session too."""
    from bot.talk.index import index_for

    engine = create_engine(database_url)
    try:
        await migrate(engine)
        library = load_library()
        index_for(library)  # built now, so the first question does not pay for it
        services = Services(store=Store(sessionmaker(engine)), content=library, clock=clock)
        if settings is not None and settings.mentorbot_llm_url and settings.mentorbot_llm_model:
            import aiohttp

            from bot.talk.llm import GroundedWriter, LlmConfig

            config = LlmConfig(
                url=settings.mentorbot_llm_url,
                model=settings.mentorbot_llm_model,
                api_key=settings.mentorbot_llm_api_key,
                timeout=settings.mentorbot_llm_timeout,
            )
            async with aiohttp.ClientSession() as session:
                services.extras["answer_writer"] = GroundedWriter(config, session)
                yield services
        else:
            yield services
    finally:
        await engine.dispose()


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown time zone {value!r}") from None
    return value


def _instant(value: str) -> datetime:
    """An ISO date-time for ``--now``; without an offset it is read as UTC."""
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date-time {value!r}; write e.g. 2027-03-26T08:00 (UTC) or add +01:00"
        ) from None
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentorbot", description="A career mentor for AI/ML engineers, in chat."
    )
    sub = parser.add_subparsers(dest="command")
    console = sub.add_parser("console", help="chat with Mentorbot in this terminal")
    console.add_argument("--db", help="database URL or SQLite file (default: DATABASE_URL)")
    console.add_argument("--user", default="you", help="your user id (default: you)")
    console.add_argument("--workspace", default="console", help="workspace id")
    console.add_argument("--lang", choices=("en", "vi"), help="language on first contact")
    console.add_argument("--tz", type=_timezone, help="time zone on first contact")
    console.add_argument(
        "--clock",
        choices=("system", "sim"),
        default="system",
        help="sim: a simulated clock that only moves with ':advance 30m|12h|3d|2w'",
    )
    console.add_argument(
        "--now", type=_instant, help="start of the simulated clock (UTC unless an offset is given)"
    )
    demo = sub.add_parser("demo", help="play a small team through a month on a simulated clock")
    demo.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    demo.add_argument(
        "--start", type=_instant, help="first instant (default 2027-03-01T00:00, UTC)"
    )
    demo.add_argument(
        "--days", type=int, default=32, help="days to play (default 32: through the 1st's digest)"
    )
    run = sub.add_parser("run", help="run the configured adapters (the console when none)")
    run.add_argument("--db", help="database URL (default: DATABASE_URL)")
    run.add_argument("--slack-mode", choices=("socket", "http"), default=None)
    run.add_argument("--port", type=int, default=3000)
    sub.add_parser("migrate", help="apply database migrations and exit")
    return parser


async def run_console(settings: Settings, args: argparse.Namespace) -> int:
    """The console, with the scheduler sending prompts to it.

    On the system clock the scheduler ticks in the background, so prompts arrive in real
    time; on the simulated clock time stands still until ``:advance DURATION``, which
    delivers, in order, every prompt that falls due on the way.
    """
    simulated = getattr(args, "clock", "system") == "sim"
    clock: Clock = SimClock(args.now or datetime.now(UTC)) if simulated else SystemClock()
    async with open_services(
        args.db or settings.database_url, clock, settings=settings
    ) as services:
        from adapters.console import ConsoleAdapter, ConsoleOutlet, local_stamp
        from schedules.engine import Scheduler

        mentor = Mentor(services)
        actor = Actor(
            platform="console",
            workspace=args.workspace,
            user=args.user,
            display_name=args.user,
            is_admin=True,
            timezone=getattr(args, "tz", None) or settings.default_timezone,
            language=getattr(args, "lang", None) or settings.default_language,
        )
        adapter = ConsoleAdapter(handler=mentor.handle, actor=actor)

        async def zone_of(target: Target) -> str:
            found = await services.store.find_member(
                MemberKey(target.platform, target.workspace, target.user or "")
            )
            return found.timezone if found is not None else "UTC"

        outlet = ConsoleOutlet(adapter=adapter, clock=clock, zone_of=zone_of)
        scheduler = Scheduler(services, outlets={"console": outlet})
        if isinstance(clock, SimClock):
            sim = clock

            async def advance(arg: str) -> None:
                try:
                    delta = parse_duration(arg)
                except ValueError as exc:
                    adapter.write(f"! {exc}")
                    return
                start, before = sim.now(), outlet.sent
                await run_until(scheduler, sim, start + delta)
                zone = await zone_of(Target("console", actor.workspace, actor.user))
                adapter.write(
                    f"⏩ now {local_stamp(sim.now(), zone)}: "
                    f"{outlet.sent - before} delivered since {local_stamp(start, zone)}"
                )

            async def show_now(arg: str) -> None:
                zone = await zone_of(Target("console", actor.workspace, actor.user))
                adapter.write(f"🕑 {local_stamp(sim.now(), zone)}")

            adapter.directives[":advance"] = advance
            adapter.directives[":now"] = show_now
            return await adapter.listen()
        scheduler.start()
        try:
            return await adapter.listen()
        finally:
            await scheduler.stop()


async def run_demo(settings: Settings, args: argparse.Namespace) -> int:
    from mentorbot.demo import play

    start = args.start or datetime(2027, 3, 1, tzinfo=UTC)
    if args.db:
        return await play(args.db, start=start, days=args.days, out=sys.stdout)
    with tempfile.TemporaryDirectory(prefix="mentorbot-demo-") as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        return await play(url, start=start, days=args.days, out=sys.stdout)


async def wait_for_signal() -> None:
    """Until SIGINT or SIGTERM: how a service manager stops ``mentorbot run``."""
    import signal

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


async def run_platforms(settings: Settings, args: argparse.Namespace) -> int:
    """``mentorbot run`` with platform tokens: each configured adapter, and one scheduler
    sending through their outlets, until a signal (or a platform's fatal error)."""
    from schedules.engine import Scheduler

    async with open_services(
        args.db or settings.database_url, SystemClock(), settings=settings
    ) as services:
        mentor = Mentor(services)
        scheduler = Scheduler(services)
        waits: list[asyncio.Task[None]] = []
        async with AsyncExitStack() as stack:
            if settings.slack_enabled:
                from adapters.slack.app import SlackConfig, SlackRuntime

                slack = await stack.enter_async_context(
                    SlackRuntime(
                        SlackConfig.from_settings(settings, mode=args.slack_mode),
                        services=services,
                        mentor=mentor,
                        port=args.port,
                    )
                )
                scheduler.add_outlet(slack.outlet)
            if settings.discord_enabled:
                from adapters.discord.adapter import DiscordAdapter

                discord = await stack.enter_async_context(
                    DiscordAdapter.from_settings(settings, services=services, mentor=mentor)
                )
                scheduler.add_outlet(discord.outlet)
                waits.append(asyncio.create_task(discord.wait_closed()))
            waits.append(asyncio.create_task(wait_for_signal()))
            scheduler.start()
            try:
                done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()  # a platform connection that failed says why
            finally:
                await scheduler.stop()
                for task in waits:
                    task.cancel()
    return 0


async def run_migrate(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    print("database is up to date")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        logging.basicConfig(
            level=settings.log_level,
            stream=sys.stderr,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        logging.getLogger("alembic").setLevel(max(logging.WARNING, settings.log_level_number))
        # APScheduler logs every tick at INFO; the engine logs the ticks that did something.
        logging.getLogger("apscheduler").setLevel(max(logging.WARNING, settings.log_level_number))
        load_library()
        command = args.command or "run"
        if command == "migrate":
            return asyncio.run(run_migrate(settings))
        if command == "demo":
            return asyncio.run(run_demo(settings, args))
        if command == "console" and args.now is not None and args.clock != "sim":
            parser.error("--now needs --clock sim")
        if command == "run":
            if settings.discord_enabled or settings.slack_enabled:
                return asyncio.run(run_platforms(settings, args))
            args = argparse.Namespace(
                db=getattr(args, "db", None),
                workspace="console",
                user="you",
                lang=None,
                tz=None,
                clock="system",
                now=None,
            )
        return asyncio.run(run_console(settings, args))
    except (ConfigError, ContentError) as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
