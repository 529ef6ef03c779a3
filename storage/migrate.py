"""Apply the Alembic migrations from inside the running event loop."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
#: The first key of the advisory lock that migrations hold on PostgreSQL ("mbot"); the
#: second is the schema's hash, so databases in other schemas migrate side by side.
MIGRATION_LOCK = 0x6D626F74


def alembic_config() -> Config:
    # Alembic is imported here, not at module level: it costs ~80 ms of start-up and is
    # needed once per process.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def migrate(engine: AsyncEngine, revision: str = "heads") -> None:
    """Bring the database to ``revision``; safe to run on every start, by any number of
    processes at once.

    ``heads``: features add migrations on their own branches off the schedule
    revision (mentoring, Slack installations), so every head is applied.

    On PostgreSQL the migration runs under a transaction-scoped advisory lock: processes
    starting together on a fresh database queue behind the first, which creates the
    tables; the others then find them at the head and change nothing. Without it two
    would both create ``alembic_version`` and one would die of a unique violation.
    (SQLite's writer lock already serialises them once the first one writes.)
    """
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
                {"key": MIGRATION_LOCK},
            )
        await connection.run_sync(_upgrade, revision)
