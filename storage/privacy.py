"""Export and delete everything a member owns, found through the ``member_id`` column.

Walking the metadata instead of a hand-kept list means a feature that adds a table is
covered by ``/mentor export`` and ``/mentor forget`` from its first migration.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, delete, select

from storage.all_models import Base
from storage.models import Member
from storage.repo import Store


def member_tables() -> list[Table]:
    """Tables with a ``member_id`` column, children before parents."""
    return [t for t in reversed(Base.metadata.sorted_tables) if "member_id" in t.c]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


#: Columns never exported: secrets or platform plumbing that says nothing about the member.
PRIVATE_COLUMNS = frozenset({"token", "token_encrypted", "lease_owner"})


async def export_member(store: Store, member_id: int) -> dict[str, Any]:
    async with store.session() as s:
        member = await s.get(Member, member_id)
        if member is None:
            raise LookupError(member_id)
        out: dict[str, Any] = {
            "member": {
                c.name: _jsonable(getattr(member, c.key))
                for c in Member.__table__.columns
                if c.name not in PRIVATE_COLUMNS
            }
        }
        for table in sorted(member_tables(), key=lambda t: t.name):
            rows = await s.execute(
                select(table).where(table.c.member_id == member_id).order_by(*table.primary_key)
            )
            out[table.name] = [
                {k: _jsonable(v) for k, v in row._mapping.items() if k not in PRIVATE_COLUMNS}
                for row in rows
            ]
        return out


async def delete_member(store: Store, member_id: int) -> int:
    """Delete the member and every row they own; returns how many rows went."""
    removed = 0
    async with store.session() as s:
        for table in member_tables():
            result = await s.execute(delete(table).where(table.c.member_id == member_id))
            removed += result.rowcount or 0
        result = await s.execute(delete(Member).where(Member.id == member_id))
        removed += result.rowcount or 0
    return removed
