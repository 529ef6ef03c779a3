"""Renderings of recently sent replies, kept by the replies' identity.

The outbox renders a prompt once per language and period and hands the same ``Reply``
objects to every member it is due to (``schedules.render``), so an outlet that renders
per delivery would render one prompt once per member of a fan-out. Keyed by identity,
not by value: comparing two replies field by field costs about what rendering them does.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

from adapters.common.caches import Lru

R = TypeVar("R")


class RenderCache(Generic[R]):
    """What ``replies`` rendered to, for as long as they are among the last ``size``.

    ``context`` is whatever else the rendering depends on (the server a Discord DM's
    buttons carry). An entry keeps its replies alive and is only found for the very
    same objects, so an id Python reuses after they were freed never finds it.
    """

    def __init__(self, size: int = 256) -> None:
        self._entries: Lru[tuple[Hashable, ...], tuple[tuple[object, ...], R]] = Lru(size)

    def get(self, replies: Sequence[object], *, context: Hashable = None) -> R | None:
        found = self._entries.get(_key(replies, context))
        if found is None or len(found[0]) != len(replies):
            return None
        if any(kept is not reply for kept, reply in zip(found[0], replies, strict=True)):
            return None
        return found[1]

    def put(self, replies: Sequence[object], rendered: R, *, context: Hashable = None) -> None:
        self._entries.put(_key(replies, context), (tuple(replies), rendered))

    def rendered(
        self, replies: Sequence[object], render: Callable[[], R], *, context: Hashable = None
    ) -> R:
        """The cached rendering of ``replies``, or ``render()``'s, cached."""
        found = self.get(replies, context=context)
        if found is None:
            found = render()
            self.put(replies, found, context=context)
        return found

    def __len__(self) -> int:
        return len(self._entries)


def _key(replies: Sequence[object], context: Hashable) -> tuple[Hashable, ...]:
    return (context, *map(id, replies))
