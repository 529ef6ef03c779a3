"""The Slack outlet: what the outbox hands it, what Slack gets, and how failures map to
the outbox's transient / permanent outcomes."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select

from adapters.common.pacing import ChannelSpacing
from adapters.slack.clients import SlackClients
from adapters.slack.outlet import SlackOutlet
from adapters.slack.pacing import SendLimits
from bot.delivery import Target
from bot.errors import PlatformUnreachable
from bot.reply import Button, Reply, Section
from schedules.engine import Scheduler
from storage.models import Delivery, Member, Workspace
from storage.repo import MemberKey
from tests.adapters.common.test_pacing import FakeTime
from tests.adapters.slack.conftest import SlackBot
from tests.conftest import wired_scheduler
from tests.fakes.slack import FakeSlack

TEAM = "T0FAKETEAM"
PROMPT = Reply(
    title="Daily check-in",
    text="What did you do for your growth today?",
    buttons=(Button("Built", "checkin:answer", "daily:2027-03-01:built"),),
)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def outlet_for(
    fake: FakeSlack, session: aiohttp.ClientSession, base_url: str | None = None, **limits: float
) -> SlackOutlet:
    clients = SlackClients(
        base_url=base_url or fake.api_url,
        limits=SendLimits(**limits),  # type: ignore[arg-type]
        session=session,
        token=fake.bot_token,
    )
    return SlackOutlet(clients)


def dm(user: str, cached: str | None = None) -> Target:
    return Target("slack", TEAM, user=user, dm_channel=cached)


async def test_dm_opens_the_conversation_once_and_reports_it_for_caching(fake, session) -> None:
    outlet = outlet_for(fake, session, per_channel=100)
    sent = await outlet.deliver(dm("U0A"), [PROMPT])
    assert sent.dm_channel == fake.dm_channel_id("U0A")
    again = await outlet.deliver(dm("U0A", cached=sent.dm_channel), [PROMPT])
    assert again.dm_channel == sent.dm_channel
    assert len(fake.calls_to("conversations.open")) == 1
    first, _ = fake.calls_to("chat.postMessage")
    assert first.args["blocks"][0]["type"] == "header"
    assert first.args["blocks"][-1]["elements"][0]["action_id"] == "mentor|checkin:answer|1"


async def test_a_stale_cached_dm_channel_is_reopened(fake, session) -> None:
    outlet = outlet_for(fake, session)
    fake.fail_next("chat.postMessage", "channel_not_found")
    sent = await outlet.deliver(dm("U0A", cached="D0STALE"), [PROMPT])
    assert sent.dm_channel == fake.dm_channel_id("U0A")
    assert [c.ok for c in fake.calls_to("chat.postMessage")] == [False, True]


async def test_a_stale_dm_channel_remembered_only_in_memory_is_reopened(fake, session) -> None:
    """The outbox had not yet written the member's channel (outcomes are written a
    second after the send), so the target carries none, but this process remembers
    one that has since gone: it is opened anew, not a lost prompt."""
    outlet = outlet_for(fake, session, per_channel=100)  # not about the 1 s per channel
    first = await outlet.deliver(dm("U0A"), [PROMPT])
    fake.fail_next("chat.postMessage", "channel_not_found")
    again = await outlet.deliver(dm("U0A"), [PROMPT])
    assert again.dm_channel == first.dm_channel == fake.dm_channel_id("U0A")
    assert len(fake.calls_to("conversations.open")) == 2
    assert [c.ok for c in fake.calls_to("chat.postMessage")] == [True, False, True]


async def test_digest_goes_to_the_channel_with_details_in_its_thread_a_second_apart(
    fake, session
) -> None:
    outlet = outlet_for(fake, session)
    assert outlet.sender.channels.interval == 1.0  # the default: a message a second per channel
    # Spacing is a promise about when the sender lets each message go, so read it on the
    # clock the spacing runs on: the fake's arrival times would add the network's jitter
    # (a post sent 1.0 s after the last one once arrived 0.93 s after it under load).
    t = FakeTime()
    outlet.sender.channels = ChannelSpacing(1.0, clock=t.clock, sleep=t.sleep)
    fake.clock = t.clock  # no sleep while a post is in flight: arrival reads its grant
    replies = [Reply(text="March: 12 check-ins"), *(Reply(text=f"detail {n}") for n in range(2))]
    sent = await outlet.deliver(Target("slack", TEAM, channel="C0TEAM"), replies)
    parent, *thread = fake.calls_to("chat.postMessage")
    assert sent.message_id == f"C0TEAM:{parent.response['ts']}" and sent.dm_channel is None
    assert [c.args.get("thread_ts") for c in thread] == [parent.response["ts"]] * 2
    gaps = [b.time - a.time for a, b in zip([parent, *thread], thread, strict=False)]
    assert gaps == [1.0, 1.0] and t.waits == [1.0, 1.0], gaps


@pytest.mark.parametrize(
    ("setup", "key", "scope"),
    [
        (lambda f: f.add_user("U0GONE", deleted=True), "slack.unreachable.user", "member"),
        (lambda f: f.add_user("U0GONE", is_bot=True), "slack.unreachable.no_dm", "member"),
        (
            lambda f: f.fail_next("conversations.open", "user_not_found"),
            "slack.unreachable.user",
            "member",
        ),
        (lambda f: f.revoke_token(f.bot_token), "slack.unreachable.workspace", "workspace"),
        (
            lambda f: f.fail_next("chat.postMessage", "account_inactive"),
            "slack.unreachable.workspace",
            "workspace",
        ),
    ],
)
async def test_permanent_failures(fake, session, setup, key, scope) -> None:
    setup(fake)
    with pytest.raises(PlatformUnreachable) as failure:
        await outlet_for(fake, session).deliver(dm("U0GONE"), [PROMPT])
    assert (failure.value.permanent, failure.value.key) == (True, key)
    assert failure.value.values["scope"] == scope


async def test_deactivated_user_with_a_cached_dm_is_permanent(fake, session) -> None:
    fake.add_user("U0GONE", deleted=True)  # chat.postMessage to their DM: is_archived
    with pytest.raises(PlatformUnreachable) as failure:
        await outlet_for(fake, session).deliver(dm("U0GONE", "DU0GONE"), [PROMPT])
    assert failure.value.permanent and failure.value.values["error"] == "is_archived"


@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors_are_transient(fake, session, status) -> None:
    fake.fail_next("chat.postMessage", "internal_error", status=status)
    with pytest.raises(PlatformUnreachable) as failure:
        await outlet_for(fake, session).deliver(dm("U0A"), [PROMPT])
    assert failure.value.permanent is False and failure.value.key == "slack.transient"


async def test_429_after_the_retries_is_transient_with_retry_after(fake, session) -> None:
    fake.inject_429("chat.postMessage", count=2, retry_after=1)
    outlet = outlet_for(fake, session, max_429_retries=1)
    with pytest.raises(PlatformUnreachable) as failure:
        await outlet.deliver(dm("U0A"), [PROMPT])
    assert failure.value.permanent is False and failure.value.retry_after == 1.0


async def test_a_timeout_is_transient(fake) -> None:
    release = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []

    async def never_answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await release.wait()

    server = await asyncio.start_server(never_answers, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    # The runtime's shared session carries the timeout (SendLimits.timeout).
    timeout = aiohttp.ClientTimeout(total=0.3)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            outlet = outlet_for(fake, session, f"http://127.0.0.1:{port}/api/")
            with pytest.raises(PlatformUnreachable) as failure:
                await outlet.deliver(dm("U0A", "DU0A"), [PROMPT])
        assert failure.value.permanent is False
    finally:
        release.set()
        for writer in writers:
            writer.close()
            await writer.wait_closed()
        server.close()
        await server.wait_closed()


async def test_a_refused_connection_is_transient(fake, session) -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    outlet = outlet_for(fake, session, f"http://127.0.0.1:{port}/api/")
    with pytest.raises(PlatformUnreachable) as failure:
        await outlet.deliver(dm("U0A", "DU0A"), [PROMPT])
    assert failure.value.permanent is False


async def test_fan_out_of_500_with_a_burst_of_429s_delivers_each_dm_once(fake, session) -> None:
    """The fake allows 200 messages a second with a burst of 20; the outlet is capped a
    little below (180/s, burst 10) as a deployment would be; midway 40 calls in a row
    answer 429 with Retry-After: 1. The theoretical minimum is (500 - 20) / 200 = 2.4 s
    plus the 1 s the burst asks for."""
    rate, burst, total = 200, 20, 500
    fake.rate_limit("chat.postMessage", per_second=rate, burst=burst)
    outlet = outlet_for(fake, session, per_workspace=180, workspace_burst=10, concurrency=16)
    users = [f"U{n:05d}" for n in range(total)]

    async def burst_of_429s() -> None:
        await fake.wait_for("chat.postMessage", 150, timeout=30, ok=True)
        fake.inject_429("chat.postMessage", count=40, retry_after=1)

    pending = iter(users)
    results = []

    async def worker() -> None:  # as the scheduler does: a pool pulling from one list
        for user in pending:
            results.append(await outlet.deliver(dm(user), [PROMPT]))

    injector = asyncio.create_task(burst_of_429s())
    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(32)))
    elapsed = time.monotonic() - started
    await injector

    posts = fake.calls_to("chat.postMessage")
    delivered = Counter(c.args["channel"] for c in posts if c.ok)
    assert len(results) == total
    assert delivered == Counter({fake.dm_channel_id(u): 1 for u in users})  # exactly once
    assert {len(fake.messages_in(fake.dm_channel_id(u))) for u in users} == {1}
    limited = sum(1 for c in posts if c.status == 429)
    assert limited >= 40
    minimum = (total - burst) / rate + 1.0
    print(  # the figures docs/slack.md reports
        f"\nfan-out {total} DMs: {elapsed:.2f}s, theoretical minimum {minimum:.2f}s "
        f"({elapsed / minimum:.2f}x), {limited} answers were 429, "
        f"{len(fake.calls_to('conversations.open'))} conversations.open"
    )


# -- through the outbox: the scheduler records what the outlet reports -------------------


@pytest.fixture(params=["socket"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


async def member_with_prompt(bot: SlackBot, user: str) -> Scheduler:
    now = bot.services.clock.now()
    member, _ = await bot.services.store.member(
        MemberKey("slack", TEAM, user), now=now, defaults={}
    )
    scheduler = wired_scheduler(bot.services, outlets={"slack": bot.runtime.outlet})
    await scheduler.enqueue(
        member_id=member.id,
        workspace_id=member.workspace_id,
        kind="prompt:daily",
        period_key=now.date().isoformat(),
        due_at=now,
    )
    return scheduler


async def test_deactivated_user_marks_the_member_unreachable(slack_bot: SlackBot) -> None:
    slack_bot.fake.add_user("U0GONE", deleted=True)
    scheduler = await member_with_prompt(slack_bot, "U0GONE")
    report = await scheduler.tick()
    assert report.failed == 1 and report.retried == 0
    async with slack_bot.services.store.session() as s:
        member = await s.scalar(select(Member))
        delivery = await s.scalar(select(Delivery))
    assert member is not None and "deactivated" in (member.unreachable or "")
    assert delivery is not None and delivery.status == "failed"


async def test_revoked_token_disables_the_workspace(slack_bot: SlackBot) -> None:
    scheduler = await member_with_prompt(slack_bot, "U0A")
    slack_bot.fake.revoke_token(slack_bot.fake.bot_token)
    await scheduler.tick()
    async with slack_bot.services.store.session() as s:
        workspace = await s.scalar(select(Workspace))
    assert workspace is not None and workspace.disabled_reason
    clock = slack_bot.services.clock
    clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    before = len(slack_bot.fake.calls)
    await scheduler.enqueue(
        member_id=1,
        workspace_id=workspace.id,
        kind="prompt:daily",
        period_key="2027-03-02",
        due_at=clock.now(),
    )
    assert (await scheduler.tick()).sent == 0
    assert slack_bot.fake.calls[before:] == []


async def test_digest_not_in_channel_is_permanent_and_the_admins_are_told(
    slack_bot: SlackBot,
) -> None:
    fake = slack_bot.fake
    fake.add_user("U0ADMIN", is_admin=True)
    fake.add_user("U0OWNER", is_owner=True)  # an owner who never used Mentorbot: not told
    fake.handle(
        "users.list",
        lambda args: {"members": list(fake.users.values()), "response_metadata": {}},
    )
    await slack_bot.command("profile", user="U0ADMIN")
    await slack_bot.idle()
    fake.fail_next("chat.postMessage", "not_in_channel")
    with pytest.raises(PlatformUnreachable) as failure:
        await slack_bot.runtime.outlet.deliver(
            Target("slack", TEAM, channel="C0TEAM"),
            [Reply(text="digest", sections=(Section("x"),))],
        )
    assert failure.value.permanent and failure.value.key == "slack.unreachable.not_in_channel"
    (note,) = fake.calls_to("chat.postMessage", ok=True)
    assert note.args["channel"] == "U0ADMIN"
    assert "/invite @Mentorbot" in note.args["blocks"][0]["text"]["text"]
