"""``mentorbot``: the composition root. Builds every resource once and passes it down."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import Clock, SimClock, SystemClock
from mentorbot.platforms import check_discord, discord_adapter, slack_config
from mentorbot.settings import ConfigError, Settings, check_database_url, load_settings
from mentorbot.simulation import parse_duration, run_until
from mentorbot.startup import (
    OneLineFormatter,
    Unreachable,
    database_where,
    reason,
    settle_heap,
    with_retries,
)

# SQLAlchemy, the content packs, the mentor and the store are imported by the functions
# that use them, not here: at module level they cost ``--help`` and a start that stops
# on a bad setting ~0.3 s of CPU before the first line is printed.
if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.content import Library
    from bot.context import AnswerWriter, Services
    from bot.mentor import Mentor
    from schedules.engine import Scheduler
    from storage.repo import Store

log = logging.getLogger("mentorbot")


@dataclass(frozen=True)
class App:
    """What a process runs: the services, the mentor answering events and the scheduler
    sending the outbox, wired to each other by :func:`wire`."""

    services: Services
    mentor: Mentor
    scheduler: Scheduler


def wire(
    store: Store,
    content: Library,
    clock: Clock,
    *,
    answer_writer: AnswerWriter | None = None,
) -> App:
    """The one place the collaborators are put together: the ``Services``, the
    ``Mentor`` (which plugs the features' hooks and renderers in) and the ``Scheduler``
    (which the features queue snoozes and check-ups with). The result is checked
    (``Services.check``), so a collaborator that was left out stops the start with a
    ``WiringError`` naming it, instead of failing a member's conversation later.
    Outlets are added by the caller (``Scheduler.add_outlet``): they need the mentor."""
    from bot.context import Services
    from bot.mentor import Mentor
    from schedules.engine import Scheduler

    services = Services(store=store, content=content, clock=clock, answer_writer=answer_writer)
    mentor = Mentor(services)
    scheduler = Scheduler(services)
    services.scheduler = scheduler
    services.check()
    return App(services=services, mentor=mentor, scheduler=scheduler)


@asynccontextmanager
async def open_app(
    database_url: str, clock: Clock, *, settings: Settings | None = None
) -> AsyncIterator[App]:
    """Engine, migrations, content, its search index and store, opened once, wired
    (:func:`wire`) and closed on the way out; with a language model configured, its
    HTTP session too."""
    from bot.content import load_library
    from bot.talk.index import index_for
    from storage.db import sessionmaker
    from storage.migrate import migrate
    from storage.repo import Store

    engine = await open_database(
        database_url, attempts=settings.mentorbot_start_attempts if settings else 1
    )
    try:
        await migrate(engine)
        library = load_library()
        index_for(library)  # built now, so the first question does not pay for it
        settle_heap()  # and never walked by a full garbage collection
        store = Store(sessionmaker(engine))
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
                writer = GroundedWriter(config, session)
                yield wire(store, library, clock, answer_writer=writer)
        else:
            yield wire(store, library, clock)
    finally:
        await engine.dispose()


async def open_database(url: str, *, attempts: int = 1) -> AsyncEngine:
    """The engine, once a connection opened: an unreachable database is one line
    (``Unreachable``) saying where, after ``attempts`` tries with a capped backoff."""
    from sqlalchemy.exc import DBAPIError

    from storage.db import create_engine

    engine = create_engine(url)

    async def connect() -> None:
        try:
            async with asyncio.timeout(10), engine.connect():
                pass
        except DBAPIError as exc:  # refused credentials, missing database, …
            raise ConnectionError(reason(exc.orig or exc)) from None

    try:
        await with_retries(
            connect, what="the database", where=database_where(url), attempts=attempts
        )
    except BaseException:
        await engine.dispose()
        raise
    return engine


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
    run = sub.add_parser(
        "run", help="run the configured platforms (the console in a terminal when none)"
    )
    run.add_argument("--db", help="database URL (default: DATABASE_URL)")
    run.add_argument(
        "--platforms",
        help="comma-separated platforms this process must run (slack, discord); "
        "a missing one fails the start (default: every configured one)",
    )
    run.add_argument("--slack-mode", choices=("socket", "http"), default=None)
    run.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"port of /healthz, /readyz, /metrics and Slack HTTP mode "
        f"(default: PORT, else {DEFAULT_PORT}; 0: any free port)",
    )
    sub.add_parser("migrate", help="apply database migrations and exit")
    return parser


async def run_console(settings: Settings, args: argparse.Namespace) -> int:
    """The console, with the scheduler sending prompts to it.

    On the system clock the scheduler ticks in the background, so prompts arrive in real
    time; on the simulated clock time stands still until ``:advance DURATION``, which
    delivers, in order, every prompt that falls due on the way.
    """
    from bot.delivery import Target
    from bot.events import Actor
    from storage.repo import MemberKey

    simulated = getattr(args, "clock", "system") == "sim"
    clock: Clock = SimClock(args.now or datetime.now(UTC)) if simulated else SystemClock()
    async with open_app(args.db or settings.database_url, clock, settings=settings) as app:
        from adapters.console import ConsoleAdapter, ConsoleOutlet, local_stamp

        services, mentor, scheduler = app.services, app.mentor, app.scheduler
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
        scheduler.add_outlet(outlet)
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
        async with AsyncExitStack() as stack:
            port = getattr(args, "serve_port", None)
            if port is not None:  # ``mentorbot run`` in a terminal: the same server
                from mentorbot.server import ProcessServer

                server = await stack.enter_async_context(ProcessServer(services, port=port))
                log.info(
                    "mentorbot: running on the console; /healthz, /readyz and /metrics on port %s",
                    server.bound_port,
                )
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
    """``mentorbot run`` with platform tokens: each chosen adapter, one scheduler sending
    through their outlets, and the process's HTTP server, until a signal (or a
    platform's fatal error)."""
    from mentorbot.server import ProcessServer

    platforms = platforms_to_run(settings, getattr(args, "platforms", None))
    async with open_app(
        getattr(args, "db", None) or settings.database_url, SystemClock(), settings=settings
    ) as app:
        services, mentor, scheduler = app.services, app.mentor, app.scheduler
        server = ProcessServer(services, port=http_port(settings, args))
        waits: dict[asyncio.Task[None], str] = {}
        started: list[str] = []
        async with AsyncExitStack() as stack:
            if "slack" in platforms:
                from adapters.slack.app import SlackRuntime

                config = slack_config(settings, mode=getattr(args, "slack_mode", None))
                slack = await stack.enter_async_context(
                    SlackRuntime(config, services=services, mentor=mentor, web_app=server.app)
                )
                scheduler.add_outlet(slack.outlet)
                started.append(f"Slack ({'Socket Mode' if config.mode == 'socket' else 'HTTP'})")
            if "discord" in platforms:
                discord = await stack.enter_async_context(
                    discord_adapter(settings, services=services, mentor=mentor)
                )
                scheduler.add_outlet(discord.outlet)
                waits[asyncio.create_task(discord.wait_closed())] = "Discord"
                started.append("Discord")
            await stack.enter_async_context(server)
            waits[asyncio.create_task(wait_for_signal())] = ""
            scheduler.start()
            log.info(
                "mentorbot: running on %s; /healthz, /readyz and /metrics on port %s",
                " and ".join(started),
                server.bound_port,
            )
            try:
                done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if (error := task.exception()) is not None:
                        raise Unreachable(
                            f"{waits[task]}: the connection ended ({reason(error)})"
                        ) from None
            finally:
                await scheduler.stop()
                for task in waits:
                    task.cancel()
    return 0


async def run_migrate(settings: Settings) -> int:
    from storage.migrate import migrate

    engine = await open_database(settings.database_url, attempts=settings.mentorbot_start_attempts)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    print("database is up to date")
    return 0


#: What to set for each platform, for the line that says one is missing.
HOW_TO_ENABLE = {
    "slack": "SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET "
    "(HTTP mode), or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET",
    "discord": "DISCORD_TOKEN",
}
DEFAULT_PORT = 3000


def configured_platforms(settings: Settings) -> list[str]:
    return [
        name
        for name, enabled in (
            ("slack", settings.slack_enabled),
            ("discord", settings.discord_enabled),
        )
        if enabled
    ]


def platforms_to_run(settings: Settings, requested: str | None) -> list[str]:
    """``--platforms`` checked against the settings: a process that must run a platform
    (the Procfile's) fails at start when it is not configured, instead of running
    without it; without ``--platforms``, every configured one."""
    configured = configured_platforms(settings)
    if requested is None:
        return configured
    wanted = list(dict.fromkeys(p.strip().lower() for p in requested.split(",") if p.strip()))
    for name in wanted:
        if name not in HOW_TO_ENABLE:
            raise ConfigError(f"--platforms {requested}: {name!r} is not slack or discord")
        if name not in configured:
            raise ConfigError(
                f"--platforms {requested}: {name} is not configured; set {HOW_TO_ENABLE[name]}"
            )
    if not wanted:
        raise ConfigError("--platforms: name slack, discord or both")
    return wanted


def check_platforms(settings: Settings, platforms: Sequence[str], slack_mode: str | None) -> None:
    """Every platform setting checked before anything is opened or connected."""
    if "slack" in platforms:
        slack_config(settings, mode=slack_mode)
    if "discord" in platforms:
        check_discord(settings)


def http_port(settings: Settings, args: argparse.Namespace) -> int:
    port = getattr(args, "port", None)
    if port is not None:
        if not 0 <= port <= 65535:
            raise ConfigError(f"--port {port}: use a number from 0 to 65535 (0: any free port)")
        return int(port)
    return settings.port if settings.port is not None else DEFAULT_PORT


#: Lines the SDKs print that ask nothing of the operator: discord.py's voice support
#: (unused), bolt reading SLACK_BOT_TOKEN from the environment next to the client that
#: already carries it, and Socket Mode announcing each retry before the line saying how
#: it went (so an outage is one line per retry).
_NOISE = (
    "voice will NOT be supported",
    "`token` will be unused",
    # Socket Mode says this before each reconnection; the attempt's outcome follows it.
    "seems to be already closed. Reconnecting",
)


def _not_noise(record: logging.LogRecord) -> bool:
    return not any(part in str(record.msg) for part in _NOISE)


def configure_logging(settings: Settings) -> None:
    """One line per record on stderr; connection errors folded into their line (a
    traceback only at LOG_LEVEL=DEBUG), so an outage reads as one line per retry."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        OneLineFormatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s",
            verbose=settings.log_level == "DEBUG",
        )
    )
    handler.addFilter(_not_noise)
    logging.basicConfig(level=settings.log_level, handlers=[handler])
    # discord.py's INFO lines (logging in, shard connected) repeat what Mentorbot says.
    # discord.py's and slack_sdk's INFO lines (logging in, a retry handler found) repeat
    # what Mentorbot says itself.
    for name in ("discord", "slack_sdk"):
        logging.getLogger(name).setLevel(max(logging.WARNING, settings.log_level_number))
    logging.getLogger("alembic").setLevel(max(logging.WARNING, settings.log_level_number))
    # APScheduler logs every tick at INFO; the engine logs the ticks that did something.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, settings.log_level_number))


NO_PLATFORM = (
    "no platform to run: set SLACK_BOT_TOKEN (with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET) "
    "or DISCORD_TOKEN; the console needs a terminal (mentorbot console)"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        if getattr(args, "db", None):
            check_database_url(args.db, name="--db")
        command = args.command or "run"
        if command == "run":
            # First: a process with nothing to run (a Procfile line whose tokens are
            # missing) stops before the platform modules and the content are loaded,
            # ~1 s of CPU it spent on them before its one line.
            platforms = platforms_to_run(settings, getattr(args, "platforms", None))
            if not platforms and not sys.stdin.isatty():
                raise ConfigError(NO_PLATFORM)
        # Every command checks every setting, ``migrate`` too: a release phase then
        # fails before the deploy instead of the workers after it.
        check_platforms(settings, configured_platforms(settings), getattr(args, "slack_mode", None))
        configure_logging(settings)
        from bot.content import load_library  # after the settings: a bad one stops sooner

        load_library()
        if command == "migrate":
            return asyncio.run(run_migrate(settings))
        if command == "demo":
            return asyncio.run(run_demo(settings, args))
        if command == "console" and args.now is not None and args.clock != "sim":
            parser.error("--now needs --clock sim")
        if command == "run":
            port = http_port(settings, args)
            if platforms:
                check_platforms(settings, platforms, getattr(args, "slack_mode", None))
                return asyncio.run(run_platforms(settings, args))
            args = argparse.Namespace(
                serve_port=port,
                db=getattr(args, "db", None),
                workspace="console",
                user="you",
                lang=None,
                tz=None,
                clock="system",
                now=None,
            )
        return asyncio.run(run_console(settings, args))
    except ConfigError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 2
    except Unreachable as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # A content pack or the wiring: modules only the commands that get that far import.
        from bot.content import ContentError
        from bot.context import WiringError

        if not isinstance(exc, ContentError | WiringError):
            raise
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
