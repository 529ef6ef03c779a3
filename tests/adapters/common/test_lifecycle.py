"""``async with`` an adapter: started, closed, and closed after a start that failed."""

from __future__ import annotations

import pytest

from adapters.common.lifecycle import Running


class Service(Running):
    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[str] = []

    async def start(self) -> None:
        self.calls.append("start")
        if self.fail:
            raise ConnectionError("refused")

    async def close(self) -> None:
        self.calls.append("close")


async def test_started_then_closed() -> None:
    service = Service()
    async with service as running:
        assert running is service and service.calls == ["start"]
    assert service.calls == ["start", "close"]


async def test_a_failed_start_closes_what_it_opened_and_raises() -> None:
    service = Service(fail=True)
    with pytest.raises(ConnectionError):
        async with service:
            pytest.fail("the body must not run")
    assert service.calls == ["start", "close"]
