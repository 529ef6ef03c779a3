"""Folding text so that what members type finds what the packs say.

Vietnamese is often typed without diacritics ("lam sao len senior" for "làm sao lên
senior"), so both the index and every query are folded the same way: lower case, tone
and vowel marks removed, and đ written d (it is a letter of its own in Unicode, not a d
with a mark, so NFD alone leaves it).

Folding also merges words that differ only by their marks: *toán* (math), *toàn*
(whole), *tháng* (month) and *thăng* (rise) all fold to one word. When a member does type
the marks they are information, so the index keeps a second, *marked* form of every text
(``mark_tones``), in which a word typed with marks only finds itself. Its tone mark is
moved to the end of the word as a digit, because Vietnamese writes the same syllable with
the tone on either vowel ("khóa" and "khoá"): both are ``khoa1``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9]+(?:[+#][a-z0-9+#]*)?")
#: A word as typed, marks included (``\w`` without ``_``); ``c++`` and ``c#`` stay whole.
_RAW_WORD = re.compile(r"[^\W_]+(?:[+#][^\W_+#]*)*[+#]*")
_D = str.maketrans({"đ": "d", "Đ": "d"})
#: Vietnamese tone marks (sắc, huyền, hỏi, ngã, nặng) as combining characters, and the
#: digit each becomes at the end of its word in the marked form.
_TONES = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}


def fold(text: str) -> str:
    """Lower case without diacritics: ``"Làm sao lên Senior?"`` -> ``"lam sao len senior?"``."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def mark_tones(text: str) -> str:
    """Lower case with every mark kept, each word's tone written as a digit after it:
    ``"Bài toán"`` -> ``"bai2 toan1"``, ``"khoá học"`` and ``"khóa học"`` -> ``"khoa1
    học5"``. Vowel marks (â, ơ, ư, …) and đ stay, so *toán* and *toàn* differ."""
    out: list[str] = []
    tones: list[str] = []
    for char in unicodedata.normalize("NFD", text.lower()):
        if char in _TONES:
            tones.append(_TONES[char])
            continue
        if not (char.isalnum() or unicodedata.combining(char)) and tones:
            out.extend(tones)
            tones.clear()
        out.append(char)
    out.extend(tones)
    return unicodedata.normalize("NFC", "".join(out))


def words(text: str) -> list[str]:
    """The folded words of a text (letters and digits; ``c++`` and ``c#`` stay whole)."""
    return _WORD.findall(fold(text))


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a text: ``folded`` always; ``marked`` only when it was written with
    diacritics (then it matches only itself, not every word that folds the same)."""

    folded: str
    marked: str | None

    def matches(self, other: Word) -> bool:
        """Whether a word typed as ``self`` is ``other`` (a word typed without marks may be
        any word that folds the same)."""
        return self.folded == other.folded and (self.marked is None or self.marked == other.marked)


def marked_words(text: str) -> list[Word]:
    """The words of a text with their folded and, where written, marked forms."""
    found = []
    for raw in _RAW_WORD.findall(unicodedata.normalize("NFC", text.lower())):
        folded = fold(raw)
        if not _WORD.fullmatch(folded):
            continue  # a script folding cannot read (the index skips it the same way)
        found.append(Word(folded, mark_tones(raw) if folded != raw else None))
    return found


def has_diacritics(text: str) -> bool:
    """True when the text carries Vietnamese marks (or đ): a strong hint it is Vietnamese."""
    return fold(text) != text.lower()
