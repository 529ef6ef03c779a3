"""Text measured, cut and split to a platform's limits, never mid-word when a break fits.

A platform rejects a whole message for one field over its limit, so every text is cut
or split before it is sent. Slack may count UTF-16 code units (``utf16=True``: never
less than Python's count of code points, so an emoji-heavy text cannot slip past a
limit counted differently); Discord counts code points. What must never be split (an
``&amp;`` or a ``<url|label>`` in Slack, a backslash escape in Discord) is the
caller's ``keep_whole``.
"""

from __future__ import annotations

from collections.abc import Callable

ELLIPSIS = "…"
#: Given a text and a split point, an earlier point that does not break a unit apart.
KeepWhole = Callable[[str, int], int]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (>= code points).

    Counted by the codec, not per character in Python: the renderers measure every
    field and every remaining piece of a split, and a loop over characters made that
    most of a render. ``surrogatepass`` counts a lone surrogate as the one unit it is.
    """
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def prefix_within(text: str, limit: int, *, utf16: bool = False) -> int:
    """The number of code points of the longest prefix of ``text`` within ``limit``."""
    end = min(len(text), max(limit, 0))
    if not utf16 or len(text) * 2 <= limit:
        return end
    # The prefix of ``end`` code points is at least ``end`` units; while it is over by
    # ``over``, dropping ``ceil(over / 2)`` characters (each one or two units) can never
    # drop one that would have fitted, and at least halves what is over.
    while end > 0 and (over := utf16_len(text[:end]) - limit) > 0:
        end -= (over + 1) // 2
    return end


def length(text: str, *, utf16: bool = False) -> int:
    return utf16_len(text) if utf16 else len(text)


def cut(text: str, limit: int, *, utf16: bool = False) -> str:
    """``text`` shortened to ``limit``, with an ellipsis when something was dropped."""
    if length(text, utf16=utf16) <= limit:
        return text
    return text[: prefix_within(text, limit - 1, utf16=utf16)].rstrip() + ELLIPSIS


def split_point(text: str, limit: int, *, utf16: bool = False) -> int:
    """Where to split ``text`` so the first part fits ``limit``: the last paragraph,
    line or word break in the second half of the room, else a hard cut."""
    room = prefix_within(text, limit, utf16=utf16)
    for sep in ("\n\n", "\n", " "):
        found = text.rfind(sep, 0, room + len(sep))  # a break just past the room fits too
        if found > room // 2:
            return found
    return room


def split_text(
    text: str, limit: int, *, utf16: bool = False, keep_whole: KeepWhole | None = None
) -> list[str]:
    """``text`` in pieces that each fit ``limit``, stripped; blank pieces dropped."""
    chunks: list[str] = []
    rest = text.strip()
    while length(rest, utf16=utf16) > limit:
        point = split_point(rest, limit, utf16=utf16)
        if keep_whole is not None:
            point = keep_whole(rest, point)
        point = max(point, 1)
        head, rest = rest[:point].rstrip(), rest[point:].lstrip()
        if head:
            chunks.append(head)
    if rest:
        chunks.append(rest)
    return chunks
