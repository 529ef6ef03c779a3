"""A ``Reply`` laid out within a platform's limits, before any SDK object is made.

Slack's Block Kit and Discord's embeds and components are different objects, but a reply
fits into either the same way, and these are the rules, declared once:

- the title is plain text, cut to its limit;
- the text, and each section's heading with its text, is marked up and split into
  chunks under one block's limit (never lost, never cut);
- a section's fields come N to a block; a long value continues in the next field,
  numbered so the platform can show the label once;
- buttons come N to a row; each choice becomes selects: options deduplicated by the
  value that goes on the wire (a platform refuses two alike), then split over as many
  selects as it takes, whose placeholders end in " (i/n)"; a select takes a row of its
  own where the platform wants that;
- every button and select is numbered in reading order, for ids that must be unique;
- ``pages`` groups anything N at a time: blocks or rows into messages, files, form inputs.

The numbers that differ are a ``Limits``; how a platform marks up, cuts and splits text
is its ``Style``. A renderer maps the ``Layout`` to its SDK objects and decides how the
blocks and rows fill messages (Slack counts both as blocks; Discord packs text and fields
into embeds and rows into views). No SDK is imported here (import-linter checks it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot import markup
from bot.reply import Button, Choice, Option, Reply

T = TypeVar("T")

_PLACEHOLDER = re.compile("\x01(\\d+)\x02")


@dataclass(frozen=True, slots=True)
class Limits:
    """A platform's numbers: each is the most one piece may hold."""

    #: The reply's title (plain text).
    title: int
    #: One text block (marked up).
    text: int
    #: One field's value (marked up); the rest continues in the next field.
    field: int
    #: Fields in one block.
    fields: int
    #: Buttons (and, unless ``select_alone``, selects) in one row.
    row: int
    #: Options in one select.
    options: int
    #: A select's placeholder, its " (i/n)" included.
    placeholder: int
    #: A select takes a row of its own (Discord) instead of sharing one (Slack).
    select_alone: bool = False


@dataclass(frozen=True, slots=True)
class Style:
    """How a platform writes text; each function measures the way the platform counts."""

    #: The core's markup as the platform's, escaped.
    markup: Callable[[str], str]
    #: A section's title as a marked-up heading line; "" for a blank title.
    heading: Callable[[str], str]
    #: Markup reduced to plain text within a limit.
    plain: Callable[[str, int], str]
    #: Text within a limit, with an ellipsis when something was dropped.
    cut: Callable[[str, int], str]
    #: Marked-up text in stripped chunks within a limit; blank text gives none.
    split: Callable[[str, int], list[str]]


@dataclass(frozen=True, slots=True)
class Text:
    """One text block: marked up, within ``Limits.text``."""

    text: str


@dataclass(frozen=True, slots=True)
class FieldPart:
    """One field, or one part of a field whose value is longer than ``Limits.field``."""

    #: The core's label, as given (each platform writes labels its own way).
    label: str
    #: Marked up, within ``Limits.field``; "" for a blank value.
    value: str
    #: 1-based; the label is shown on the first part only.
    part: int
    parts: int


@dataclass(frozen=True, slots=True)
class Fields:
    """At most ``Limits.fields`` fields of one section."""

    fields: tuple[FieldPart, ...]


@dataclass(frozen=True, slots=True)
class ButtonItem:
    button: Button
    #: Its place among the reply's buttons and selects, from 1.
    number: int


@dataclass(frozen=True, slots=True)
class Select:
    """One select of a choice: at most ``Limits.options`` options of distinct wire values."""

    action_id: str
    #: Plain, numbered " (i/n)" when the choice took several selects, within its limit.
    placeholder: str
    #: (wire value, option), in the core's order.
    options: tuple[tuple[str, Option], ...]
    number: int


Block = Text | Fields
Item = ButtonItem | Select


@dataclass(frozen=True, slots=True)
class Layout:
    #: Plain, within ``Limits.title``; None when the reply has no (visible) title.
    title: str | None
    #: Text and field blocks in reading order.
    blocks: tuple[Block, ...]
    #: The buttons, then the selects, in rows.
    rows: tuple[tuple[Item, ...], ...]


