"""Parsing helpers shared by every feature: tokenising, cleaning, 'did you mean'."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

#: Commands are short; anything longer is cut before parsing so a 100 KB line costs
#: nothing and cannot reach the database as a key.
MAX_COMMAND_CHARS = 2000
MAX_ECHO_CHARS = 40
#: The largest row id a button may carry (PostgreSQL's ``integer``): a larger one is
#: forged or stale, and would fail the query instead of finding nothing.
MAX_ROW_ID = 2**31 - 1

#: Control and bidi characters, and lone surrogates: what ``surrogateescape`` makes of
#: invalid UTF-8 on a terminal, and what a JSON ``"\ud800"`` escape decodes to. A
#: surrogate cannot be encoded as UTF-8, so one that reached the database would fail the
#: commit; it becomes a space like any other character that has no business in a message.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)
#: A whole number as members type it: ASCII digits only (``str.isdigit`` also accepts
#: ``²`` and ``٣``, which ``int`` then refuses or reads surprisingly), at most nine of
#: them, so nothing reaches ``int`` that could be slow or refused for its length.
_WHOLE = re.compile(r"[0-9]{1,9}")


def clean(text: str, *, limit: int = MAX_COMMAND_CHARS) -> str:
    """NFC-normalise, drop control and bidi characters and lone surrogates, cut to
    ``limit``."""
    # Surrogates go before normalising: NFC would keep them, and so would encoding.
    text = _CONTROL.sub(" ", text[: limit * 2])
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return text[:limit].strip()


def whole_number(word: str, low: int, high: int) -> int | None:
    """``word`` as an int in ``low..high`` when it is written in ASCII digits, else None.

    Every number a member types goes through here, so ``²``, ``٣``, ``+5`` or a line of
    5,000 digits is an answer the feature can refuse politely, never an exception."""
    word = word.strip()
    if not _WHOLE.fullmatch(word):
        return None
    value = int(word)
    return value if low <= value <= high else None


def words(text: str) -> list[str]:
    return clean(text).split()


def echo(word: str) -> str:
    """A piece of member input safe to quote back inside markup."""
    # Echoes are quoted in code spans, so only what could close or escape one goes;
    # underscores stay (time zones such as Asia/Ho_Chi_Minh are full of them).
    safe = re.sub(r"[`<>|]", "", clean(word, limit=MAX_ECHO_CHARS * 2))
    if len(safe) > MAX_ECHO_CHARS:
        safe = safe[: MAX_ECHO_CHARS - 1] + "…"
    return safe or "?"


def nearest(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a mistyped word, or None when nothing is close."""
    pool = list(dict.fromkeys(candidates))
    found = difflib.get_close_matches(word.lower(), pool, n=1, cutoff=0.6)
    return found[0] if found else None


def bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items)
