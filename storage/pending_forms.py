"""Queries of the forms members fill in page by page (``storage.form_models``).

Every lookup is scoped by its owner (platform and user) as well as its key, so a key
read off someone else's button finds nothing, and an expired row is never returned.
The form and its answers are plain JSON here: what a form is belongs to ``bot/forms.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.form_models import PendingForm
from storage.models import Member, Workspace
from storage.repo import MemberKey, Store


@dataclass(frozen=True, slots=True)
class Stored:
    """A pending form as stored: whose it is, the form, its intro and the answers so far."""

    key: str
    member: MemberKey
    form: dict[str, Any]
    intro: str
    answers: dict[str, str]


async def remember(
    store: Store,
    key: str,
    member: MemberKey,
    *,
    form: Mapping[str, Any],
    intro: str,
    now: datetime,
    until: datetime,
) -> bool:
    """Keep ``form`` for ``member`` under ``key`` until ``until``, and purge the expired
    rows (one indexed delete, so the table holds at most an hour of forms). False when
    the member is unknown: the core has always answered them before a form is kept."""
    async with store.session() as s:
        await s.execute(delete(PendingForm).where(PendingForm.expires_at <= now))
        member_id = await s.scalar(_member_id(member))
        if member_id is None:
            return False
        s.add(
            PendingForm(
                key=key,
                member_id=member_id,
                form=dict(form),
                intro=intro,
                answers={},
                created_at=now,
                expires_at=until,
            )
        )
    return True


async def find(store: Store, key: str, *, platform: str, user: str, now: datetime) -> Stored | None:
    """The form under ``key`` if it is ``user``'s and has not expired."""
    async with store.session() as s:
        return await _find(s, key, platform=platform, user=user, now=now)


async def add_answers(
    store: Store,
    key: str,
    answers: Mapping[str, str],
    *,
    platform: str,
    user: str,
    now: datetime,
) -> Stored | None:
    """Merge a page's ``answers`` into the form's (a page sent twice keeps the later
    values); the form with all its answers, or None when it is not there to merge into."""
    async with store.session() as s:
        found = await _find(s, key, platform=platform, user=user, now=now, lock=True)
        if found is None:
            return None
        merged = {**found.answers, **answers}
        row = await s.get(PendingForm, key)  # loaded by the lookup: no query
        if row is not None:
            row.answers = merged
        return Stored(found.key, found.member, found.form, found.intro, merged)


async def take(
    store: Store,
    key: str,
    answers: Mapping[str, str],
    *,
    platform: str,
    user: str,
    now: datetime,
) -> Stored | None:
    """Remove the form, its last page's ``answers`` merged in: it is finished. Of two
    submissions of the last page at once only one gets the form (the row is deleted
    under a lock), so the form is submitted to the core once."""
    async with store.session() as s:
        found = await _find(s, key, platform=platform, user=user, now=now, lock=True)
        if found is None:
            return None
        gone = await s.execute(delete(PendingForm).where(PendingForm.key == key))
        if not gone.rowcount:
            return None
        merged = {**found.answers, **answers}
        return Stored(found.key, found.member, found.form, found.intro, merged)


def _member_id(member: MemberKey) -> Select[tuple[int]]:
    return (
        select(Member.id)
        .join(Workspace, Workspace.id == Member.workspace_id)
        .where(
            Workspace.platform == member.platform,
            Workspace.external_id == member.workspace,
            Member.external_user == member.user,
        )
    )


async def _find(
    s: AsyncSession, key: str, *, platform: str, user: str, now: datetime, lock: bool = False
) -> Stored | None:
    query = (
        select(PendingForm, Workspace.external_id)
        .join(Member, Member.id == PendingForm.member_id)
        .join(Workspace, Workspace.id == Member.workspace_id)
        .where(
            PendingForm.key == key,
            PendingForm.expires_at > now,
            Workspace.platform == platform,
            Member.external_user == user,
        )
    )
    if lock:  # PostgreSQL: a second submission waits here; SQLite serialises writers
        query = query.with_for_update(of=PendingForm)
    found = (await s.execute(query)).first()
    if found is None:
        return None
    row, workspace = found
    return Stored(
        row.key,
        MemberKey(platform, workspace, user),
        dict(row.form),
        row.intro,
        {str(k): str(v) for k, v in row.answers.items()},
    )
