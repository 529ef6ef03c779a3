"""A local search index over every content pack, so a question finds its passage.

Built once per process from whatever the packs hold when it starts: the walk below is
generic, so a page added or reworded by the content team is searchable without touching
this module. Passages come from the *items* of the packs (every mapping that carries
``covers: [ID, ...]``): a small item is one passage, a large one (a level, a track, a
pitfall) gives one passage per field, so "red flags for a senior" lands on the red flags
and not on the whole page. Each passage keeps the CONTENT_MAP ids of its item, which is
how the labelled question set in ``tests/`` measures it.

Retrieval is SQLite FTS5 (in the standard library) in memory, ranked with BM25; the
heading weighs more than the body. Index and queries are folded the same way
(``bot/talk/fold.py``), so Vietnamese typed without diacritics finds the same passages.
Searching costs well under a millisecond (``bench/answer.py``), which is why it runs on
the event loop: there is no file or network behind it.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from bot.content import Library, Pack, schema
from bot.talk.fold import fold, words

SYNONYMS = Path(__file__).with_name("synonyms.txt")
#: Pack files that hold advice; ``vocab`` is word lists for the pitfall rules.
ADVICE_FILES: tuple[str, ...] = tuple(name for name in schema.FILES if name != "vocab")
#: An item whose text is at most this long is one passage; a longer one is split by field.
WHOLE_ITEM_CHARS = 1200
#: Fields shorter than this (years, minutes) join the item's first passage.
SHORT_FIELD_CHARS = 80
#: Heading fields: they name the item rather than say something about it.
HEADING_FIELDS = ("name", "title")
#: BM25 weights of the heading and body columns.
WEIGHTS = (5.0, 1.0)
#: Rows read from FTS5 before keeping the best passage per page.
CANDIDATE_ROWS = 60
_IDENTIFIER = re.compile(r"[a-z_]+")


#: The command that shows a passage's whole page, by the page's id.
PAGE_COMMANDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), command)
    for pattern, command in (
        (r"levels:levels\.(\w+)", "level {0}"),
        (r"levels:shape\b", "level shape"),
        (r"assess:assess\.(\w+)", "assess {0}"),
        (r"tracks:tracks\.(\w+)", "track {0}"),
        (r"tracks:foundations\b", "track foundations"),
        (r"tracks:aie_vs_mle\b", "track aie-vs-mle"),
        (r"roadmap:", "roadmap"),
        (r"diet:(daily|weekly|monthly)\b", "diet {0}"),
        (r"diet:", "diet"),
        (r"pitfalls:pitfalls\.(\w+)", "pitfalls {0}"),
        (r"guides:topics\.(\w+)", "guide {0}"),
    )
)

#: Words that say how a question is asked, not what it is about (folded).
STOPWORDS: frozenset[str] = frozenset(
    """
    a an the and or but if of to in on at for from by with about as into is are was were be
    been being am do does did doing have has had having i me my mine we our you your he she
    it its they them their this that these those there here what which who whom whose when
    where why how can could should would will shall may might must so than then too very
    just also any some no not only own same such more most much many few each other all both
    again further once up down out off over under s t get got want need tell give please
    know think mean really thing things way ways good best better make lot lots one
    feel like keep ever often long per without instead versus vs supposed worth expected
    start focus work look looks enough still am im ive dont doesnt isnt
    toi minh ban la cua va thi co khong nhu the nao gi sao de cho voi cac nhung mot duoc
    nay do ai ma neu vay nhe a oi hay roi se dang da bi tai vi nen lam muon can biet phai
    ve o trong khi nao ra len vao di thay sao hoi giup em anh chi thi
    """.split()
)


@dataclass(frozen=True, slots=True)
class Passage:
    """One searchable piece of a pack, in one language.

    ``id`` is the same in every language (``levels:levels.senior.red_flags``), so a
    button carrying it shows the passage in whatever language the member reads.
    """

    id: str
    lang: str
    page: str
    heading: str
    text: str
    covers: tuple[str, ...]
    command: str | None


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    score: float


def page_command(page: str) -> str | None:
    """``/mentor …`` arguments that show a page whole, or None for a page no command shows."""
    for pattern, command in PAGE_COMMANDS:
        found = pattern.match(page)
        if found:
            return command.format(*found.groups())
    return None


def _as_text(value: Any) -> str:
    """A field's text in the packs' markup: strings as they are, lists as bullets."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        if value and all(isinstance(v, str) and _IDENTIFIER.fullmatch(v) for v in value):
            return ""  # keys such as a phase's levels: data, not prose
        parts = [_as_text(v) for v in value]
        if all(isinstance(v, str) for v in value):
            return "\n".join(f"- {p}" for p in parts if p)
        return "\n".join(p for p in parts if p)
    if isinstance(value, dict):
        lines = []
        for key, inner in value.items():
            if key == "covers":
                continue
            part = _as_text(inner)
            if part and key in HEADING_FIELDS:
                part = f"*{part}*"
            if part:
                lines.append(part)
        return "\n".join(lines)
    return "" if value is None else str(value)


