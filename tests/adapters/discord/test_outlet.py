"""The outbox's sends to Discord: paced under the global limit, exactly once through 429s,
and never asking again what Discord refused."""

from __future__ import annotations

import asyncio
import collections
import json
import re
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import adapters.discord.outlet as outlet_module
from bot import telemetry
from bot.clock import SimClock
from bot.content import load_library
from bot.context import Services
from bot.delivery import Target
from bot.errors import PlatformUnreachable
from bot.events import Actor, Command
from bot.mentor import Mentor
from bot.reply import Button, Reply
from schedules.engine import Scheduler
from storage.db import sessionmaker
from storage.migrate import migrate
from storage.models import Member, Routine
from storage.repo import MemberKey, Store
from tests.adapters.discord.conftest import make_adapter, running
from tests.conftest import engine_for, wired_scheduler
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_routes import RecordedRequest

#: Monday 09:00 UTC: members seeded a minute earlier have their daily prompt due now.
DUE = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


async def seed(services: Services, guild_id: int, user_ids: Sequence[int]) -> None:
    """Members of one server whose daily prompt is due at ``DUE`` (rows written in bulk:
    first contact one by one would dominate the fan-out's test time)."""
    before = DUE - timedelta(minutes=1)
    workspace = await services.store.workspace(
        "discord", str(guild_id), now=before, defaults={"timezone": "UTC"}
    )
    async with services.store.session() as s:
        members = [
            Member(
                workspace_id=workspace.id,
                external_user=str(user_id),
                language="en",
                timezone="UTC",
                created_at=before,
            )
            for user_id in user_ids
        ]
        s.add_all(members)
        await s.flush()
        s.add_all(
            Routine(
                member_id=m.id,
                cadence="daily",
                hour=9,
                minute=0,
                weekdays_only=True,
                enabled=True,
                next_due_at=DUE,
            )
            for m in members
        )


async def send_everything(scheduler: Scheduler, clock: SimClock) -> int:
    """Tick until the outbox is empty, moving the clock past each retry's backoff."""
    sent = 0
    for _ in range(6):
        report = await scheduler.tick()
        sent += report.sent
        if not report.retried:
            break
        clock.advance(timedelta(minutes=31))
    return sent


@dataclass
class FanOut:
    members: int
    requests: int
    limit_per_s: float
    pace_per_s: float
    elapsed_s: float
    injected_429: int
    busiest_second: int

    @property
    def minimum_s(self) -> float:
        """What the fake's limit allows at best: ``limit`` requests in any one second, so
        N requests need N / limit - 1 seconds after the first."""
        return max(0.0, self.requests / self.limit_per_s - 1)


def busiest_second(requests: Sequence[RecordedRequest]) -> int:
    starts = sorted(r.at for r in requests)
    best, low = 0, 0
    for high, at in enumerate(starts):
        while at - starts[low] >= 1.0:
            low += 1
        best = max(best, high - low + 1)
    return best


def discord_429s() -> float:
    """``mentorbot_rate_limited_total{platform="discord"}`` as ``/metrics`` shows it."""
    found = telemetry.REGISTRY.get_sample_value(
        "mentorbot_rate_limited_total", {"platform": "discord"}
    )
    return found or 0.0


async def fan_out(
    services: Services,
    clock: SimClock,
    fake: FakeDiscord,
    *,
    members: int,
    limit_per_s: float,
    pace_per_s: float,
) -> FanOut:
    """``members`` DMs, cold (each opens its DM channel first), through the scheduler,
    with 429s injected on both routes and one global 429."""
    guild = fake.add_guild()
    users = [fake.add_user().id for _ in range(members)]
    await seed(services, guild.id, users)
    clock.set(DUE)
    fake.global_limit_per_s = limit_per_s
    fake.bucket_limit = 100_000  # only the global limit binds; discord.py honours buckets
    adapter = make_adapter(services, fake, rate_per_s=pace_per_s)
    limited_before = discord_429s()
    async with running(adapter):
        injected = [
            fake.inject_429("POST /channels/*/messages", count=20, retry_after=0.05),
            fake.inject_429("POST /users/@me/channels", count=5, retry_after=0.05),
            fake.inject_429("POST /channels/*/messages", retry_after=0.2, global_=True),
        ]
        scheduler = wired_scheduler(services, outlets={"discord": adapter.outlet})
        first_request = len(fake.requests)
        started = time.monotonic()
        sent = await send_everything(scheduler, clock)
        elapsed = time.monotonic() - started
    assert sent == members
    for user in users:
        [message] = fake.dm_messages(user)  # every member, exactly once
        assert message.components
    work = [r for r in fake.requests[first_request:] if r.method == "POST"]
    ok = [r for r in work if r.status == 200]
    assert len(ok) == 2 * members
    rejected = [r for r in work if r.status == 429]
    assert len(rejected) == sum(i.hits for i in injected)  # no 429 but the injected ones
    # /metrics counts every one of them, those discord.py retried itself included
    assert discord_429s() - limited_before == len(rejected)
    return FanOut(
        members=members,
        requests=len(work),
        limit_per_s=limit_per_s,
        pace_per_s=pace_per_s,
        elapsed_s=elapsed,
        injected_429=len(rejected),
        busiest_second=busiest_second(work),
    )


