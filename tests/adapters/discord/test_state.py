"""What the Discord adapter keeps in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings
from datetime import timedelta

from bot.clock import SimClock
from bot.context import Services
from storage.repo import MemberKey

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    from adapters.discord.state import REMOVED, State


async def test_values_and_hashes_survive_a_new_state_object(services: Services, clock: SimClock):
    state = State(services.store, clock)
    await state.put("sync:1:global", "abc")
    await state.put("sync:1:global", "def")
    await state.stash({"t1": '["checkin:answer", "daily:2027-03-01:built"]'})
    await state.stash({"t1": '["checkin:answer", "daily:2027-03-01:built"]'})  # idempotent
    later = State(services.store, clock)
    assert await later.get("sync:1:global") == "def"
    assert await later.unstash("t1") == '["checkin:answer", "daily:2027-03-01:built"]'
    assert await later.unstash("nope") is None


async def test_a_dm_belongs_to_the_members_first_server_still_installed(
    services: Services, clock: SimClock
):
    store = services.store
    assert await store.first_workspace_of("discord", "7") is None
    for guild in ("100", "200"):
        await store.member(MemberKey("discord", guild, "7"), now=clock.now(), defaults={})
        clock.advance(timedelta(minutes=1))
    await store.member(MemberKey("slack", "T1", "7"), now=clock.now(), defaults={})
    assert await store.first_workspace_of("discord", "7") == "100"
    await store.set_workspace_disabled("discord", "100", REMOVED)
    assert await store.first_workspace_of("discord", "7") == "200"
    await store.set_workspace_disabled("discord", "100", None)
    assert await store.first_workspace_of("discord", "7") == "100"
    # Back in servers while offline (READY lists them): only the removal mark is cleared.
    await store.set_workspace_disabled("discord", "100", REMOVED)
    await store.set_workspace_disabled("discord", "200", "banned by an operator")
    await store.clear_disabled("discord", ["100", "200", "300"], REMOVED)
    assert await store.first_workspace_of("discord", "7") == "100"
    await store.set_workspace_disabled("discord", "100", REMOVED)
    assert await store.first_workspace_of("discord", "7") is None  # 200 stays stopped
    # The server owner's language, for the digest note (bot.notices): the server's.
    assert await store.languages(MemberKey("discord", "200", "8")) == (None, "en")
    assert await store.languages(MemberKey("discord", "999", "8")) == (None, None)
