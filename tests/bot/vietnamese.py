"""The Vietnamese style guide (``docs/vietnamese.md``) as checks the tests can run.

The guide is the single source: its kept-terms block says which English words stay
English, its "use, not" table lists the phrasings the packs must not use. Parsing the
guide (rather than copying its lists here) means a term added to the guide is enforced
at once, and a term enforced here is always documented there.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "vietnamese.md"

# -- the guide ------------------------------------------------------------------------


@cache
def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


@cache
def _kept_block() -> list[str]:
    match = re.search(r"```kept-terms\n(.*?)```", guide_text(), re.S)
    assert match, f"{GUIDE}: no ```kept-terms block"
    return [t.strip() for t in re.split(r"[,\n]", match.group(1)) if t.strip()]


@cache
def kept_terms() -> frozenset[str]:
    """One-word terms of the ```kept-terms``` block, lower-cased."""
    return frozenset(t.lower() for t in _kept_block() if not re.search(r"[\s'’-]", t))


@cache
def kept_names() -> tuple[str, ...]:
    """Terms of several words (``The Batch``, ``fine-tune``), kept whole, longest first."""
    names = (t for t in _kept_block() if re.search(r"[\s'’-]", t))
    return tuple(sorted(names, key=len, reverse=True))


@cache
def avoided_phrases() -> dict[str, str]:
    """``{phrase to avoid: what to use}`` from the guide's "use / not" table."""
    section = guide_text().split("## Use this, not that", 1)[1].split("\n## ", 1)[0]
    avoided: dict[str, str] = {}
    for row in re.findall(r"(?m)^\| (.+?) \| (.+?) \| .*\|$", section):
        use, avoid = row
        if use.strip("-: ") in ("", "use"):
            continue
        for phrase in re.findall(r"«([^»]+)»", avoid):
            avoided[phrase] = use.strip()
    assert avoided, f"{GUIDE}: the 'Use this, not that' table is empty"
    return avoided


# -- English words in Vietnamese text -------------------------------------------------

_ONSETS = "ngh ng gh gi kh nh ph th tr ch qu b c d g h k l m n p r s t v x".split()
#: Rhymes a Vietnamese syllable can have when written without diacritics.
_RHYMES = frozenset(
    """a ai ao au ay ac ach am an ang anh ap at e eo ec em en eng ep et i ia iu ic ich im
    in inh ip it o oa oai oay oac oach oam oan oang oanh oap oat oe oeo oen oet oi oc om on
    ong op ot u ua ui uy uya uyu uc um un ung up ut uych uyn uynh uyt uan uang uat y""".split()
)
#: English words that are also well-formed Vietnamese syllables without diacritics, yet
#: never Vietnamese in our texts.
_LOOKALIKES = frozenset("the to in on no go we he be by my up at it am as or if do".split()) - {
    "do"
}  # "do" is Vietnamese ("do bạn", because of you); so, an: "so với", "an toàn"
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_SKIP = re.compile(
    r"https?://\S+"  # links
    r"|\(saved: [^)]*\)"  # chart paths
    r"|\S*[/_@]\S*"  # paths, zones, handles, commands and their words
    r"|\b[A-Z]{1,4}-?\d\S*"  # Q1, W09, 2027-Q1 style keys
)
_COMMAND = re.compile(r"/mentor(?: \S+)*")
#: Inside a command: its words (``level``, ``set``), the member's placeholders in
#: Vietnamese capitals (``TÊN-LỆNH``) and formats. An English placeholder (``COMMAND``)
#: is none of these, so it ends the command and is checked like prose.
_GRAMMAR = re.compile(
    r"[a-z0-9\-,.…:/%+#]+"
    r"|(?=[A-ZĐ\-]*[^\x00-\x7f])[A-ZÀ-ỸĐ\-]+,?"
    r"|YYYY(?:-MM(?:-DD)?|-QN)?|HH:MM|N"
)


def _strip_commands(text: str) -> str:
    """Remove ``/mentor`` and the grammar after it, up to the first word that is prose."""

    def strip(match: re.Match[str]) -> str:
        tokens = match.group(0).split(" ")
        kept = 1
        for token in tokens[1:]:
            parts = [p for p in re.split(r"[\[\]|]", token) if p]
            if not all(_GRAMMAR.fullmatch(p) for p in parts):
                break
            kept += 1
        return " " + " ".join(tokens[kept:])

    return _COMMAND.sub(strip, text)


def _ascii(word: str) -> bool:
    return all(ord(c) < 128 for c in word)


def vietnamese_syllable(word: str) -> bool:
    """Could ``word`` (ASCII, lower case) be a Vietnamese syllable written plainly?"""
    for onset in (*_ONSETS, ""):
        if word.startswith(onset) and word[len(onset) :] in _RHYMES:
            return True
    return False


def english_words(text: str) -> list[str]:
    """English words in Vietnamese ``text`` that the guide does not keep in English.

    Command words after ``/mentor`` (``level``, ``set``, …) are the grammar, not prose,
    and are skipped; so are links, paths and zone names. A capitalised word is a name
    (Python, Hacker News) unless it is a common English word.
    """
    text = unicodedata.normalize("NFC", text)
    for name in kept_names():
        text = re.sub(re.escape(name), " ", text, flags=re.I)
    text = _strip_commands(text)
    text = _SKIP.sub(" ", text)
    kept = kept_terms()
    found = []
    for raw in _WORD.findall(text):
        if not _ascii(raw):
            continue
        for word in re.split(r"['’]", raw)[:1]:  # Manager's: the 's is not a word
            low = word.lower()
            if not low or low in kept:
                continue
            if word.isupper() and len(word) > 1:
                if not vietnamese_syllable(low):  # "IN HOA" is Vietnamese in capitals
                    found.append(word)  # an acronym or a placeholder the guide does not keep
            elif word[0].isupper() and low not in _LOOKALIKES and low not in _COMMON:
                continue  # a name
            elif low in _LOOKALIKES or not vietnamese_syllable(low):
                found.append(word)
    return found


#: Common English words that give away untranslated text even when capitalised.
_COMMON = frozenset(
    """and or the of to for with you your yours now optional min mins hour hours day days
    week weeks month months yes no not none all done saved save later next last this that
    here there what when where who why how is are was were be been will can could should
    would please thanks from into onto about after before again more less only just also
    set off on use used using see show shown""".split()
)