@pytest.fixture
async def sqlite_services(tmp_path: Path, clock: SimClock) -> AsyncIterator[Services]:
    """The fan-out measures the outlet against Discord's limits, so it runs on SQLite
    alone (the outbox itself is tested on both backends in tests/schedules)."""
    engine = engine_for(f"sqlite:///{tmp_path / 'fanout.db'}")
    await migrate(engine)
    try:
        yield Services(store=Store(sessionmaker(engine)), content=load_library(), clock=clock)
    finally:
        await engine.dispose()


async def test_fan_out_of_500_dms_through_429s_delivers_each_once(
    sqlite_services: Services, fake: FakeDiscord, clock: SimClock
):
    # Discord's 50/s with 40/s pacing, scaled by 4 to keep the suite fast; docs/discord.md
    # has the unscaled run.
    result = await fan_out(
        sqlite_services, clock, fake, members=500, limit_per_s=200, pace_per_s=160
    )
    print(
        f"\nfan-out: {result.members} DMs, {result.requests} requests "
        f"({result.injected_429} injected 429s) in {result.elapsed_s:.2f} s; "
        f"theoretical minimum at {result.limit_per_s:.0f}/s: {result.minimum_s:.2f} s; "
        f"paced at {result.pace_per_s:.0f}/s; busiest second: {result.busiest_second}"
    )
    # The pacing (rate + burst, give or take the network's jitter) stays under the limit.
    assert result.busiest_second < result.limit_per_s
    assert result.elapsed_s >= result.minimum_s


async def test_a_member_who_refuses_dms_is_unreachable_and_never_asked_again(
    services: Services, fake: FakeDiscord, clock: SimClock
):
    guild = fake.add_guild()
    open_user, closed_user = fake.add_user().id, fake.add_user().id
    fake.forbid_dm(closed_user)
    await seed(services, guild.id, [open_user, closed_user])
    clock.set(DUE)
    adapter = make_adapter(services, fake)
    async with running(adapter):
        scheduler = wired_scheduler(services, outlets={"discord": adapter.outlet})
        report = await scheduler.tick()
        closed = await services.store.find_member(
            MemberKey("discord", str(guild.id), str(closed_user))
        )
        clock.advance(timedelta(days=1))
        again = await scheduler.tick()
        with pytest.raises(PlatformUnreachable) as refused:
            await adapter.outlet.deliver(
                Target("discord", str(guild.id), user=str(closed_user)), [Reply(text="hi")]
            )
    assert (report.sent, report.failed) == (1, 1)
    assert closed is not None and closed.unreachable
    assert "direct messages" in closed.unreachable  # what /mentor profile shows
    assert again.sent >= 1 and again.failed == 0  # the open member only
    assert refused.value.permanent and refused.value.key == "discord.dm_closed"
    channel = fake.dm_channel(closed_user).id
    assert len(fake.requests_matching(f"POST /channels/{channel}/messages")) == 1
    assert fake.invalid_requests == collections.Counter({403: 1})
    actor = Actor("discord", str(guild.id), str(closed_user))
    profile = await Mentor(services).handle(Command(actor=actor, text="profile"))
    assert "direct messages" in "\n".join(r.plain_text() for r in profile)


