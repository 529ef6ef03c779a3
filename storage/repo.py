"""The queries the core needs, behind one small class.

Features call these instead of building SQL, so the same code runs on SQLite and
PostgreSQL and the tests of this module cover both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Assessment, Member, Workspace
from storage.upsert import get_or_create


@dataclass(frozen=True, slots=True)
class MemberKey:
    """(platform, workspace, user): how a member is found. Two workspaces never share."""

    platform: str
    workspace: str
    user: str


class Store:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @property
    def bind(self) -> Any:
        """The engine the sessions are bound to."""
        return self._sessions.kw.get("bind")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction that commits on success and rolls back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    async def workspace(
        self, platform: str, external_id: str, *, now: datetime, defaults: dict[str, Any]
    ) -> Workspace:
        async with self.session() as s:
            ws, _ = await get_or_create(
                s,
                Workspace,
                {"platform": platform, "external_id": external_id},
                defaults={"created_at": now, **defaults},
            )
            return ws

    async def member(
        self, key: MemberKey, *, now: datetime, defaults: dict[str, Any]
    ) -> tuple[Member, bool]:
        """The member for ``key``, created on first contact; returns (member, created)."""
        ws = await self.workspace(
            key.platform,
            key.workspace,
            now=now,
            defaults={k: v for k, v in defaults.items() if k in ("timezone", "language") and v},
        )
        async with self.session() as s:
            return await get_or_create(
                s,
                Member,
                {"workspace_id": ws.id, "external_user": key.user},
                defaults={
                    "created_at": now,
                    "language": defaults.get("language") or ws.language,
                    "timezone": defaults.get("timezone") or ws.timezone,
                    "display_name": defaults.get("display_name"),
                    "paused": False,
                    "digest_opt_in": True,
                    "diet_sources": {},
                },
            )

    async def member_and_workspace(
        self, key: MemberKey, *, now: datetime, defaults: dict[str, Any]
    ) -> tuple[Member, Workspace, bool]:
        """The member for ``key`` with their workspace, created on first contact; returns
        (member, workspace, created).

        Every inbound event starts here, so the usual case (both exist) is one query in
        one transaction: each transaction is a few hops between the event loop and the
        driver (aiosqlite's thread, or PostgreSQL's pre-ping and round trips), and on a
        busy machine every hop waits for a time slice. Three of them (workspace, member,
        workspace again) were most of a question's answer time and all of its tail
        (``bench/answer.py``)."""
        async with self.session() as s:
            found = (
                await s.execute(
                    select(Member, Workspace)
                    .join(Workspace, Workspace.id == Member.workspace_id)
                    .where(
                        Workspace.platform == key.platform,
                        Workspace.external_id == key.workspace,
                        Member.external_user == key.user,
                    )
                )
            ).first()
        if found is not None:
            return found[0], found[1], False
        member, created = await self.member(key, now=now, defaults=defaults)
        workspace = await self.get_workspace(member.workspace_id)
        if workspace is None:  # pragma: no cover - deleted between the two reads
            raise LookupError(member.workspace_id)
        return member, workspace, created

    async def find_member(self, key: MemberKey) -> Member | None:
        async with self.session() as s:
            return await s.scalar(
                select(Member)
                .join(Workspace, Workspace.id == Member.workspace_id)
                .where(
                    Workspace.platform == key.platform,
                    Workspace.external_id == key.workspace,
                    Member.external_user == key.user,
                )
            )

    async def languages(self, key: MemberKey) -> tuple[str | None, str | None]:
        """(the member's language, their workspace's), None where there is no row yet."""
        async with self.session() as s:
            row = (
                await s.execute(
                    select(Workspace.language, Member.language)
                    .outerjoin(
                        Member,
                        (Member.workspace_id == Workspace.id) & (Member.external_user == key.user),
                    )
                    .where(
                        Workspace.platform == key.platform, Workspace.external_id == key.workspace
                    )
                )
            ).first()
        return (row[1], row[0]) if row is not None else (None, None)

    async def get_member(self, member_id: int) -> Member | None:
        async with self.session() as s:
            return await s.get(Member, member_id)

    async def update_member(self, member_id: int, **changes: Any) -> Member:
        async with self.session() as s:
            member = await s.get(Member, member_id)
            if member is None:
                raise LookupError(member_id)
            for name, value in changes.items():
                setattr(member, name, value)
            return member

    async def get_workspace(self, workspace_id: int) -> Workspace | None:
        async with self.session() as s:
            return await s.get(Workspace, workspace_id)

    async def update_workspace(self, workspace_id: int, **changes: Any) -> Workspace:
        async with self.session() as s:
            ws = await s.get(Workspace, workspace_id)
            if ws is None:
                raise LookupError(workspace_id)
            for name, value in changes.items():
                setattr(ws, name, value)
            return ws

    async def set_workspace_disabled(
        self, platform: str, external_id: str, reason: str | None
    ) -> bool:
        """Stop (``reason``) or resume (None) all sending to a workspace; the outbox reads
        ``disabled_reason`` before every send. Returns whether a workspace changed."""
        async with self.session() as s:
            result = await s.execute(
                update(Workspace)
                .where(
                    Workspace.platform == platform,
                    Workspace.external_id == external_id,
                    Workspace.disabled_reason.is_not(None)
                    if reason is None
                    else (
                        Workspace.disabled_reason.is_(None) | (Workspace.disabled_reason != reason)
                    ),
                )
                .values(disabled_reason=reason)
            )
            return bool(getattr(result, "rowcount", 0))

    async def first_workspace_of(self, platform: str, user: str) -> str | None:
        """The workspace where ``user`` first used Mentorbot among those still served:
        where a message without a workspace of its own (a Discord DM) belongs."""
        async with self.session() as s:
            return await s.scalar(
                select(Workspace.external_id)
                .join(Member, Member.workspace_id == Workspace.id)
                .where(
                    Workspace.platform == platform,
                    Workspace.disabled_reason.is_(None),
                    Member.external_user == user,
                )
                .order_by(Member.id)
                .limit(1)
            )

    async def clear_disabled(self, platform: str, external_ids: Sequence[str], reason: str) -> None:
        """Resume the workspaces among ``external_ids`` stopped for ``reason`` (and only
        for it): the platform says the app is back in them."""
        async with self.session() as s:
            for start in range(0, len(external_ids), 1000):
                await s.execute(
                    update(Workspace)
                    .where(
                        Workspace.platform == platform,
                        Workspace.disabled_reason == reason,
                        Workspace.external_id.in_(list(external_ids[start : start + 1000])),
                    )
                    .values(disabled_reason=None)
                )

    async def start_assessment(self, member_id: int, level: str, *, now: datetime) -> Assessment:
        async with self.session() as s:
            assessment = Assessment(member_id=member_id, level=level, answers=[], started_at=now)
            s.add(assessment)
        return assessment

    async def get_assessment(self, member_id: int, assessment_id: int) -> Assessment | None:
        """Scoped by member, so a forged button value cannot reach another's data."""
        async with self.session() as s:
            return await s.scalar(
                select(Assessment).where(
                    Assessment.id == assessment_id, Assessment.member_id == member_id
                )
            )

    async def record_answer(
        self,
        member_id: int,
        assessment_id: int,
        *,
        index: int,
        answer: str,
        total: int,
        now: datetime,
        score: float | None = None,
    ) -> Assessment | None:
        """Store the answer to question ``index``; a repeated click on an old question
        is ignored, so double clicks do not skip questions."""
        async with self.session() as s:
            a = await s.scalar(
                select(Assessment)
                .where(Assessment.id == assessment_id, Assessment.member_id == member_id)
                .with_for_update()
            )
            if a is None:
                return None
            if a.completed_at is None and index == len(a.answers) and index < total:
                a.answers = [*a.answers, answer]
                if len(a.answers) == total:
                    a.completed_at = now
                    a.score = score
            return a

    async def finish_assessment(self, assessment_id: int, score: float) -> None:
        async with self.session() as s:
            a = await s.get(Assessment, assessment_id)
            if a is not None:
                a.score = score

    async def assessments(self, member_id: int, *, limit: int = 10) -> list[Assessment]:
        async with self.session() as s:
            rows = await s.scalars(
                select(Assessment)
                .where(Assessment.member_id == member_id, Assessment.completed_at.is_not(None))
                .order_by(Assessment.completed_at.desc(), Assessment.id.desc())
                .limit(limit)
            )
            return list(rows)
