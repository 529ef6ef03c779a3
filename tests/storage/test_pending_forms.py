"""Pending forms in the database (``storage.pending_forms``), on SQLite and PostgreSQL:
scoped by their owner, merged page by page, taken once, purged when expired, and
covered by export and forget."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.context import Services
from storage import pending_forms
from storage.form_models import PendingForm
from storage.privacy import delete_member, export_member
from storage.repo import MemberKey, Store
from tests.conftest import START

ANA = MemberKey("discord", "100", "1")
FORM = {"form_id": "survey:done", "title": "Survey", "fields": [], "submit_label": "Send"}
UNTIL = START + timedelta(hours=1)


async def kept(store: Store, key: str = "k" * 16, member: MemberKey = ANA) -> bool:
    return await pending_forms.remember(
        store, key, member, form=FORM, intro="Hi", now=START, until=UNTIL
    )


async def test_a_form_is_found_by_its_owner_only_and_until_it_expires(services: Services):
    store = services.store
    await store.member(ANA, now=START, defaults={})
    assert await kept(store)
    owner = {"platform": "discord", "user": "1"}
    found = await pending_forms.find(store, "k" * 16, **owner, now=START)
    assert found is not None
    assert (found.member, found.form, found.intro, found.answers) == (ANA, FORM, "Hi", {})
    for platform, user in (("discord", "2"), ("slack", "1")):
        mallory = {"platform": platform, "user": user}
        assert await pending_forms.find(store, "k" * 16, **mallory, now=START) is None
        assert (
            await pending_forms.add_answers(store, "k" * 16, {"a": "x"}, **mallory, now=START)
            is None
        )
        assert await pending_forms.take(store, "k" * 16, {}, **mallory, now=START) is None
    assert await pending_forms.find(store, "k" * 16, **owner, now=UNTIL) is None
    assert await pending_forms.find(store, "x" * 16, **owner, now=START) is None


async def test_pages_are_merged_and_the_form_is_taken_once(services: Services):
    store = services.store
    await store.member(ANA, now=START, defaults={})
    await kept(store)
    owner = {"platform": "discord", "user": "1", "now": START}
    first = await pending_forms.add_answers(store, "k" * 16, {"a": "1", "b": "2"}, **owner)
    assert first is not None and first.answers == {"a": "1", "b": "2"}
    again = await pending_forms.add_answers(store, "k" * 16, {"b": "3"}, **owner)
    assert again is not None and again.answers == {"a": "1", "b": "3"}
    takes = await asyncio.gather(
        *(pending_forms.take(store, "k" * 16, {"c": str(i)}, **owner) for i in range(3))
    )
    [taken] = [t for t in takes if t is not None]
    assert taken.answers["a"] == "1" and taken.answers["b"] == "3" and "c" in taken.answers
    assert (
        await pending_forms.find(store, "k" * 16, platform="discord", user="1", now=START) is None
    )


async def test_expired_forms_are_purged_and_unknown_members_keep_nothing(services: Services):
    store = services.store
    await store.member(ANA, now=START, defaults={})
    await kept(store, "a" * 16)
    assert not await kept(store, "b" * 16, MemberKey("discord", "100", "nobody"))
    # Remembering a form purges the expired ones on the way (found at START, "a" would
    # still be open: it is gone from the table, not merely hidden).
    await pending_forms.remember(
        store, "c" * 16, ANA, form=FORM, intro="", now=UNTIL, until=UNTIL + timedelta(hours=1)
    )
    owner = {"platform": "discord", "user": "1"}
    assert await pending_forms.find(store, "a" * 16, **owner, now=START) is None
    assert await pending_forms.find(store, "c" * 16, **owner, now=UNTIL) is not None
    async with store.session() as s:
        assert await s.scalar(select(func.count()).select_from(PendingForm)) == 1


async def test_export_and_forget_cover_the_pages_already_sent(services: Services):
    store = services.store
    member, _ = await store.member(ANA, now=START, defaults={})
    await kept(store)
    owner = {"platform": "discord", "user": "1", "now": START}
    await pending_forms.add_answers(store, "k" * 16, {"goal": "Ship a RAG demo"}, **owner)
    exported = await export_member(store, member.id)
    [row] = exported["pending_form"]
    assert row["answers"] == {"goal": "Ship a RAG demo"}
    await delete_member(store, member.id)
    await store.member(ANA, now=START, defaults={})  # back, as a new member
    assert (
        await pending_forms.find(store, "k" * 16, platform="discord", user="1", now=START) is None
    )
