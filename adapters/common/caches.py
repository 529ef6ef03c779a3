"""A bounded cache that forgets the least recently used entry first.

The adapters remember many small things per member or channel (a DM channel id, a
profile read a minute ago, an event already answered); a fan-out to thousands must not
grow them without bound. Freshness is the caller's: store the time with the value.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def pop(self, key: K) -> V | None:
        return self._entries.pop(key, None)

    def drop(self, which: Callable[[K], bool]) -> None:
        """Forget every entry whose key ``which`` picks (a workspace's, say)."""
        for key in [k for k in self._entries if which(k)]:
            del self._entries[key]

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)
