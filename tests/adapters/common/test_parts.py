"""A delivery of several messages: the first is the delivery, the rest only logged."""

from __future__ import annotations

import logging

import pytest

from adapters.common.parts import first_then_rest


class Refused(Exception):
    pass


class Channel:
    def __init__(self, *, refuse: set[str] = frozenset()) -> None:
        self.refuse = set(refuse)
        self.sent: list[str] = []

    async def send(self, text: str) -> str:
        if text in self.refuse:
            raise Refused(text)
        self.sent.append(text)
        return f"id-{text}"

    async def deliver(self, *texts: str) -> str:
        first, *more = texts
        return await first_then_rest(
            lambda: self.send(first),
            lambda first_id: [lambda t=t: self.send(f"{t} under {first_id}") for t in more],
            failures=(Refused,),
            where="C1",
        )


async def test_every_part_follows_the_first_and_the_first_id_is_returned() -> None:
    channel = Channel()
    assert await channel.deliver("a", "b", "c") == "id-a"
    assert channel.sent == ["a", "b under id-a", "c under id-a"]


async def test_a_failed_first_message_is_raised_and_nothing_follows() -> None:
    channel = Channel(refuse={"a"})
    with pytest.raises(Refused):
        await channel.deliver("a", "b")
    assert channel.sent == []


async def test_a_failed_later_part_is_logged_and_the_next_still_sent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    channel = Channel(refuse={"b under id-a"})
    with caplog.at_level(logging.ERROR, "adapters.common.parts"):
        assert await channel.deliver("a", "b", "c") == "id-a"
    assert channel.sent == ["a", "c under id-a"]
    assert "delivery to C1" in caplog.text


async def test_a_failure_not_named_is_raised_even_after_the_first() -> None:
    """Only the platform's failures are the delivery's; a bug is not swallowed."""

    async def broken() -> None:
        raise KeyError("bug")

    channel = Channel()
    with pytest.raises(KeyError):
        await first_then_rest(
            lambda: channel.send("a"), lambda _: [broken], failures=(Refused,), where="C1"
        )
