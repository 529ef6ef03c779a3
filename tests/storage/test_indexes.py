"""The statements every tick runs reach their rows through an index, on both backends.

A plan is the database's choice: on a small table PostgreSQL prefers a sequential scan,
so the test turns those off for its transaction. If the index could not serve the query
(its predicate not implied by the query's, a column missing), the plan would still
scan the table, and the test would say so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable

from storage import outbox


async def plan_of(engine: AsyncEngine, statement: Executable, params: dict[str, Any]) -> str:
    """The database's plan for ``statement`` as the tick runs it: the statement is
    executed as usual, and prefixed with EXPLAIN on its way to the driver."""

    def explain(
        conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, many: bool
    ) -> tuple[str, Any]:
        prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        return prefix + sql, parameters

    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET LOCAL enable_seqscan = off"))
        event.listen(conn.sync_connection, "before_cursor_execute", explain, retval=True)
        try:
            rows = (await conn.execute(statement, params)).all()
        finally:
            event.remove(conn.sync_connection, "before_cursor_execute", explain)
        return "\n".join(" ".join(str(c) for c in row) for row in rows)


async def test_the_members_whose_pause_ends_are_read_through_the_partial_index(
    engine: AsyncEngine,
) -> None:
    plan = await plan_of(engine, outbox._PAUSED_WITH_END, {"on_or_before": date(2027, 3, 2)})
    assert "ix_member_paused_until" in plan, plan


async def test_the_tick_probe_reads_paused_members_through_the_partial_index(
    engine: AsyncEngine,
) -> None:
    now = datetime(2027, 3, 1, 9, tzinfo=UTC)
    statement = outbox._tick_probe_statement(("console",))
    plan = await plan_of(engine, statement, {"now": now, "on_or_before": date(2027, 3, 2)})
    assert "ix_member_paused_until" in plan, plan
