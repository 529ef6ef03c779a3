"""The stale-DM retry both outlets use."""

from __future__ import annotations

import pytest

from adapters.common.dm import send_to_dm


class Gone(Exception):
    pass


class Platform:
    def __init__(self, *, gone: set[str] = frozenset(), broken: set[str] = frozenset()) -> None:
        self.gone, self.broken = set(gone), set(broken)
        self.opened = 0
        self.sent: list[str] = []
        self.forgotten = 0

    async def open_dm(self) -> str:
        self.opened += 1
        return f"D{self.opened}"

    async def send(self, channel: str) -> str:
        if channel in self.gone:
            raise Gone(channel)
        if channel in self.broken:
            raise RuntimeError(channel)
        self.sent.append(channel)
        return f"{channel}:ts"

    def forget(self) -> None:
        self.forgotten += 1

    async def __call__(self, cached: str | None) -> tuple[str, str]:
        return await send_to_dm(
            cached,
            open_dm=self.open_dm,
            send=self.send,
            stale=lambda exc: isinstance(exc, Gone),
            forget=self.forget,
        )


async def test_a_cached_channel_is_used_without_opening() -> None:
    platform = Platform()
    assert await platform("DOLD") == ("DOLD", "DOLD:ts")
    assert platform.opened == 0


async def test_no_cached_channel_opens_one() -> None:
    platform = Platform()
    assert await platform(None) == ("D1", "D1:ts")
    assert platform.forgotten == 0


async def test_a_stale_cached_channel_is_forgotten_and_opened_anew_once() -> None:
    platform = Platform(gone={"DOLD"})
    assert await platform("DOLD") == ("D1", "D1:ts")
    assert (platform.opened, platform.forgotten, platform.sent) == (1, 1, ["D1"])


async def test_other_failures_are_not_retried() -> None:
    platform = Platform(broken={"DOLD"})
    with pytest.raises(RuntimeError):
        await platform("DOLD")
    assert platform.opened == 0


async def test_a_freshly_opened_channel_that_is_gone_is_a_real_failure() -> None:
    platform = Platform(gone={"D1"})
    with pytest.raises(Gone):
        await platform(None)
    assert platform.opened == 1
