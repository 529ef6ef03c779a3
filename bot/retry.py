"""Connecting at start: try a few times with a capped backoff, then say so in one line.

The entry point uses it for the database and each adapter for its platform, so it lives
below both (an adapter imports nothing from ``mentorbot``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

log = logging.getLogger("mentorbot")
T = TypeVar("T")

#: The longest wait between two attempts to connect at start.
BACKOFF_CAP_S = 30.0


class Unreachable(Exception):
    """A database or platform did not answer; the message is one printable line that
    says which and where."""


def backoff(attempt: int, *, cap: float = BACKOFF_CAP_S) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): 1, 2, 4, … up to ``cap``."""
    return float(min(cap, 2 ** (attempt - 1)))


def reason(exc: BaseException) -> str:
    """An exception as a short phrase for a log or error line (first line only)."""
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    else:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text}"[:200] if text else name


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    what: str,
    where: str,
    attempts: int,
    transient: tuple[type[BaseException], ...] = (OSError, TimeoutError),
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """``attempt()`` until it succeeds; a transient failure is logged in one line and
    tried again after ``backoff``; after ``attempts`` tries, ``Unreachable``."""
    for number in range(1, attempts + 1):
        try:
            return await attempt()
        except transient as exc:
            if number == attempts:
                raise Unreachable(
                    f"{what} is unreachable at {where} ({reason(exc)}); "
                    f"gave up after {attempts} attempt{'s' if attempts > 1 else ''}"
                ) from None
            wait = backoff(number)
            log.warning(
                "%s is unreachable at %s (%s); attempt %d of %d, next in %.0f s",
                what,
                where,
                reason(exc),
                number,
                attempts,
                wait,
            )
            await sleep(wait)
    raise AssertionError("unreachable: attempts >= 1")