async def test_a_digest_channel_the_bot_cannot_post_in_is_reported_to_the_owner(
    services: Services, fake: FakeDiscord
):
    guild = fake.add_guild("Mentor Lab", channels=("general", "digest"))
    digest = list(guild.channels)[1]
    fake.forbid_channel(digest, 50013)
    adapter = make_adapter(services, fake)
    target = Target("discord", str(guild.id), channel=str(digest))
    async with running(adapter):
        for _ in range(2):
            with pytest.raises(PlatformUnreachable) as refused:
                await adapter.outlet.deliver(target, [Reply(title="March", text="digest")])
            assert refused.value.permanent and refused.value.key == "discord.channel_forbidden"
        [note] = fake.dm_messages(guild.owner_id)
    assert f"<#{digest}>" in note.content and "**Mentor Lab**" in note.content
    assert "Send Messages" in note.content
    assert len(fake.requests_matching(f"POST /channels/{digest}/messages")) == 1


async def test_an_ip_ban_stops_every_request_for_its_duration(
    services: Services, fake: FakeDiscord
):
    fake.add_guild()
    user = fake.add_user().id
    adapter = make_adapter(services, fake)
    async with running(adapter):
        fake.banned = True
        with pytest.raises(PlatformUnreachable) as banned:
            await adapter.outlet.deliver(
                Target("discord", "1", user=str(user)), [Reply(text="hello")]
            )
        fake.banned = False
    assert not banned.value.permanent and banned.value.retry_after == 600
    assert adapter.outlet.pacer.delay > 590  # the next delivery waits out the ban


async def test_a_shared_prompt_renders_once_per_server_and_its_stash_is_kept(
    services: Services, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
):
    """The outbox hands every member of a language the same replies: one rendering per
    server (its buttons carry the server), its long custom ids stored before sending."""
    renders: list[str | None] = []
    real_render = outlet_module.render

    def counted(replies: Sequence[Reply], **options: Any) -> Any:
        renders.append(options.get("workspace"))
        return real_render(replies, **options)

    monkeypatch.setattr(outlet_module, "render", counted)
    guild, other = fake.add_guild(), fake.add_guild()
    users = [fake.add_user().id for _ in range(3)]
    prompt = [Reply(text="How was today?", buttons=(Button("Done", "checkin", "x" * 150),))]
    adapter = make_adapter(services, fake)
    async with running(adapter):
        for user in users:
            await adapter.outlet.deliver(Target("discord", str(guild.id), user=str(user)), prompt)
        await adapter.outlet.deliver(Target("discord", str(other.id), user=str(users[0])), prompt)
        clicked = [fake.dm_messages(user)[0].components for user in users]
    assert renders == [str(guild.id), str(other.id)]
    custom_ids = {json.dumps(components) for components in clicked}
    assert len(custom_ids) == 1  # the same buttons for every member of the server
    [token] = re.findall(r"~([A-Za-z0-9_-]+)", custom_ids.pop())
    assert await adapter.state.unstash(token) == json.dumps(["checkin", "x" * 150])


async def test_two_deliveries_at_once_to_a_new_member_open_the_dm_once(
    services: Services, fake: FakeDiscord
):
    guild = fake.add_guild()
    user = fake.add_user().id
    target = Target("discord", str(guild.id), user=str(user))  # no DM channel known yet
    adapter = make_adapter(services, fake)
    async with running(adapter):
        daily, monthly = await asyncio.gather(
            adapter.outlet.deliver(target, [Reply(text="daily")]),
            adapter.outlet.deliver(target, [Reply(text="monthly")]),
        )
    assert daily.dm_channel == monthly.dm_channel == str(fake.dm_channel(user).id)
    assert len(fake.requests_matching("POST /users/@me/channels")) == 1
    assert sorted(m.content for m in fake.dm_messages(user)) == ["daily", "monthly"]


async def test_a_stale_dm_channel_remembered_only_in_memory_is_reopened(
    services: Services, fake: FakeDiscord
):
    """The target carries no channel (the outbox writes outcomes a second after the
    send) but this process remembers one Discord has since forgotten: it is opened
    anew and the prompt delivered, not lost."""
    guild = fake.add_guild()
    user = fake.add_user().id
    target = Target("discord", str(guild.id), user=str(user))
    adapter = make_adapter(services, fake)
    async with running(adapter):
        first = await adapter.outlet.deliver(target, [Reply(text="daily")])
        fake.inject_error(
            f"POST /channels/{first.dm_channel}/messages", 404, 10003, "Unknown Channel"
        )
        again = await adapter.outlet.deliver(target, [Reply(text="weekly")])
    assert again.dm_channel == first.dm_channel
    assert len(fake.requests_matching("POST /users/@me/channels")) == 2
    assert sorted(m.content for m in fake.dm_messages(user)) == ["daily", "weekly"]
