"""The stale-DM retry and the DM channel cache both outlets use."""

from __future__ import annotations

import asyncio

import pytest

from adapters.common.dm import DmChannels, send_to_dm


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


# -- DmChannels: one opening per member at a time, remembered -------------------------------


class Opener:
    """Opens a DM when the test says so, counting the requests."""

    def __init__(self) -> None:
        self.requests = 0
        self.answer: asyncio.Future[str] | None = None

    async def __call__(self) -> str:
        self.requests += 1
        self.answer = asyncio.get_running_loop().create_future()
        return await self.answer

    async def asked(self) -> asyncio.Future[str]:
        """The request under way, once the callers' tasks have run up to it."""
        for _ in range(10):
            if self.answer is not None:
                return self.answer
            await asyncio.sleep(0)
        raise AssertionError("nothing opened the DM")


async def test_two_deliveries_at_once_open_the_dm_once_and_remember_it() -> None:
    dms: DmChannels[str] = DmChannels()
    opener = Opener()
    both = asyncio.gather(dms.open("U1", opener), dms.open("U1", opener))
    (await opener.asked()).set_result("D1")
    assert await both == ["D1", "D1"]
    assert await dms.open("U1", opener) == "D1"
    assert opener.requests == 1


async def test_a_failed_opening_fails_every_waiter_and_is_not_remembered() -> None:
    dms: DmChannels[str] = DmChannels()
    opener = Opener()
    both = asyncio.gather(dms.open("U1", opener), dms.open("U1", opener), return_exceptions=True)
    (await opener.asked()).set_exception(Gone("U1"))
    assert [type(r) for r in await both] == [Gone, Gone]
    assert len(dms) == 0


async def test_the_first_waiter_cancelled_leaves_the_others_their_channel() -> None:
    """The opening is shared: the caller that started it giving up (cancelled) must not
    cancel it under the others, which would get a CancelledError nobody sent them."""
    dms: DmChannels[str] = DmChannels()
    opener = Opener()
    first = asyncio.ensure_future(dms.open("U1", opener))
    second = asyncio.ensure_future(dms.open("U1", opener))
    answer = await opener.asked()
    first.cancel()
    await asyncio.wait({first})
    answer.set_result("D1")
    assert await second == "D1"
    assert first.cancelled()
    assert await dms.open("U1", opener) == "D1"  # remembered
    assert opener.requests == 1


async def test_a_forgotten_channel_is_opened_again_and_the_cache_is_bounded() -> None:
    dms: DmChannels[str] = DmChannels(size=2)
    opened = iter(["D1", "D2", "D3", "D4"])

    async def open_dm() -> str:
        return next(opened)

    assert await dms.open("U1", open_dm) == "D1"
    dms.forget("U1")
    assert await dms.open("U1", open_dm) == "D2"
    await dms.open("U2", open_dm)
    await dms.open("U3", open_dm)
    assert len(dms) == 2
