"""A local search index over every content pack, so a question finds its passage.

Built once per process from whatever the packs hold when it starts: the walk below is
generic, so a page added or reworded by the content team is searchable without touching
this module. Passages come from the *items* of the packs (every mapping that carries
``covers: [ID, ...]``): a small item is one passage, a large one (a level, a track, a
pitfall) gives one passage per field, so "red flags for a senior" lands on the red flags
and not on the whole page. Each passage keeps the CONTENT_MAP ids of its item, which is
how the labelled question set in ``tests/`` measures it.

A passage is searched in three parts, weighted in that order: its *heading* (what the
member sees as its title: the item's name, the name of the item it belongs to, the
field's label, "Senior Engineer · Red flags"), its *context* (words that say where it
sits but are not shown with it: the page's title, the page's key, the labels of short
fields folded into it, the title of the list it is in) and its *body*. A level's name
is in the heading of every passage of its page, so "promoted to senior" weighs the
senior page above a body that merely mentions seniors.

Retrieval is SQLite FTS5 (in the standard library) in memory, ranked with BM25. Every
part is stored twice: folded (``fold``: no marks, so Vietnamese typed without diacritics
finds the same passages) and marked (``mark_tones``: a word typed with its marks finds
only itself, so *toán* is not *toàn* and *thăng tiến* is not *tháng*). Searching costs
well under a millisecond (``bench/answer.py``), which is why it runs on the event loop:
there is no file or network behind it.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from bot.content import Library, Pack, schema
from bot.talk.fold import Word, fold, mark_tones, marked_words

SYNONYMS = Path(__file__).with_name("synonyms.txt")
#: Pack files that hold advice; ``vocab`` is word lists for the pitfall rules.
ADVICE_FILES: tuple[str, ...] = tuple(name for name in schema.FILES if name != "vocab")
#: An item whose text is at most this long is one passage; a longer one is split by field.
WHOLE_ITEM_CHARS = 1200
#: Fields shorter than this (years, minutes) join the item's first passage.
SHORT_FIELD_CHARS = 80
#: Heading fields: they name the item rather than say something about it.
HEADING_FIELDS = ("name", "title")
#: The FTS5 columns: each part of a passage marked (``_m``) and folded (``_f``).
COLUMNS = ("heading_m", "heading_f", "context_m", "context_f", "body_m", "body_f")
#: BM25 weights of the columns, in that order: heading over context over body.
WEIGHTS = (5.0, 5.0, 2.0, 2.0, 1.0, 1.0)
MARKED_COLUMNS = "{heading_m context_m body_m}"
FOLDED_COLUMNS = "{heading_f context_f body_f}"
#: A question that names a page (a word of its keys: "senior", "mlops", "tutorial")
#: multiplies that page's BM25 score by 1 + this, per word. BM25 gives a level's name
#: little weight because every level page and many others mention it; naming the page
#: is stronger evidence than that. 0.25 and 0.5 gave the same held-out figures, 1 and
#: 2 lower ones (docs/conversation.md).
NAMED_BOOST = 0.5
#: Rows read from FTS5 before keeping the best passage per page.
CANDIDATE_ROWS = 60
_IDENTIFIER = re.compile(r"[a-z_]+")
_MARKUP = re.compile(r"`[^`]*`|[*_`]")
_LIST_INDEX = re.compile(r"\[\d+\]$")


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

#: The UI title a page is shown under, by the page's id: ``{name}`` is the page's item's
#: name, ``{level}`` the name of the level the page is about.
PAGE_TITLES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"levels:levels\.(\w+)", "level.title"),
        (r"levels:shape\b", "level.shape_title"),
        (r"assess:assess\.(\w+)", "assess.result_title"),
        (r"tracks:tracks\.(\w+)", "track.title"),
        (r"tracks:foundations\b", "track.foundations_title"),
        (r"roadmap:", "roadmap.title"),
        (r"diet:", "diet.title"),
        (r"pitfalls:", "pitfalls.title"),
    )
)

#: Words that say how a question is asked, not what it is about. English is folded;
#: Vietnamese is written with its marks: typed with marks a word is only a stop word if
#: it is this one (*có* is, *cơ* of *cơ bản* is not), typed without them if it folds to
#: one of these.
ENGLISH_STOPWORDS = """
    a an the and or but if of to in on at for from by with about as into is are was were be
    been being am do does did doing have has had having i me my mine we our you your he she
    it its they them their this that these those there here what which who whom whose when
    where why how can could should would will shall may might must so than then too very
    just also any some no not only own same such more most much many few each other all both
    again further once up down out off over under s t get got want need tell give please
    know think mean really thing things way ways good best better make lot lots one
    feel like keep ever often long per without instead versus vs supposed worth expected
    start focus work look looks enough still am im ive dont doesnt isnt
    """.split()
VIETNAMESE_STOPWORDS = """
    tôi mình bạn là của và thì có không như thế nào gì sao để cho với các những một được
    này đó ai mà nếu vậy nhé à ơi hay rồi sẽ đang đã bị tại vì nên làm muốn cần biết phải
    về ở trong khi ra lên vào đi thấy hỏi giúp em anh chị bao nhiêu lâu
    """.split()
STOPWORDS: frozenset[str] = frozenset(ENGLISH_STOPWORDS) | {fold(w) for w in VIETNAMESE_STOPWORDS}
MARKED_STOPWORDS: frozenset[str] = frozenset(mark_tones(w) for w in VIETNAMESE_STOPWORDS)


@dataclass(frozen=True, slots=True)
class Passage:
    """One searchable piece of a pack, in one language.

    ``id`` is the same in every language (``levels:levels.senior.red_flags``), so a
    button carrying it shows the passage in whatever language the member reads.
    ``name`` is the part of the heading searched as a heading, ``context`` is searched
    but never shown (see the module's docstring).
    """

    id: str
    lang: str
    page: str
    heading: str
    text: str
    covers: tuple[str, ...]
    command: str | None
    context: str = ""
    name: str = ""


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


def _ui_text(pack: Pack, key: str) -> str | None:
    found = pack.ui.get(key)
    return found if isinstance(found, str) else None


def _label(pack: Pack, file: str, field: str) -> str | None:
    """A field's UI label (``level.red_flags``), when the pack has one."""
    for key in (f"{file.rstrip('s')}.{field}", f"{file}.{field}"):
        found = _ui_text(pack, key)
        if found is not None:
            return found
    return None


def _plain(text: str) -> str:
    """A UI template as words: no code spans (commands), no markup marks."""
    return " ".join(_MARKUP.sub(" ", text).split())


def _join(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


def _title_key(key: str, node: Mapping[str, Any]) -> bool:
    """``transition_title`` next to ``transition``: the title of a field, not a field."""
    return key.endswith("_title") and key.removesuffix("_title") in node


class _Builder:
    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.passages: list[Passage] = []

    def walk(
        self,
        file: str,
        node: Any,
        path: str,
        context: tuple[str, ...] = (),
        position: tuple[str, int] | None = None,
    ) -> None:
        if isinstance(node, dict):
            if "covers" in node:
                self.item(file, node, path, None, context, position)
                return
            for key, value in node.items():
                if _title_key(str(key), node):
                    continue
                child = f"{path}.{key}" if path else str(key)
                title = node.get(f"{key}_title")
                inner = (*context, title) if isinstance(title, str) else context
                in_list = (str(key), 0) if isinstance(value, list) else None
                self.walk(file, value, child, inner, in_list)
        elif isinstance(node, list):
            key = position[0] if position else ""
            for i, value in enumerate(node):
                self.walk(file, value, f"{path}[{i}]", context, (key, i))

    def own_title(
        self, file: str, node: Mapping[str, Any], position: tuple[str, int] | None
    ) -> str | None:
        """An item's own heading: its name, shown the way its page shows it when the UI has
        a template for the list it is in (``Phase {number}: {name}``), else with that
        list's label (``Roadmap · serving``)."""
        own = _heading_of(node)
        if position is None or not isinstance(node, dict):
            return own
        key, index = position
        template = _label(self.pack, file, key.rstrip("s")) if key else None
        if template is None:
            return own
        if "{" in template:
            return template.format(number=index + 1, name=own or "")
        return _join(template, own)

    def page_title(self, page: str, name: str) -> str:
        for pattern, key in PAGE_TITLES:
            found = pattern.match(page)
            template = _ui_text(self.pack, key) if found else None
            if found and template is not None:
                level = self._level_name(found.group(1)) if found.groups() else ""
                return _plain(template.format(name=name, level=level))
        return ""

    def _level_name(self, key: str) -> str:
        levels = (self.pack.raw.get("levels") or {}).get("levels") or {}
        return str((levels.get(key) or {}).get("name") or key)

    def item(
        self,
        file: str,
        node: Mapping[str, Any],
        path: str,
        parent: tuple[str, str] | None,
        context: tuple[str, ...],
        position: tuple[str, int] | None,
    ) -> None:
        """``parent`` is (title, page title) of the item this one sits in, if any."""
        covers = tuple(str(c) for c in node.get("covers") or ())
        # The items of one list are one page: a track's four roadmap steps are one answer.
        page = f"{file}:{_LIST_INDEX.sub('', path)}"
        own = self.own_title(file, node, position) or ""
        # The heading shows the item it sits in ("Senior Engineer · Focus…"), but only the
        # item's own name is searched as a heading: the enclosing name is context, or every
        # small sub-item would outrank the page that is really about it.
        if parent is None:
            page_title = self.page_title(page, own)
            title = name = own or page_title
        else:
            page_title = parent[1]
            title, name = _join(parent[0], own), own
            context = (*context, parent[0])
        context = (*context, page_title, _key_words(page))
        command = page_command(page)
        fields: list[tuple[str, str, str | None]] = []
        for key, value in node.items():
            if key == "covers" or key in HEADING_FIELDS or _title_key(key, node):
                continue
            if _has_covers(value):
                if isinstance(value, dict):
                    self.item(file, value, f"{path}.{key}", (title, page_title), context, None)
                    continue
                for i, child in enumerate(value):
                    sub = f"{path}.{key}[{i}]"
                    if isinstance(child, dict) and "covers" in child:
                        self.item(file, child, sub, (title, page_title), context, (key, i))
                    else:
                        child_text = _as_text(child)
                        self.add(page, sub, (title, name), child_text, covers, command, context)
                continue
            label = node.get(f"{key}_title") or _heading_of(value) or _label(self.pack, file, key)
            text = _as_text(value)
            if text:
                fields.append((key, text, label))
        if not fields:
            return
        whole = "\n".join(text for _, text, _ in fields)
        if len(whole) <= WHOLE_ITEM_CHARS:
            self.add(page, path, (title, name), whole, covers, command, context)
            return
        short = [(text, label) for _, text, label in fields if len(text) < SHORT_FIELD_CHARS]
        long = [field for field in fields if len(field[1]) >= SHORT_FIELD_CHARS]
        for n, (key, text, label) in enumerate(long):
            body, extra = text, context
            if n == 0 and short:
                body = "\n".join([*(t for t, _ in short), text])
                extra = (*context, *(lab for _, lab in short if lab))
            heading = (_join(title, label), _join(name, label))
            self.add(page, f"{path}.{key}", heading, body, covers, command, extra)

    def add(
        self,
        page: str,
        path: str,
        heading: tuple[str, str],
        text: str,
        covers: tuple[str, ...],
        cmd: str | None,
        context: Sequence[str | None] = (),
    ) -> None:
        """``heading`` is (shown, searched as the heading)."""
        file = page.split(":", 1)[0]
        self.passages.append(
            Passage(
                id=f"{file}:{path}",
                lang=self.pack.lang,
                page=page,
                heading=heading[0],
                text=text,
                covers=covers,
                command=cmd,
                context=" · ".join(dict.fromkeys(c for c in context if c)),
                name=heading[1],
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
        builder.walk(file, pack.raw.get(file), "")
    return builder.passages


def load_synonyms(path: Path = SYNONYMS) -> list[tuple[tuple[Word, ...], ...]]:
    """Groups of phrases that mean the same thing (``synonyms.txt``), as words."""
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            group = tuple(tuple(marked_words(part)) for part in line.split("|"))
            groups.append(tuple(p for p in group if p))
    return groups


def _is_stopword(word: Word) -> bool:
    if word.marked is not None:
        return word.marked in MARKED_STOPWORDS
    return word.folded in STOPWORDS


def question_words(question: str) -> list[Word]:
    """The words of a question that say what it is about."""
    return [
        w
        for w in marked_words(question)
        if (not _is_stopword(w) and len(w.folded) > 1) or w.folded.isdigit()
    ]


def query_terms(question: str) -> list[str]:
    """The folded words of a question that say what it is about."""
    return [w.folded for w in question_words(question)]


def expansions(
    question: str,
    groups: Sequence[tuple[tuple[Word, ...], ...]],
    stem: Callable[[tuple[Word, ...]], tuple[str, ...]] | None = None,
) -> list[tuple[Word, ...]]:
    """Phrases of every synonym group the question mentions, whole words only, the
    longest mention first: a word already read as part of a longer phrase ("thang tien",
    promoted) is not read again alone ("thang", monthly).

    With ``stem`` (what the index's tokenizer makes of a phrase), a phrase the index reads
    as one already searched is left out: "promoted" finds "promotion" and "promote" by
    itself (the English stemmer makes all three "promot"); searching them as synonyms too
    would count one word three times and outweigh the rest of the question."""
    key = stem or (lambda phrase: tuple(w.folded for w in phrase))
    typed = marked_words(question)
    found: list[tuple[int, int, int, int]] = []  # (length, start, group, phrase)
    for g, group in enumerate(groups):
        for n, phrase in enumerate(group):
            size = len(phrase)
            for start in range(len(typed) - size + 1):
                if all(typed[start + i].matches(w) for i, w in enumerate(phrase)):
                    found.append((size, start, g, n))
    taken: set[int] = set()
    chosen: dict[int, set[tuple[str, ...]]] = {}
    for size, start, g, n in sorted(found, key=lambda f: (-f[0], f[1])):
        span = set(range(start, start + size))
        if span & taken:
            continue
        taken |= span
        chosen.setdefault(g, set()).add(key(groups[g][n]))
    phrases: list[tuple[Word, ...]] = []
    for g, searched in chosen.items():
        for phrase in groups[g]:
            if key(phrase) not in searched:
                searched.add(key(phrase))
                phrases.append(phrase)
    return phrases


def _searched_text(phrase: Sequence[Word]) -> str:
    """A phrase as it is searched: marked when any word carries marks (the others are
    then written as they are), else folded."""
    if any(w.marked is not None for w in phrase):
        return " ".join(w.marked or w.folded for w in phrase)
    return " ".join(w.folded for w in phrase)


def _phrase(phrase: Sequence[Word]) -> str:
    """An FTS5 phrase in the columns its words were typed for (``_searched_text``)."""
    marked = any(w.marked is not None for w in phrase)
    return f'{MARKED_COLUMNS if marked else FOLDED_COLUMNS} : "{_searched_text(phrase)}"'


def match_expression(terms: Sequence[Word], extra: Sequence[Sequence[Word]] = ()) -> str:
    """An FTS5 query: any of the words, adjacent pairs as phrases (which score more when
    they appear together: Vietnamese words are often two syllables, "triển khai"), and
    the synonyms' phrases. A pair is marked only when both its words are."""
    single = [_phrase((t,)) for t in terms]
    pairs = []
    for a, b in pairwise(terms):
        if a.folded == b.folded:
            continue
        if a.marked is None or b.marked is None:
            a, b = Word(a.folded, None), Word(b.folded, None)
        pairs.append(_phrase((a, b)))
    synonyms = [_phrase(p) for p in extra]
    return " OR ".join(dict.fromkeys([*single, *pairs, *synonyms]))


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
            # Marks are kept by the tokenizer: the folded columns are folded beforehand.
            self._db.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5({', '.join(COLUMNS)}, "
                "tokenize = 'porter unicode61 remove_diacritics 0')"
            )
            rows = []
            for n, p in enumerate(passages):
                parts = (p.name or p.heading, p.context, p.text)
                rows.append((n, *(f(part) for part in parts for f in (mark_tones, fold))))
            self._db.executemany(
                f"INSERT INTO {table} (rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            for p in passages:
                self._by_id[(lang, p.id)] = p
        self._stems = self._synonym_stems()
        self._page_names = {
            p.page: page_names(p.page) for passages in self._passages.values() for p in passages
        }
        self._db.commit()

    def _synonym_stems(self) -> dict[tuple[Word, ...], tuple[str, ...]]:
        """Each synonym phrase as the index's tokenizer reads it (stemmed, in the form it
        is searched in), by FTS5's own vocabulary of a scratch table."""
        db = self._db
        db.execute(
            "CREATE VIRTUAL TABLE stems USING fts5(phrase, "
            "tokenize = 'porter unicode61 remove_diacritics 0')"
        )
        db.execute("CREATE VIRTUAL TABLE stems_vocab USING fts5vocab(stems, 'instance')")
        phrases = list(dict.fromkeys(p for group in self._synonyms for p in group))
        db.executemany(
            "INSERT INTO stems (rowid, phrase) VALUES (?, ?)",
            [(n, _searched_text(p)) for n, p in enumerate(phrases)],
        )
        tokens: dict[int, list[str]] = {}
        for rowid, term in db.execute("SELECT doc, term FROM stems_vocab ORDER BY doc, offset"):
            tokens.setdefault(rowid, []).append(term)
        marked = {n: any(w.marked for w in p) for n, p in enumerate(phrases)}
        return {p: (("m" if marked[n] else "f"), *tokens.get(n, ())) for n, p in enumerate(phrases)}

    def stem(self, phrase: tuple[Word, ...]) -> tuple[str, ...]:
        """A synonym phrase as the index reads it: marked or folded, then its tokens."""
        return self._stems[phrase]

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
        terms = question_words(question)
        if not terms:
            return []
        extra = expansions(question, self._synonyms, self.stem)
        expression = match_expression(terms, extra)
        table = _table(lang)
        rows = self._db.execute(
            f"SELECT rowid, bm25({table}, {', '.join('?' * len(WEIGHTS))}) AS score "
            f"FROM {table} WHERE {table} MATCH ? ORDER BY score LIMIT ?",
            (*WEIGHTS, expression, CANDIDATE_ROWS),
        )
        passages = self._passages[lang]
        named = {t.folded for t in terms}
        names = self._page_names
        ranked = sorted(
            (
                (-score * (1 + NAMED_BOOST * len(named & names[passages[rowid].page])), rowid)
                for rowid, score in rows
            ),
            reverse=True,
        )
        hits: list[Hit] = []
        seen: set[str] = set()
        for score, rowid in ranked:
            passage = passages[rowid]
            kin = _kin(passage.id)
            if passage.page in seen or kin in seen:
                continue
            seen.update((passage.page, kin))
            hits.append(Hit(passage, score))
            if len(hits) >= limit:
                break
        return hits


def page_names(page: str) -> frozenset[str]:
    """The words of a page's keys (``levels:levels.senior.focus`` -> levels, senior,
    focus): the names the packs give their pages, and the words members use for them
    (``/mentor level senior``)."""
    _file, _, path = page.partition(":")
    return frozenset(w for key in _LIST_INDEX.sub("", path).split(".") for w in key.split("_") if w)


def _kin(passage_id: str) -> str:
    """The same field of sibling items (``levels:levels.*.blog_ideas`` for every level's
    blog ideas): offering three levels' blog ideas is offering one answer three times."""
    file, _, path = passage_id.partition(":")
    parts = _LIST_INDEX.sub("", path).split(".")
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
