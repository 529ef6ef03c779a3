"""A scratch PostgreSQL schema for a benchmark run: made, pointed at, dropped.

Each benchmark writes its own tables into a schema of its own on the server it is
given, so it neither reads nor disturbs anything else there (the test suite's schemas
included), and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator


def _dsn(url: str) -> str:
    """asyncpg takes the libpq form of a SQLAlchemy URL."""
    return url.replace("+asyncpg", "")


async def create_schema(url: str, *, prefix: str = "bench") -> str:
    """A new, empty schema on ``url``'s server; returns its name."""
    import asyncpg

    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()
    return schema


async def drop_schema(url: str, schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def in_schema(url: str, schema: str) -> str:
    """``url`` with its connections' ``search_path`` set to ``schema``."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@contextlib.asynccontextmanager
async def scratch_schema(url: str, *, prefix: str = "bench") -> AsyncIterator[str]:
    """``url`` pointed at a new schema for the block, dropped after it."""
    schema = await create_schema(url, prefix=prefix)
    try:
        yield in_schema(url, schema)
    finally:
        await drop_schema(url, schema)
