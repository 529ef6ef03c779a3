"""``mentorbot``: the composition root. Builds every resource once and passes it down."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import Clock, SystemClock
from bot.content import ContentError, load_library
from bot.context import Services
from bot.events import Actor
from bot.mentor import Mentor
from mentorbot.settings import ConfigError, Settings, load_settings
from storage.db import create_engine, sessionmaker
from storage.migrate import migrate
from storage.repo import Store

log = logging.getLogger("mentorbot")


@asynccontextmanager
async def open_services(database_url: str, clock: Clock) -> AsyncIterator[Services]:
    """Engine, migrations, content and store, opened once and closed on the way out."""
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        yield Services(store=Store(sessionmaker(engine)), content=load_library(), clock=clock)
    finally:
        await engine.dispose()


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown time zone {value!r}") from None
    return value


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
    run = sub.add_parser("run", help="run the configured adapters (the console when none)")
    run.add_argument("--db", help="database URL (default: DATABASE_URL)")
    run.add_argument("--slack-mode", choices=("socket", "http"), default=None)
    run.add_argument("--port", type=int, default=3000)
    sub.add_parser("migrate", help="apply database migrations and exit")
    return parser


async def run_console(settings: Settings, args: argparse.Namespace) -> int:
    async with open_services(args.db or settings.database_url, SystemClock()) as services:
        from adapters.console import ConsoleAdapter

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
        return await ConsoleAdapter(handler=mentor.handle, actor=actor).listen()


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
        load_library()
        command = args.command or "run"
        if command == "migrate":
            return asyncio.run(run_migrate(settings))
        if command == "run":
            if settings.slack_enabled or settings.discord_enabled:
                raise ConfigError(
                    "Slack and Discord adapters are not part of this build yet; "
                    "unset their tokens to run the console"
                )
            args = argparse.Namespace(
                db=getattr(args, "db", None), workspace="console", user="you", lang=None, tz=None
            )
        return asyncio.run(run_console(settings, args))
    except (ConfigError, ContentError) as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
