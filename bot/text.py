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

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean(text: str, *, limit: int = MAX_COMMAND_CHARS) -> str:
    """NFC-normalise, drop control and bidi characters, cut to ``limit``."""
    text = unicodedata.normalize("NFC", text[: limit * 2])
    text = _CONTROL.sub(" ", text)
    return text[:limit].strip()


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
