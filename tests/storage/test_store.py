"""Storage on every backend: isolation between workspaces, export, forget, migrations."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, func, select

from bot.mentor import Mentor
from storage.all_models import Base
from storage.models import Delivery, DeliveryReceipt, Member, Workspace, include_object
from storage.privacy import delete_member, export_member, member_tables
from storage.repo import MemberKey, Store
from tests.conftest import START, Chat, make_actor


async def test_members_are_keyed_by_platform_workspace_and_user(services) -> None:
    store: Store = services.store
    a, created_a = await store.member(MemberKey("slack", "T1", "U1"), now=START, defaults={})
    b, created_b = await store.member(MemberKey("slack", "T2", "U1"), now=START, defaults={})
    c, _ = await store.member(MemberKey("discord", "T1", "U1"), now=START, defaults={})
    again, created_again = await store.member(
        MemberKey("slack", "T1", "U1"), now=START, defaults={}
    )
    assert created_a and created_b and not created_again
    assert len({a.id, b.id, c.id}) == 3 and again.id == a.id
    assert a.workspace_id != b.workspace_id != c.workspace_id


async def test_a_workspace_is_disabled_and_enabled_again_by_platform_and_id(services) -> None:
    store: Store = services.store
    slack = await store.workspace("slack", "T1", now=START, defaults={})
    discord = await store.workspace("discord", "T1", now=START, defaults={})
    assert await store.set_workspace_disabled("slack", "T1", "tokens_revoked")
    assert not await store.set_workspace_disabled("slack", "T1", "tokens_revoked")  # as it was
    assert not await store.set_workspace_disabled("slack", "T-unknown", "tokens_revoked")
    assert (await store.get_workspace(slack.id)).disabled_reason == "tokens_revoked"
    assert (await store.get_workspace(discord.id)).disabled_reason is None
    assert await store.set_workspace_disabled("slack", "T1", "app_uninstalled")  # a new reason
    assert await store.set_workspace_disabled("slack", "T1", None)
    assert not await store.set_workspace_disabled("slack", "T1", None)
    assert (await store.get_workspace(slack.id)).disabled_reason is None


async def test_two_workspaces_never_see_each_others_data(mentor: Mentor) -> None:
    alice = Chat(mentor, make_actor("U1", workspace="T-alpha"))
    mallory = Chat(mentor, make_actor("U1", workspace="T-beta"))
    await alice.say("/mentor set level senior")
    await alice.say("/mentor diet daily set Secret Feed")
    await alice.say("/mentor assess")
    await alice.click("Yes")
    assert "not set" in await mallory.say("/mentor profile")
    assert "Secret Feed" not in await mallory.say("/mentor diet daily")
    await mallory.say("/mentor export")
    assert "Secret Feed" not in (mallory.last[-1].document or "")
    assert '"assessment": []' in (mallory.last[-1].document or "")
    await mallory.say("/mentor forget")
    await mallory.click("Yes")
    assert "Level: Senior" in await alice.say("/mentor level")


async def test_concurrent_first_contact_creates_one_member(services) -> None:
    store: Store = services.store
    key = MemberKey("slack", "T9", "U9")
    results = await asyncio.gather(*(store.member(key, now=START, defaults={}) for _ in range(5)))
    assert len({m.id for m, _ in results}) == 1


async def test_export_and_delete_cover_every_member_table(services) -> None:
    store: Store = services.store
    member, _ = await store.member(MemberKey("console", "W", "U"), now=START, defaults={})
    other, _ = await store.member(MemberKey("console", "W", "V"), now=START, defaults={})
    await store.start_assessment(member.id, "mid", now=START)
    await store.start_assessment(other.id, "mid", now=START)
    exported = await export_member(store, member.id)
    assert {t.name for t in member_tables()} <= set(exported)
    assert len(exported["assessment"]) == 1
    removed = await delete_member(store, member.id)
    assert removed == 2
    assert await store.get_member(member.id) is None
    assert len((await export_member(store, other.id))["assessment"]) == 1


async def test_migrations_match_the_models(engine) -> None:
    def diff(connection):
        # Constraints meant for the other backend (storage.models.sqlite_only) are left out.
        opts = {"compare_type": False, "include_object": include_object(connection.dialect.name)}
        context = MigrationContext.configure(connection, opts=opts)
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_deleting_a_member_or_workspace_takes_their_outbox_rows_and_receipts(
    services,
) -> None:
    """What ON DELETE CASCADE does on SQLite, PostgreSQL's delete triggers do (migration
    0011): deleted straight in SQL, not through ``delete_member``."""
    store: Store = services.store
    alice, _ = await store.member(MemberKey("slack", "T1", "U1"), now=START, defaults={})
    bob, _ = await store.member(MemberKey("slack", "T2", "U1"), now=START, defaults={})
    rows = [
        (alice.workspace_id, alice.id, f"m:{alice.id}", "prompt:daily"),
        (alice.workspace_id, alice.id, f"m:{alice.id}", "nudge:tutorial"),
        (bob.workspace_id, bob.id, f"m:{bob.id}", "prompt:daily"),
        (bob.workspace_id, None, f"c:{bob.workspace_id}:C1", "digest"),
    ]

    async def left(s: Any) -> tuple[list[str], int]:
        kinds = await s.scalars(select(Delivery.target).order_by(Delivery.id))
        receipts = await s.scalar(select(func.count()).select_from(DeliveryReceipt))
        return list(kinds), receipts

    async with store.session() as s:
        for workspace_id, member_id, target, kind in rows:
            delivery = Delivery(
                workspace_id=workspace_id, member_id=member_id, target=target, kind=kind,
                period_key="2027-03-01", status="claimed", due_at=START, not_before=START,
                attempts=1, payload={}, created_at=START,
            )  # fmt: skip
            s.add(delivery)
            await s.flush()
            s.add(DeliveryReceipt(delivery_id=delivery.id, sent_at=START))
        await s.flush()
        await s.execute(delete(Member).where(Member.id == alice.id))
        assert await left(s) == ([f"m:{bob.id}", f"c:{bob.workspace_id}:C1"], 2)
        await s.execute(delete(Workspace).where(Workspace.id == bob.workspace_id))
        assert await left(s) == ([], 0)
