"""Fixtures for the Discord adapter: the real discord.py client against FakeDiscord."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.context import Services
from bot.mentor import Mentor
from tests.fakes import ARRIVAL_TIMEOUT_S
from tests.fakes.discord_fake import FakeDiscord

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    from adapters.discord.adapter import DiscordAdapter


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(heartbeat_interval_ms=500) as server:
        # The adapter points discord.py at the fake itself (DISCORD_API_URL); this only
        # guarantees the process-wide defaults are back after the test.
        restore = server.configure_discord_client()
        try:
            yield server
        finally:
            restore()
        assert not server.internal_errors


#: The dropped-click guard's wait in these tests. Closing the adapter waits for it, so at
#: the default (``defer_after`` + 1 s, 2.5 s) every test that clicked waited 2.5 s at
#: the end. A click's handler claims it a few loop turns after it arrives, far within
#: this; the tests about the guard's own timing give theirs.
GUARD_AFTER_S = 0.5


def make_adapter(
    services: Services, fake: FakeDiscord, *, mentor: Mentor | None = None, **options: Any
) -> DiscordAdapter:
    options.setdefault("client_options", {"guild_ready_timeout": 0.05})
    options.setdefault("guard_after", GUARD_AFTER_S)
    return DiscordAdapter(
        services,
        mentor or Mentor(services),
        token=fake.token,
        api_url=fake.api_url,
        **options,
    )


@contextlib.asynccontextmanager
async def running(adapter: DiscordAdapter) -> AsyncIterator[DiscordAdapter]:
    """The adapter started and ready; closed (before the fake goes away) on the way out."""
    async with adapter:
        await adapter.wait_until_ready(ARRIVAL_TIMEOUT_S)
        yield adapter
