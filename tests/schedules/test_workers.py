"""Worker processes share one PostgreSQL outbox through a fan-out: every prompt is
delivered exactly once, and every worker takes part, also when the platform's pace
makes a worker hold rows (sending and queued) far longer than a lease.

SQLite serialises writers and has no row locks, so it is for one process; this runs on
PostgreSQL only (and fails, not skips, in CI when the server is unreachable).
"""

from __future__ import annotations

import asyncio
import time
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


async def seed(services: Services, members: int = MEMBERS, *, dm_channels: bool = False) -> None:
    """Members in five zones, every daily routine due at the same instant; with
    ``dm_channels``, each has a DM channel cached already (one request per prompt)."""
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
                    "dm_channel": f"DU{i}" if dm_channels else None,
                    "created_at": DUE,
                }
                for i in range(members)
            ],
        )
        routines = []
        for i in range(members):
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


async def run_together(workers: Workers, tmp_path: Path, count: int, *options: str) -> None:
    """Start ``count`` drain workers, release them at once, wait for them all."""
    go = tmp_path / "go"
    procs = []
    for n in range(count):
        ready = tmp_path / f"ready-{n}"
        proc = await workers.start(
            "2027-03-01T09:00", "--run", "drain", "--ready", str(ready), "--go", str(go), *options
        )
        procs.append((ready, proc))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while not all(ready.exists() for ready, _ in procs):
        assert loop.time() < deadline, "workers did not start"
        await asyncio.sleep(0.02)
    go.write_text("go")  # release them at once
    for _, proc in procs:
        _, stderr = await asyncio.wait_for(proc.communicate(), DEADLINE)
        assert proc.returncode == 0, stderr.decode()[-3000:]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_two_workers_deliver_a_fan_out_exactly_once(
    services: Services, workers: Workers, tmp_path: Path
) -> None:
    await seed(services)
    await run_together(
        workers, tmp_path, 2, "--batch", "100", "--in-flight", "4", "--delay", "0.002"
    )

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


#: The paced runs, scaled down from Discord's (50 requests/s, 5,000-row chunks, a
#: 2-minute lease: a chunk takes 100 s, and the chunks queued behind it minutes): each
#: worker sends 400 a second in chunks of 1,000 (2.5 s) under a 3-second lease, so the
#: rows a worker holds wait several leases long, as they did when 500 of 6,500 members
#: got the prompt twice.
PACED = ("--pace", "400", "--batch", "1000", "--lease", "3", "--in-flight", "8")


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
@pytest.mark.parametrize("count", [2, 3])
async def test_workers_at_a_platforms_pace_never_send_a_held_row_twice(
    services: Services, workers: Workers, tmp_path: Path, count: int
) -> None:
    """Every worker's clock runs, so leases do run out while rows wait in a worker's
    queues; its heartbeat holds them, and no other worker takes them."""
    members = 4000
    await seed(services, members, dm_channels=True)
    epoch = time.time() + 1.0  # the workers' clocks read 09:00 a second from now
    await run_together(workers, tmp_path, count, *PACED, "--epoch", str(epoch))

    sent = Counter(user for user, _, _ in workers.lines("sent"))
    assert sent == {f"U{i}": 1 for i in range(members)}  # none twice, none lost
    by_worker = Counter(
        line.split()[1] for line in workers.out.read_text().splitlines() if line.startswith("sent")
    )
    assert len(by_worker) == count, by_worker
    async with services.store.session() as s:
        statuses = dict(
            (await s.execute(select(Delivery.status, func.count()).group_by(Delivery.status))).all()
        )
        attempts = await s.scalar(select(func.max(Delivery.attempts)))
    assert statuses == {"sent": members}
    assert attempts == 1
