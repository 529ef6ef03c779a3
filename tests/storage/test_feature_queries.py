"""Queries the features reach the database through, on both backends: the ones two
requests may run at once for the same row end with one row and lose nothing."""

from __future__ import annotations

import asyncio
from datetime import date

from storage import checkins, mentoring, pairs
from storage.repo import MemberKey, Store
from tests.conftest import START


def merge(activity: str):
    return lambda activities: sorted({*activities, activity})


async def test_two_clicks_at_once_both_count(services) -> None:
    store: Store = services.store
    member, _ = await store.member(MemberKey("console", "W", "U"), now=START, defaults={})
    await asyncio.gather(
        *(
            checkins.change_activities(store, member.id, "daily", "2027-03-01", merge(a), now=START)
            for a in ("built", "read", "others")
        )
    )
    row = await checkins.get_checkin(store, member.id, "daily", "2027-03-01")
    assert row is not None and row.activities == ["built", "others", "read"]


async def test_two_sentences_at_once_save_one_check_in(services) -> None:
    store: Store = services.store
    member, _ = await store.member(MemberKey("console", "W", "U"), now=START, defaults={})
    saved = await asyncio.gather(
        *(
            checkins.add_checkin_once(
                store,
                member.id,
                "daily",
                "2027-03-01",
                activities=[a],
                minutes=30,
                note=None,
                now=START,
            )
            for a in ("built", "read")
        )
    )
    assert sum(row is not None for row in saved) == 1
    assert await checkins.answered_periods(store, member.id, "daily") == {"2027-03-01"}
    assert await checkins.delete_checkin(store, member.id, "daily", "2027-03-01")
    assert not await checkins.delete_checkin(store, member.id, "daily", "2027-03-01")


async def test_a_round_drawn_by_two_workers_is_stored_once(services) -> None:
    store: Store = services.store
    ids = []
    for user in ("A", "B", "C", "D"):
        member, _ = await store.member(MemberKey("slack", "T", user), now=START, defaults={})
        await pairs.set_optin(store, member.id, True, now=START)
        ids.append(member.id)
    a, b, c, d = ids
    first, second = await asyncio.gather(
        pairs.save_round(
            store, member.workspace_id, "2027-W09", date(2027, 3, 1), [(a, [b])], waiting=[c],
            now=START,
        ),
        pairs.save_round(
            store, member.workspace_id, "2027-W09", date(2027, 3, 1), [(c, [d])], waiting=[a],
            now=START,
        ),
    )  # fmt: skip
    assert first == second and first.round_key == "2027-W09"
    assert list(first.pairs.values()) in (
        [[(a, "mentor"), (b, "mentee")]],
        [[(c, "mentor"), (d, "mentee")]],
    )
    # Only the stored round's waiting list was applied.
    optins = await pairs.optins_of(store, ids)
    waiting = {m for m, o in optins.items() if o.waiting}
    assert waiting == ({c} if first.pairs[0][0][0] == a else {a})


async def test_muting_twice_at_once_mutes_once(services) -> None:
    store: Store = services.store
    member, _ = await store.member(MemberKey("console", "W", "U"), now=START, defaults={})
    changed = await asyncio.gather(
        *(mentoring.set_muted(store, member.id, "tutorial", muted=True, now=START) for _ in "ab")
    )
    assert sorted(changed) == [False, True]
    assert await mentoring.muted_pitfalls(store, member.id) == {"tutorial"}
    assert await mentoring.set_muted(store, member.id, "tutorial", muted=False, now=START)
    assert not await mentoring.set_muted(store, member.id, "tutorial", muted=False, now=START)
    assert await mentoring.muted_pitfalls(store, member.id) == set()
