"""``migrate`` on every start: a database at every head is left alone without Alembic."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage import migrate as migrate_module
from storage.migrate import alembic_config, head_revisions, migrate


def test_the_heads_read_from_the_files_are_alembics() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert head_revisions() == frozenset(heads)
    assert len(heads) > 1  # the feature branches: every head counts


async def test_alembic_runs_only_for_a_database_behind_a_head(
    engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def upgrade(_connection: Connection, revision: str) -> None:
        asked.append(revision)

    monkeypatch.setattr(migrate_module, "_upgrade", upgrade)
    await migrate(engine)  # ``engine``'s database is migrated already
    assert asked == []

    script = ScriptDirectory.from_config(alembic_config())
    newest = max(script.get_heads())  # the main line's, by the files' numbering
    older = script.get_revision(newest).down_revision
    assert isinstance(older, str)
    set_version = text("UPDATE alembic_version SET version_num = :new WHERE version_num = :old")
    async with engine.begin() as connection:
        await connection.execute(set_version, {"new": older, "old": newest})
    try:
        await migrate(engine)
        assert asked == ["heads"]
    finally:
        async with engine.begin() as connection:
            await connection.execute(set_version, {"new": newest, "old": older})