def _has_covers(value: Any) -> bool:
    if isinstance(value, dict):
        return "covers" in value
    if isinstance(value, list):
        return any(isinstance(v, dict) and "covers" in v for v in value)
    return False


def _label(pack: Pack, file: str, field: str) -> str | None:
    """A field's UI label (``level.red_flags``), when the pack has one."""
    for key in (f"{file.rstrip('s')}.{field}", f"{file}.{field}"):
        if key in pack.ui:
            return pack.ui[key]
    return None


def _join(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


class _Builder:
    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.passages: list[Passage] = []

    def walk(self, file: str, node: Any, path: str, heading: str | None) -> None:
        if isinstance(node, dict):
            if "covers" in node:
                self.item(file, node, path, heading)
                return
            for key, value in node.items():
                child = f"{path}.{key}" if path else str(key)
                self.walk(file, value, child, _heading_of(value) or heading)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                self.walk(file, value, f"{path}[{i}]", _heading_of(value) or heading)

    def item(self, file: str, node: Mapping[str, Any], path: str, heading: str | None) -> None:
        covers = tuple(str(c) for c in node.get("covers") or ())
        page = f"{file}:{path}"
        title = _heading_of(node) or heading or ""
        command = page_command(page)
        fields: list[tuple[str, str]] = []
        for key, value in node.items():
            if key == "covers" or key in HEADING_FIELDS:
                continue
            if _has_covers(value):
                if isinstance(value, dict):
                    self.item(file, value, f"{path}.{key}", _join(title, _heading_of(value)))
                else:
                    for i, inner in enumerate(value):
                        sub = f"{path}.{key}[{i}]"
                        if isinstance(inner, dict) and "covers" in inner:
                            self.item(file, inner, sub, _join(title, _heading_of(inner)))
                        else:
                            self.add(page, f"{sub}", title, _as_text(inner), covers, command)
                continue
            text = _as_text(value)
            if text:
                fields.append((key, text))
        if not fields:
            return
        whole = "\n".join(text for _, text in fields)
        if len(whole) <= WHOLE_ITEM_CHARS:
            self.add(page, path, title, whole, covers, command)
            return
        short = [text for _, text in fields if len(text) < SHORT_FIELD_CHARS]
        long = [(key, text) for key, text in fields if len(text) >= SHORT_FIELD_CHARS]
        for n, (key, text) in enumerate(long):
            body = "\n".join([*short, text]) if n == 0 and short else text
            label = _label(self.pack, file, key)
            self.add(page, f"{path}.{key}", _join(title, label), body, covers, command)

    def add(
        self,
        page: str,
        path: str,
        heading: str,
        text: str,
        covers: tuple[str, ...],
        cmd: str | None,
    ) -> None:
        file = page.split(":", 1)[0]
        self.passages.append(
            Passage(
                id=f"{file}:{path}",
                lang=self.pack.lang,
                page=page,
                heading=heading,
                text=text,
                covers=covers,
                command=cmd,
            )
        )


def _heading_of(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in HEADING_FIELDS:
            if isinstance(value.get(key), str):
                return str(value[key]).strip()
    return None


def passages_of(pack: Pack) -> list[Passage]:
    """Every passage of one pack, in pack order."""
    builder = _Builder(pack)
    for file in ADVICE_FILES:
        builder.walk(file, pack.raw.get(file), "", None)
    return builder.passages


def load_synonyms(path: Path = SYNONYMS) -> list[tuple[str, ...]]:
    """Groups of folded phrases that mean the same thing (``synonyms.txt``)."""
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            group = tuple(" ".join(words(part)) for part in line.split("|"))
            groups.append(tuple(p for p in group if p))
    return groups


def query_terms(question: str) -> list[str]:
    """The folded words of a question that say what it is about."""
    return [w for w in words(question) if (w not in STOPWORDS and len(w) > 1) or w.isdigit()]


def expansions(question: str, groups: Sequence[tuple[str, ...]]) -> list[str]:
    """Phrases of every synonym group the question mentions (whole words only)."""
    padded = f" {' '.join(words(question))} "
    found: list[str] = []
    for group in groups:
        if any(f" {phrase} " in padded for phrase in group):
            found += [p for p in group if f" {p} " not in padded]
    return found


def match_expression(terms: Sequence[str], extra: Sequence[str] = ()) -> str:
    """An FTS5 query: any of the words, adjacent pairs as phrases (which score more when
    they appear together: Vietnamese words are often two syllables, "triển khai"), and
    the synonyms' phrases."""
    quoted = [f'"{t}"' for t in dict.fromkeys(terms)]
    pairs = [f'"{a} {b}"' for a, b in pairwise(terms) if a != b]
    synonyms = [f'"{p}"' for p in extra]
    return " OR ".join(dict.fromkeys([*quoted, *pairs, *synonyms]))


class ContentIndex:
    """Every language's passages in one in-memory FTS5 database (a table per language)."""

    def __init__(self, library: Library, *, synonyms: Path = SYNONYMS) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._passages: dict[str, list[Passage]] = {}
        self._by_id: dict[tuple[str, str], Passage] = {}
        self._synonyms = load_synonyms(synonyms)
        for lang, pack in library.packs.items():
            passages = passages_of(pack)
            self._passages[lang] = passages
            table = _table(lang)
            self._db.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5(heading, body, "
                "tokenize = 'porter unicode61 remove_diacritics 2')"
            )
            self._db.executemany(
                f"INSERT INTO {table} (rowid, heading, body) VALUES (?, ?, ?)",
                [
                    (n, fold(f"{p.heading} {_key_words(p.page)}"), fold(p.text))
                    for n, p in enumerate(passages)
                ],
            )
            for p in passages:
                self._by_id[(lang, p.id)] = p
        self._db.commit()

    @property
    def languages(self) -> Iterable[str]:
        return self._passages.keys()

    def passages(self, lang: str) -> Sequence[Passage]:
        return self._passages.get(lang, ())

    def passage(self, lang: str, passage_id: str) -> Passage | None:
        return self._by_id.get((lang, passage_id))

    def search(self, lang: str, question: str, *, limit: int = 3) -> list[Hit]:
        """The best passages for a question, at most one per page, best first."""
        if lang not in self._passages:
            return []
        terms = query_terms(question)
        if not terms:
            return []
        expression = match_expression(terms, expansions(question, self._synonyms))
        table = _table(lang)
        rows = self._db.execute(
            f"SELECT rowid, bm25({table}, ?, ?) AS score FROM {table} "
            f"WHERE {table} MATCH ? ORDER BY score LIMIT ?",
            (*WEIGHTS, expression, CANDIDATE_ROWS),
        )
        passages = self._passages[lang]
        hits: list[Hit] = []
        seen: set[str] = set()
        for rowid, score in rows:
            passage = passages[rowid]
            kin = _kin(passage.id)
            if passage.page in seen or kin in seen:
                continue
            seen.update((passage.page, kin))
            hits.append(Hit(passage, -score))
            if len(hits) >= limit:
                break
        return hits


def _kin(passage_id: str) -> str:
    """The same field of sibling items (``levels:levels.*.blog_ideas`` for every level's
    blog ideas): offering three levels' blog ideas is offering one answer three times."""
    file, _, path = passage_id.partition(":")
    parts = path.split(".")
    if len(parts) < 3:
        return passage_id
    return f"{file}:{parts[0]}.*.{'.'.join(parts[2:])}"


def _key_words(page: str) -> str:
    """The last key of a page id as words (``pitfalls:pitfalls.nodeploy`` -> ``nodeploy``):
    keys name what a page is about, often in the words members use."""
    last = re.split(r"[.:]", re.sub(r"\[\d+\]", "", page))[-1]
    return last.replace("_", " ")


def _table(lang: str) -> str:
    if not lang.isalpha():
        raise ValueError(f"not a language code: {lang!r}")
    return f"passages_{lang}"


_BUILT: dict[int, tuple[Library, ContentIndex]] = {}


def index_for(library: Library) -> ContentIndex:
    """The index of a library, built on first use and then shared (the process loads its
    library once, so this builds once; tests that load it again reuse it too)."""
    found = _BUILT.get(id(library))
    if found is not None and found[0] is library:
        return found[1]
    index = ContentIndex(library)
    _BUILT[id(library)] = (library, index)
    return index
