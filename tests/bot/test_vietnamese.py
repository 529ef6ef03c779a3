"""The vi packs follow the Vietnamese style guide (``docs/vietnamese.md``): its "use this,
not that" table, its spelling convention, and its kept English terms, for every text of
the packs, shown today or not."""

from __future__ import annotations

import re
import unicodedata

import pytest

from bot.content import flatten, load_library, template_texts
from tests.bot.vietnamese import avoided_phrases, english_words, kept_terms

#: The words pitfall rules look for in members' notes are data, not the bot's voice.
NOT_VOICE = ("vocab.",)
#: Old-style tone placement at the end of a syllable (hoá, khoá, thuỷ); after "q" the u
#: belongs to the consonant ("quý" is right).
OLD_STYLE = re.compile(r"(?i)(?<![q])(o[àáảãạ]|o[èéẻẽẹ]|u[ỳýỷỹỵ])(?![\wà-ỹ])")


def vi_texts() -> list[tuple[str, str]]:
    pack = load_library().pack("vi")
    found = []
    for path, leaf in flatten(pack.raw):
        if path.startswith(NOT_VOICE):
            continue
        for text in template_texts(leaf) if not isinstance(leaf, str) else (leaf,):
            if isinstance(text, str):
                found.append((path, unicodedata.normalize("NFC", text)))
    return found


def test_the_guide_has_its_lists() -> None:
    assert {"paper", "baseline", "deploy", "feature"} <= kept_terms()
    assert avoided_phrases()["bài báo"] == "paper"


@pytest.mark.parametrize("phrase", sorted(avoided_phrases()))
def test_no_phrase_the_guide_rules_out(phrase: str) -> None:
    hits = [path for path, text in vi_texts() if phrase.lower() in text.lower()]
    assert not hits, f"«{phrase}» (use {avoided_phrases()[phrase]!r}) in {hits}"


def test_one_spelling_convention() -> None:
    hits = [
        f"{path}: {m.group(0)!r}" for path, text in vi_texts() for m in OLD_STYLE.finditer(text)
    ]
    assert not hits, "old-style tone marks (write hóa, khóa, thủy):\n" + "\n".join(hits)
    ti_le = [path for path, text in vi_texts() if re.search(r"(?i)\btỉ lệ", text)]
    assert not ti_le, f"write tỷ lệ: {ti_le}"


def test_no_english_outside_the_kept_terms_in_any_vi_text() -> None:
    """Every text of the vi packs, including ones only some members ever see."""
    bad = []
    for path, text in vi_texts():
        prose = re.sub(r"`[^`\n]+`|\{[^}]*\}", " ", text)
        bad += [f"{path}: {word}" for word in english_words(prose)]
    assert not bad, "\n".join(bad)


def test_the_spelling_check_knows_right_from_wrong() -> None:
    assert OLD_STYLE.search("khoá học") and OLD_STYLE.search("hoá đơn")
    assert OLD_STYLE.search("thuỷ")
    assert not OLD_STYLE.search("khóa học, hóa đơn, quý, hoàn thành, thủy, loại")
