"""What an operator meets when the process cannot start or loses its connections.

Every failure at start ends in one line on stderr, never a traceback: a bad setting
(``ConfigError``, exit 2), a database or platform that cannot be reached
(``Unreachable``, exit 1). A connection that fails while starting is tried again a few
times with a capped backoff, one log line per attempt; a connection lost later is the
platform SDK's to re-open, and ``OneLineFormatter`` keeps its retry lines to one line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.engine import make_url

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


def database_where(url: str) -> str:
    """A database URL without its password, for an error line."""
    try:
        parsed = make_url(url if "://" in url else f"sqlite:///{url}")
    except Exception:
        return "DATABASE_URL"
    return parsed.render_as_string(hide_password=True)


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


#: Exceptions (by class name, so no SDK is imported for it) that mean "the network or
#: the other side failed", not "our code is wrong": their tracebacks say nothing new.
_CONNECTION_ERRORS = frozenset(
    {
        "ClientError",  # aiohttp
        "ConnectionClosed",  # discord.py gateway
        "GatewayNotFound",
        "DiscordServerError",
        "WebSocketException",
        "SlackApiError",
        "SlackClientError",
        "InterfaceError",  # asyncpg: connection lost
        "ConnectionDoesNotExistError",
        "CannotConnectNowError",
    }
)


def is_connection_error(exc: BaseException) -> bool:
    if isinstance(exc, OSError | TimeoutError | asyncio.TimeoutError):
        return True
    return any(cls.__name__ in _CONNECTION_ERRORS for cls in type(exc).__mro__)


class OneLineFormatter(logging.Formatter):
    """Log lines with the exception folded into the line when it is a connection error
    (``…: ClientConnectorError: Cannot connect to host …``); a bug's traceback is kept,
    since that is what fixing it needs. With ``verbose`` (LOG_LEVEL=DEBUG), every
    traceback is kept."""

    def __init__(self, fmt: str, *, verbose: bool = False) -> None:
        super().__init__(fmt)
        self.verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or self.verbose or not is_connection_error(exc):
            return super().format(record)
        line = logging.Formatter.format(self, _without_exc(record))
        return f"{line} [{reason(exc)}]"


def _without_exc(record: logging.LogRecord) -> logging.LogRecord:
    copy = logging.makeLogRecord(record.__dict__)
    copy.exc_info = None
    copy.exc_text = None
    copy.stack_info = None
    return copy
