"""Apply the Alembic migrations from inside the running event loop."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


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
    """Bring the database to ``revision``; safe to run on every start.

    ``heads``: features add migrations on their own branches off the schedule
    revision (mentoring, Slack installations), so every head is applied.
    """
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)
