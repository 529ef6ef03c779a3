"""Folding text so that what members type finds what the packs say.

Vietnamese is often typed without diacritics ("lam sao len senior" for "làm sao lên
senior"), so both the index and every query are folded the same way: lower case, tone
and vowel marks removed, and đ written d (it is a letter of its own in Unicode, not a d
with a mark, so NFD alone leaves it).
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+(?:[+#][a-z0-9+#]*)?")
_D = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower case without diacritics: ``"Làm sao lên Senior?"`` -> ``"lam sao len senior?"``."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    """The folded words of a text (letters and digits; ``c++`` and ``c#`` stay whole)."""
    return _WORD.findall(fold(text))


def has_diacritics(text: str) -> bool:
    """True when the text carries Vietnamese marks (or đ): a strong hint it is Vietnamese."""
    return fold(text) != text.lower()
