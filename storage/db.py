"""Engines and sessions: built once at the entry point and passed down."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

if TYPE_CHECKING:
    from sqlalchemy.pool import PoolResetState

DEFAULT_URL = "sqlite+aiosqlite:///mentorbot.db"


def normalise_url(url: str) -> str:
    """Accept the URLs people type (``sqlite:///x.db``, ``postgres://``) and pick the
    async driver, so ``DATABASE_URL`` from a hosting platform works as given."""
    if "://" not in url:
        url = f"sqlite:///{url}"
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.render_as_string(hide_password=False)


def sqlite_pragmas(url: str) -> Callable[[Any, Any], None]:
    """The per-connection settings for a SQLite URL, as a "connect" listener: foreign
    keys make ON DELETE CASCADE work; WAL lets readers run beside the writer (a
    setting of the file, so not for a database in memory)."""
    wal = ":memory:" not in url

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return on_connect


def _rollback_if_open(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
    """The pool's reset of a SQLite connection coming back: a rollback only when a
    transaction is open.

    A session commits (or rolls back) before it gives its connection back, so the
    pool's own unconditional rollback was one more hop to aiosqlite's thread for
    nothing, on every transaction: one in six of a one-query session's hops. SQLite
    says itself whether a transaction is open (``in_transaction``, read without a hop).
    """
    if state.transaction_was_reset or not state.asyncio_safe:
        return  # already rolled back; or a connection being thrown away, not reused
    if dbapi_connection.driver_connection.in_transaction:
        dbapi_connection.rollback()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, pool_reset_on_return=None, **kwargs
        )
        event.listen(engine.sync_engine, "connect", sqlite_pragmas(url))
        event.listen(engine.sync_engine, "reset", _rollback_if_open)
        return engine
    url, settings = _libpq_options(url)
    if settings:
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args["server_settings"] = {**settings, **connect_args.get("server_settings", {})}
        kwargs["connect_args"] = connect_args
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def _libpq_options(url: str) -> tuple[str, dict[str, str]]:
    """libpq's ``?options=-csearch_path=app`` (as hosting platforms and psql write it)
    as asyncpg's server settings, which asyncpg does not read from the URL itself."""
    parsed = make_url(url)
    options = parsed.query.get("options")
    if not options:
        return url, {}
    settings: dict[str, str] = {}
    for part in " ".join(options if isinstance(options, tuple) else [options]).split():
        name, sep, value = part.removeprefix("-c").partition("=")
        if not sep or not name:
            raise ValueError(f"options: {part!r} is not -cname=value")
        settings[name] = value
    rest = parsed.difference_update_query(["options"])
    return rest.render_as_string(hide_password=False), settings


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)
