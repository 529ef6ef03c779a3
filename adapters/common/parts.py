"""A delivery of several messages: the first is the delivery, the rest follow it.

A long reply is several messages on every platform (Slack's 50 blocks, Discord's 2,000
characters and 10 embeds), and a digest is a post with more under it. The outbox records
a delivery as sent or not, so a delivery whose first message is out must count as sent,
whatever happens to the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Part = Callable[[], Awaitable[object]]


async def first_then_rest(
    first: Callable[[], Awaitable[T]],
    rest: Callable[[T], Iterable[Part]],
    *,
    failures: tuple[type[BaseException], ...],
    where: object,
) -> T:
    """What ``first()`` returned (the message id the outbox records), once the parts
    ``rest`` makes of it (a thread under that message, say) were sent in order.

    The first's failure is raised: nothing was delivered, and the outbox retries. After
    it a part that fails with one of ``failures`` is logged, not raised, since a retry
    of the whole would repeat what the member already has; the next part is still sent.
    """
    result = await first()
    for part in rest(result):
        try:
            await part()
        except failures:
            log.exception("part of a delivery to %s was not sent after its first message", where)
    return result
