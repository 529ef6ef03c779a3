"""storage.upsert on both backends: one row per key whoever asks, and when."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from storage.db import sessionmaker
from storage.models import MetricEntry, Workspace
from storage.upsert import get_or_create, insert_missing
from tests.conftest import START

KEY = {"platform": "slack", "external_id": "T1"}


async def _count(sessions, model) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_creates_once_then_returns_the_stored_row(engine) -> None:
    sessions = sessionmaker(engine)
    async with sessions() as s, s.begin():
        made, created = await get_or_create(
            s, Workspace, KEY, defaults={"created_at": START, "language": "vi"}
        )
    assert created and made.id is not None and made.language == "vi"
    async with sessions() as s, s.begin():
        found, created = await get_or_create(
            s, Workspace, KEY, defaults={"created_at": START, "language": "en"}
        )
        # Defaults apply to a new row only; the row is the session's, so changes stick.
        assert not created and found.id == made.id and found.language == "vi"
        found.timezone = "Asia/Ho_Chi_Minh"
    async with sessions() as s:
        stored = await s.get(Workspace, made.id)
        assert stored is not None and stored.timezone == "Asia/Ho_Chi_Minh"
    assert await _count(sessions, Workspace) == 1


async def test_values_are_what_the_row_ends_with_found_or_created(engine) -> None:
    sessions = sessionmaker(engine)
    for language in ("vi", "en"):
        async with sessions() as s, s.begin():
            row, _ = await get_or_create(
                s, Workspace, KEY, defaults={"created_at": START}, values={"language": language}
            )
        async with sessions() as s:
            stored = await s.get(Workspace, row.id)
            assert stored is not None and stored.language == language
            assert stored.created_at == START
    assert await _count(sessions, Workspace) == 1


async def test_a_key_that_is_not_a_unique_constraint_is_refused(engine) -> None:
    sessions = sessionmaker(engine)
    with pytest.raises(DBAPIError):
        async with sessions() as s, s.begin():
            await get_or_create(
                s,
                Workspace,
                {"platform": "slack"},
                defaults={"external_id": "T", "created_at": START},
            )


async def test_concurrent_callers_share_one_row(engine) -> None:
    sessions = sessionmaker(engine)

    async def call() -> tuple[int, bool]:
        async with sessions() as s, s.begin():
            row, created = await get_or_create(s, Workspace, KEY, defaults={"created_at": START})
            return row.id, created

    results = await asyncio.gather(*(call() for _ in range(8)))
    assert len({row_id for row_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert await _count(sessions, Workspace) == 1


async def test_insert_missing_skips_rows_whose_key_exists(engine) -> None:
    sessions = sessionmaker(engine)
    async with sessions() as s, s.begin():
        ws, _ = await get_or_create(s, Workspace, KEY, defaults={"created_at": START})
    async with sessions() as s, s.begin():
        from storage.models import Member

        member, _ = await get_or_create(
            s,
            Member,
            {"workspace_id": ws.id, "external_user": "U1"},
            defaults={"created_at": START, "language": "en", "timezone": "UTC"},
        )

    def entry(key: str, value: float) -> dict[str, object]:
        return {
            "member_id": member.id,
            "metric": "papers_read",
            "value": value,
            "unit": "",
            "note": None,
            "quarter": "2027-Q1",
            "source": "checkin",
            "source_key": key,
            "created_at": START,
        }

    key = ("member_id", "metric", "source_key")
    async with sessions() as s, s.begin():
        await insert_missing(s, MetricEntry.__table__, [entry("daily:2027-03-01", 1.0)], key=key)
    async with sessions() as s, s.begin():
        await insert_missing(
            s,
            MetricEntry.__table__,
            [entry("daily:2027-03-01", 9.0), entry("daily:2027-03-02", 1.0)],
            key=key,
        )
        await insert_missing(s, MetricEntry.__table__, [], key=key)
    async with sessions() as s:
        rows = {r.source_key: r.value for r in await s.scalars(select(MetricEntry))}
    assert rows == {"daily:2027-03-01": 1.0, "daily:2027-03-02": 1.0}


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
@pytest.mark.parametrize("first_commits", [True, False])
async def test_a_caller_waits_for_an_uncommitted_insert_of_the_same_key(
    engine, first_commits: bool
) -> None:
    """PostgreSQL: B's insert waits for A's open transaction; A commits, B gets A's row;
    A rolls back, B creates it. Neither sees an error."""
    sessions = sessionmaker(engine)
    pid: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def second() -> tuple[int, bool]:
        async with sessions() as s, s.begin():
            pid.set_result(int(await s.scalar(text("select pg_backend_pid()"))))
            row, created = await get_or_create(s, Workspace, KEY, defaults={"created_at": START})
            return row.id, created

    async with sessions() as a:
        await a.begin()
        first, created = await get_or_create(a, Workspace, KEY, defaults={"created_at": START})
        assert created
        first_id = first.id  # a rollback expires the object
        task = asyncio.create_task(second())
        await _until_waiting_on_a_lock(sessions, await pid)
        assert not task.done()
        if first_commits:
            await a.commit()
        else:
            await a.rollback()
    row_id, created = await asyncio.wait_for(task, 30)
    assert created is not first_commits
    assert (row_id == first_id) is first_commits
    assert await _count(sessions, Workspace) == 1


async def _until_waiting_on_a_lock(sessions, pid: int) -> None:
    """Poll until backend ``pid`` waits on a lock (its INSERT behind the open one)."""
    for _ in range(3000):
        async with sessions() as s:
            waiting = await s.scalar(
                text("select wait_event_type from pg_stat_activity where pid = :pid"),
                {"pid": pid},
            )
        if waiting == "Lock":
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited on a lock")
