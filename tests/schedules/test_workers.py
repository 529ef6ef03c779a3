"""Two worker processes share one PostgreSQL outbox through a fan-out: every prompt is
delivered exactly once, and both workers take part.

SQLite serialises writers and has no row locks, so it is for one process; this runs on
PostgreSQL only (and fails, not skips, in CI when the server is unreachable).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from bot.context import Services
from storage.models import Delivery, Member, Routine, Workspace
from tests.schedules.helpers import DEADLINE, Workers

MEMBERS = 2000
DUE = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ZONES = ("UTC", "Europe/Berlin", "Asia/Ho_Chi_Minh", "America/New_York", "Asia/Kolkata")


async def seed(services: Services) -> None:
    """2,000 members in five zones, every daily routine due at the same instant."""
    from zoneinfo import ZoneInfo

    async with services.store.session() as s:
        await s.execute(
            insert(Workspace),
            [
                {"id": 1, "platform": "console", "external_id": "W", "created_at": DUE},
            ],
        )
        await s.execute(
            insert(Member),
            [
                {
                    "id": i + 1,
                    "workspace_id": 1,
                    "external_user": f"U{i}",
                    "timezone": ZONES[i % len(ZONES)],
                    "language": "en",
                    "paused": False,
                    "digest_opt_in": True,
                    "diet_sources": {},
                    "created_at": DUE,
                }
                for i in range(MEMBERS)
            ],
        )
        routines = []
        for i in range(MEMBERS):
            local = DUE.astimezone(ZoneInfo(ZONES[i % len(ZONES)]))
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
        await s.execute(insert(Routine), routines)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_two_workers_deliver_a_fan_out_exactly_once(
    services: Services, workers: Workers, tmp_path: Path
) -> None:
    await seed(services)
    go = tmp_path / "go"
    procs = []
    for n in range(2):
        ready = tmp_path / f"ready-{n}"
        procs.append(
            (
                ready,
                await workers.start(
                    "2027-03-01T09:00",
                    "--run",
                    "drain",
                    "--batch",
                    "100",
                    "--in-flight",
                    "4",
                    "--delay",
                    "0.002",
                    "--ready",
                    str(ready),
                    "--go",
                    str(go),
                ),
            )
        )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while not all(ready.exists() for ready, _ in procs):
        assert loop.time() < deadline, "workers did not start"
        await asyncio.sleep(0.02)
    go.write_text("go")  # release both at once
    for _, proc in procs:
        _, stderr = await asyncio.wait_for(proc.communicate(), DEADLINE)
        assert proc.returncode == 0, stderr.decode()[-3000:]

    sent = workers.lines("sent")
    assert len(sent) == MEMBERS
    assert Counter(user for user, _, _ in sent) == {f"U{i}": 1 for i in range(MEMBERS)}
    by_worker = Counter(
        line.split()[1] for line in workers.out.read_text().splitlines() if line.startswith("sent")
    )
    assert len(by_worker) == 2 and min(by_worker.values()) > MEMBERS // 10, by_worker
    async with services.store.session() as s:
        statuses = dict(
            (await s.execute(select(Delivery.status, func.count()).group_by(Delivery.status))).all()
        )
        periods = await s.scalar(select(func.count(func.distinct(Delivery.period_key))))
    assert statuses == {"sent": MEMBERS}
    assert periods == 1  # 09:00 UTC is 2027-03-01 in all five zones