def lay_out(reply: Reply, limits: Limits, style: Style, *, wire: Callable[[str], str]) -> Layout:
    """``reply`` within ``limits``; ``wire`` gives an option's value as sent."""
    title = style.plain(reply.title, limits.title) if reply.title and reply.title.strip() else None
    items: list[Item] = [ButtonItem(b, n) for n, b in enumerate(reply.buttons, start=1)]
    for choice in reply.choices:
        items += selects(choice, limits, style, wire=wire, first=len(items) + 1)
    return Layout(title, tuple(blocks(reply, limits, style)), rows(items, limits))


def blocks(reply: Reply, limits: Limits, style: Style) -> list[Block]:
    out: list[Block] = [Text(c) for c in style.split(style.markup(reply.text), limits.text)]
    for section in reply.sections:
        heading = style.heading(section.title or "")
        body = "\n".join(p for p in (heading, style.markup(section.text)) if p)
        out += [Text(c) for c in style.split(body, limits.text)]
        parts = [
            FieldPart(f.label, value, n, len(values))
            for f in section.fields
            for values in [style.split(style.markup(f.value), limits.field) or [""]]
            for n, value in enumerate(values, start=1)
        ]
        out += [Fields(tuple(group)) for group in pages(parts, limits.fields)]
    return out


def distinct(options: Iterable[Option], wire: Callable[[str], str]) -> list[tuple[str, Option]]:
    """(wire value, option), the first of each wire value: a platform refuses two options
    with one value, and picking either would send the same."""
    seen: set[str] = set()
    out: list[tuple[str, Option]] = []
    for option in options:
        value = wire(option.value)
        if value not in seen:
            seen.add(value)
            out.append((value, option))
    return out


def selects(
    choice: Choice, limits: Limits, style: Style, *, wire: Callable[[str], str], first: int = 1
) -> list[Select]:
    """A choice as as many selects as its distinct options need (none without options)."""
    groups = pages(distinct(choice.options, wire), limits.options)
    placeholder = style.plain(choice.placeholder, limits.placeholder)
    return [
        Select(
            choice.action_id,
            numbered(placeholder, i, len(groups), limits.placeholder, style.cut),
            tuple(group),
            first + i - 1,
        )
        for i, group in enumerate(groups, start=1)
    ]


def numbered(text: str, i: int, n: int, limit: int, cut: Callable[[str, int], str]) -> str:
    """``text (i/n)`` within ``limit``, the number kept whole; ``text`` when n is 1."""
    if n <= 1:
        return text
    suffix = f" ({i}/{n})"
    return cut(text, limit - len(suffix)) + suffix


def rows(items: Sequence[Item], limits: Limits) -> tuple[tuple[Item, ...], ...]:
    """Items in reading order, ``Limits.row`` to a row; a select alone if it must be."""
    out: list[list[Item]] = []
    for item in items:
        alone = limits.select_alone and isinstance(item, Select)
        last = out[-1] if out else None
        if (
            last is None
            or alone
            or len(last) >= limits.row
            or (limits.select_alone and isinstance(last[-1], Select))
        ):
            out.append([])
        out[-1].append(item)
    return tuple(tuple(row) for row in out)


def pages(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """``items`` ``size`` at a time, in order; none for none."""
    return [items[i : i + size] for i in range(0, len(items), size)]


# -- markup ---------------------------------------------------------------------------------


def kept_markup(
    text: str,
    *,
    escape: Callable[[str], str],
    bold: Callable[[str], str],
    italic: Callable[[str], str],
    code: Callable[[str], str],
    link: Callable[[str, str], str],
    bullet: str,
) -> str:
    """``bot.markup.convert`` for a platform whose escaping would break its own syntax.

    Each converted span (and the bullet) is set aside behind a placeholder while the rest
    of the text is escaped, then put back; the callbacks escape their own content. The
    placeholders' characters (\\x01, \\x02) are removed from the text first, so a member
    cannot forge one.
    """
    spans: list[str] = []

    def keep(rendered: str) -> str:
        spans.append(rendered)
        return f"\x01{len(spans) - 1}\x02"

    out = markup.convert(
        text.replace("\x01", "").replace("\x02", ""),
        bold=lambda s: keep(bold(s)),
        italic=lambda s: keep(italic(s)),
        code=lambda s: keep(code(s)),
        link=lambda url, label: keep(link(url, label)),
        bullet=keep(bullet),
    )
    out = escape(out)
    while "\x01" in out:  # spans inside spans (a link in bold) come back one level a pass
        out = _PLACEHOLDER.sub(lambda m: spans[int(m.group(1))], out)
    return out
