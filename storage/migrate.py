"""Apply the Alembic migrations from inside the running event loop."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
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


@cache
def head_revisions(versions: Path = MIGRATIONS / "versions") -> frozenset[str] | None:
    """The head revisions, read from the migration files' ``revision`` and
    ``down_revision`` without importing Alembic; None when a file has something this
    does not read (branch labels, ``depends_on``, a computed value): Alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        if path.name == "__init__.py" or path.name.startswith("."):
            continue  # as Alembic: neither is a revision
        found: dict[str, object] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name):
                try:
                    found[target.id] = ast.literal_eval(value)
                except (ValueError, TypeError, SyntaxError):
                    found[target.id] = ...  # computed: not for this reader
        down = found.get("down_revision")
        downs = (down,) if isinstance(down, str) else down if isinstance(down, tuple) else ()
        readable = down is None or isinstance(down, str | tuple)
        if (
            not isinstance(found.get("revision"), str)
            or found.get("branch_labels") is not None
            or found.get("depends_on") is not None
            or not readable
            or not all(isinstance(d, str) for d in downs)
        ):
            return None
        revisions.add(str(found["revision"]))
        parents.update(str(d) for d in downs)
    return frozenset(revisions - parents) if revisions else None


def _at_heads(connection: Connection) -> bool:
    """Whether the database is at every head already: then there is nothing to do,
    and Alembic (~0.4 s of CPU to import and load the scripts) is not needed."""
    heads = head_revisions()
    if heads is None or not inspect(connection).has_table("alembic_version"):
        return False
    current = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return current == heads


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

    A database at every head (each start but the first after a release) is seen from
    ``alembic_version`` and the migration files' revision lines, without Alembic.
    """
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
                {"key": MIGRATION_LOCK},
            )
        if revision == "heads" and await connection.run_sync(_at_heads):
            return
        await connection.run_sync(_upgrade, revision)
