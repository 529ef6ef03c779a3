"""Reading a check-in answer written as a sentence, in English or Vietnamese.

"built a small RAG demo today, about 45 minutes", "đọc 1 paper", "lam side project 1
tieng": the activity comes from words (``ACTIVITY_WORDS``, folded so diacritics are
optional), the minutes from a duration ("45 min", "1h30", "1 tiếng", "30 phút"), and the
rest of the sentence is the note. A sentence that asks something ("what should I do?",
"làm sao lên senior") or names no activity is not an answer: the caller treats it as a
question instead, so a member who asks for advice while a check-in is open is not
checked in by accident.

These word lists are how Mentorbot *reads*, not what it says, so they live here rather
than in the content packs; they are measured by ``tests/data/checkins.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.talk.fold import fold

#: Phrases (folded, whole words) that say what was done. Longer phrases win over the
#: words inside them ("wrote code" is building, "wrote" alone is sharing), and a phrase
#: once matched is not read again.
ACTIVITY_WORDS: Mapping[str, tuple[str, ...]] = {
    "built": (
        "built",
        "build",
        "building",
        "builds",
        "deployed",
        "deploy",
        "deploying",
        "shipped",
        "ship",
        "shipping",
        "implemented",
        "implement",
        "implementing",
        "coded",
        "coding",
        "prototyped",
        "prototype",
        "hacked on",
        "trained",
        "training a model",
        "fine-tuned",
        "fine tuned",
        "finetuned",
        "fixed",
        "refactored",
        "worked on",
        "wrote code",
        "side project",
        "set up",
        "made a",
        "released",
        "lam side project",
        "lam project",
        "lam du an",
        "lam demo",
        "lam app",
        "lam model",
        "xay dung",
        "xay",
        "trien khai",
        "code",
        "viet code",
        "sua bug",
        "fix bug",
        "train",
        "train model",
        "hoan thanh",
        "lam tiep",
        "wrote tests",
        "wrote a test",
        "viet test",
        "viet unit test",
    ),
    "others": (
        "learned from",
        "learnt from",
        "paired",
        "pair programming",
        "pairing",
        "pair",
        "mentored",
        "mentor",
        "1-on-1",
        "1 on 1",
        "1:1",
        "one on one",
        "code review",
        "reviewed",
        "got feedback",
        "feedback from",
        "asked",
        "discussed",
        "chatted with",
        "talked to",
        "talked with",
        "hoc tu",
        "hoc hoi",
        "hoi y kien",
        "hoi senior",
        "hoi mentor",
        "hoi dong nghiep",
        "hoi team",
        "trao doi",
        "thao luan",
        "review code",
        "duoc review",
        "nho review",
        "gap mentor",
        "mentor cho",
    ),
    "course": (
        "course",
        "courses",
        "tutorial",
        "tutorials",
        "lecture",
        "lectures",
        "class",
        "lesson",
        "lessons",
        "watched",
        "mooc",
        "coursera",
        "udemy",
        "khoa hoc",
        "bai giang",
        "xem video",
        "xem tutorial",
        "hoc online",
        "bai hoc",
        "hoc khoa",
    ),
    "read": (
        "read",
        "reading",
        "paper",
        "papers",
        "article",
        "articles",
        "book",
        "chapter",
        "newsletter",
        "doc",
        "doc sach",
        "doc bai",
        "bai bao",
        "sach",
        "chuong",
    ),
    "shared": (
        "shared",
        "share",
        "sharing",
        "wrote a post",
        "wrote a blog",
        "blogged",
        "posted",
        "published",
        "presented",
        "gave a talk",
        "a talk",
        "tweeted",
        "wrote",
        "writing",
        "blog post",
        "chia se",
        "viet blog",
        "viet bai",
        "dang bai",
        "thuyet trinh",
        "trinh bay",
        "viet",
        "dang len",
        "blog",
    ),
    "skipped": (
        "skipped",
        "skip",
        "nothing",
        "no time",
        "didnt",
        "did not",
        "didnt do anything",
        "too busy",
        "busy",
        "bo qua",
        "khong lam gi",
        "khong co thoi gian",
        "ban qua",
        "ban qua nen",
        "nghi ngoi",
        "chua lam gi",
        "khong kip",
        "none",
    ),
}

#: Phrases that contain an activity's word but name none ("design doc" is no reading).
NEUTRAL_PHRASES: tuple[str, ...] = ("design doc", "design docs", "a doc", "the doc")

#: Words that make a sentence a question when it opens with them (folded).
QUESTION_OPENERS: tuple[str, ...] = (
    "how",
    "what",
    "why",
    "when",
    "where",
    "which",
    "who",
    "is",
    "are",
    "can",
    "could",
    "do",
    "does",
    "should",
    "would",
    "any",
    "tell",
    "explain",
    "help",
    "lam sao",
    "tai sao",
    "vi sao",
    "co nen",
    "nen",
    "bao nhieu",
    "bao lau",
    "cho minh hoi",
    "co phai",
    "sao",
)
#: Phrases that make a sentence a question wherever they appear (folded).
QUESTION_PHRASES: tuple[str, ...] = (
    "what should",
    "how do i",
    "how can i",
    "how should",
    "should i",
    "can i",
    "could i",
    "do i need",
    "any advice",
    "any tips",
    "help me",
    "lam sao",
    "the nao",
    "tai sao",
    "vi sao",
    "co nen",
    "bao nhieu",
    "bao lau",
    "la gi",
    "khac nhau",
    "o dau",
    "cach nao",
    "giup minh",
    "cho minh hoi",
)
#: Whole messages that are greetings or thanks, never an answer.
SMALL_TALK: frozenset[str] = frozenset(
    "hi hello hey thanks thank you thx ok okay cool great chao xin chao cam on ok nhe "
    "hi there good morning chao buoi sang".split(" ")
) | {"thank you", "xin chao", "cam on", "good morning", "hi there", "ok nhe"}

_NUMBER_WORDS: Mapping[str, float] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "half an": 0.5,
    "half": 0.5,
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "nua": 0.5,
}
_NUM = r"(\d+(?:[.,]\d+)?|(?:a|an|one|two|three|four|half an|half|mot|hai|ba|bon|nua)\b)"
_HOURS = r"(?:hours?|hrs?|h|tieng|gio|g)(?![a-z])"
_MINUTES = r"(?:minutes?|mins?|m|phut|p|ph)(?![a-z])"
#: Durations, tried in order on folded text; each gives (hours, minutes) groups.
_DURATIONS: tuple[re.Pattern[str], ...] = (
    # 1h30, 1h 30m, 1 hour 30 minutes, 1 tieng 30 phut, 2 gio 15
    re.compile(rf"\b{_NUM}\s*{_HOURS}\s*(?:and\s*|va\s*)?(\d{{1,2}})\s*(?:{_MINUTES})?\b"),
    # 1 tieng ruoi, an hour and a half: 90 minutes
    re.compile(rf"\b{_NUM}\s*{_HOURS}\s*(ruoi|and a half)\b"),
    re.compile(rf"\b{_NUM}\s*{_HOURS}\b"),
    re.compile(rf"\b()(\d+)\s*{_MINUTES}\b"),
)
_FILLER = re.compile(
    r"(?:\b(?:for|about|around|roughly|approx(?:imately)?|~|in|took|spent|mat|khoang|tam|"
    r"trong|het)\s*)+$"
)


@dataclass(frozen=True, slots=True)
class Understood:
    """What a sentence said: activities in ``ACTIVITIES`` order, minutes, the note."""

    activities: tuple[str, ...]
    minutes: int | None
    note: str | None


def _padded(text: str) -> str:
    return f" {' '.join(re.findall(r'[a-z0-9:+-]+', fold(text)))} "


def is_question(text: str) -> bool:
    """A sentence that asks for something: a question mark, or question words."""
    if "?" in text:
        return True
    padded = _padded(text)
    if any(padded.startswith(f" {w} ") for w in QUESTION_OPENERS):
        return True
    return any(f" {phrase} " in padded for phrase in QUESTION_PHRASES)


def is_small_talk(text: str) -> bool:
    return _padded(text).strip(" !.") in SMALL_TALK


def activities_in(text: str) -> tuple[str, ...]:
    """The activities a sentence names, in ``ACTIVITY_WORDS`` order ("skipped" alone)."""
    padded = _padded(text)
    for phrase in NEUTRAL_PHRASES:
        padded = padded.replace(f" {phrase} ", " | ")
    found: set[str] = set()
    phrases = sorted(
        ((phrase, activity) for activity, ps in ACTIVITY_WORDS.items() for phrase in ps),
        key=lambda item: -len(item[0]),
    )
    for phrase, activity in phrases:
        needle = f" {phrase} "
        if needle in padded:
            found.add(activity)
            padded = padded.replace(needle, " | ")
    ordered = tuple(a for a in ACTIVITY_WORDS if a in found)
    if "skipped" in ordered and len(ordered) > 1:
        # "no time to build, just read a paper": something was done after all.
        ordered = tuple(a for a in ordered if a != "skipped")
    return ordered


def _amount(word: str) -> float:
    word = word.strip()
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    return float(word.replace(",", "."))


def minutes_in(text: str) -> tuple[int | None, tuple[int, int] | None]:
    """Minutes a sentence names, and where (a span in the *folded* text)."""
    folded = fold(text)
    for n, pattern in enumerate(_DURATIONS):
        found = pattern.search(folded)
        if not found:
            continue
        if n == 0:
            total = _amount(found.group(1)) * 60 + int(found.group(2))
        elif n == 1:
            total = _amount(found.group(1)) * 60 + 30
        elif n == 2:
            total = _amount(found.group(1)) * 60
        else:
            total = int(found.group(2))
        return (round(total) or None), found.span()
    return None, None


def _note(text: str, span: tuple[int, int] | None) -> str | None:
    """The sentence without its duration, tidied; None when nothing is left."""
    if span is not None and len(fold(text)) == len(text):
        start, end = span
        before = _FILLER.sub("", text[:start].rstrip(" ,;-")).rstrip(" ,;-")
        text = f"{before} {text[end:].lstrip(' ,;.')}"
    note = re.sub(r"\s+", " ", text).strip(" ,;-")
    return note or None


def read_answer(text: str) -> Understood | None:
    """The check-in answer a sentence gives, or None when it plainly is not one."""
    if not text.strip() or text.lstrip().startswith("/") or is_small_talk(text):
        return None
    if is_question(text):
        return None
    activities = activities_in(text)
    minutes, span = minutes_in(text)
    if not activities:
        return None
    return Understood(activities=activities, minutes=minutes, note=_note(text, span))
