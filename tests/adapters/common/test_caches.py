"""The bounded LRU cache the adapters remember small things in."""

from __future__ import annotations

import pytest

from adapters.common.caches import Lru


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3
    assert len(cache) == 2


def test_put_again_refreshes_and_replaces() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    cache.put("c", 3)
    assert cache.get("a") == 10 and "b" not in cache


def test_pop_and_drop() -> None:
    cache: Lru[tuple[str, str], int] = Lru(10)
    for team, user in [("T1", "U1"), ("T1", "U2"), ("T2", "U1")]:
        cache.put((team, user), 1)
    assert cache.pop(("T2", "U1")) == 1 and cache.pop(("T2", "U1")) is None
    cache.drop(lambda key: key[0] == "T1")
    assert len(cache) == 0


def test_a_cache_holds_something() -> None:
    with pytest.raises(ValueError):
        Lru(0)
