"""What an operator meets when the process cannot start or loses its connections.

Every failure at start ends in one line on stderr, never a traceback: a bad setting
(``ConfigError``, exit 2), a database or platform that cannot be reached
(``Unreachable``, exit 1). A connection that fails while starting is tried again a few
times with a capped backoff, one log line per attempt; a connection lost later is the
platform SDK's to re-open, and ``OneLineFormatter`` keeps its retry lines to one line.
"""

from __future__ import annotations

import asyncio
import gc
import logging

from bot.retry import Unreachable, backoff, reason, with_retries

__all__ = [
    "OneLineFormatter",
    "Unreachable",
    "backoff",
    "database_where",
    "reason",
    "with_retries",
]


def database_where(url: str) -> str:
    """A database URL without its password, for an error line."""
    from sqlalchemy.engine import make_url  # here: SQLAlchemy would slow every start's checks

    try:
        parsed = make_url(url if "://" in url else f"sqlite:///{url}")
    except Exception:
        return "DATABASE_URL"
    return parsed.render_as_string(hide_password=True)


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


_settled = False


def settle_heap() -> None:
    """Collect once, then move everything built so far out of the garbage collector's
    reach (``gc.freeze``): the content packs, their search index and the imported
    modules live as long as the process, yet every full collection walked them all,
    stalling the event loop for 350-460 ms on a busy machine (about 80,000 objects;
    ``bench/answer.py`` measures the pause). Objects made later are collected as before.

    Once per process: a process that opens its services again (the tests do, many
    times) would otherwise freeze each round's objects for good."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
