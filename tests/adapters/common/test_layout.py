"""The platform-neutral layout: any reply, under any limits, fits them and loses nothing.

The style here is deliberately bare (markup kept as typed, a heading marked with ``#``),
so what is checked is the layout's own rules: chunks, fields, rows, selects, numbering.
"""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.common import layout, splitting
from bot.reply import Button, Choice, Field, Option, Reply, Section


def _plain(text: str, limit: int) -> str:
    return splitting.cut(" ".join(text.split()), limit)


STYLE = layout.Style(
    markup=lambda text: text,
    heading=lambda title: f"# {title.strip()}" if title.strip() else "",
    plain=_plain,
    cut=splitting.cut,
    split=splitting.split_text,
)
LIMITS = layout.Limits(
    title=20, text=50, field=30, fields=3, row=4, options=3, placeholder=16, select_alone=True
)


def squeeze(text: str) -> str:
    """Text without its whitespace: what a split may drop at the point it splits."""
    return "".join(text.split())


# -- strategies -------------------------------------------------------------------------------

words = st.text(alphabet="ab \n*_", max_size=12) | st.sampled_from(["x" * 70, "word " * 20])
texts = st.lists(words, max_size=6).map("".join)
options = st.lists(st.builds(Option, texts, st.text(alphabet="abcAB", max_size=3)), max_size=12)
replies = st.builds(
    Reply,
    text=texts,
    title=st.none() | texts,
    sections=st.lists(
        st.builds(
            Section,
            texts,
            st.none() | texts,
            st.lists(st.builds(Field, texts, texts), max_size=7).map(tuple),
        ),
        max_size=4,
    ).map(tuple),
    buttons=st.lists(st.builds(Button, texts, st.text(max_size=5)), max_size=11).map(tuple),
    choices=st.lists(
        st.builds(Choice, st.text(max_size=5), texts, options.map(tuple)), max_size=3
    ).map(tuple),
)
limits = st.builds(
    layout.Limits,
    title=st.integers(1, 40),
    text=st.integers(8, 120),
    field=st.integers(8, 60),
    fields=st.integers(1, 6),
    row=st.integers(1, 6),
    options=st.integers(1, 6),
    placeholder=st.integers(12, 40),
    select_alone=st.booleans(),
)
#: Two option values that differ only in case go on the wire as one.
WIRE = str.lower


def _lay_out(reply: Reply, limits: layout.Limits) -> layout.Layout:
    return layout.lay_out(reply, limits, STYLE, wire=WIRE)


# -- properties -------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(replies, limits)
def test_every_piece_is_within_its_limit(reply: Reply, limits: layout.Limits) -> None:
    laid = _lay_out(reply, limits)
    assert laid.title is None or len(laid.title) <= limits.title
    for block in laid.blocks:
        if isinstance(block, layout.Text):
            assert block.text.strip() and len(block.text) <= limits.text
        else:
            assert 1 <= len(block.fields) <= limits.fields
            assert all(len(f.value) <= limits.field for f in block.fields)
    for row in laid.rows:
        assert 1 <= len(row) <= limits.row
        if limits.select_alone and any(isinstance(i, layout.Select) for i in row):
            assert len(row) == 1
        for item in row:
            if isinstance(item, layout.Select):
                assert 1 <= len(item.options) <= limits.options
                assert len({value for value, _ in item.options}) == len(item.options)
                assert len(item.placeholder) <= limits.placeholder


@settings(max_examples=100, deadline=None)
@given(replies, limits)
def test_no_text_is_lost_and_the_order_is_kept(reply: Reply, limits: layout.Limits) -> None:
    laid = _lay_out(reply, limits)
    texts = [b.text for b in laid.blocks if isinstance(b, layout.Text)]
    expected = [reply.text] + [
        "\n".join(p for p in (STYLE.heading(s.title or ""), s.text) if p) for s in reply.sections
    ]
    assert squeeze("".join(texts)) == squeeze("".join(expected))
    parts = [f for b in laid.blocks if isinstance(b, layout.Fields) for f in b.fields]
    cursor = 0
    for field in (f for s in reply.sections for f in s.fields):
        count = parts[cursor].parts
        pieces = parts[cursor : cursor + count]
        cursor += count
        assert [(p.label, p.part, p.parts) for p in pieces] == [
            (field.label, n, count) for n in range(1, count + 1)
        ]
        assert squeeze("".join(p.value for p in pieces)) == squeeze(field.value)
    assert cursor == len(parts)


@settings(max_examples=100, deadline=None)
@given(replies, limits)
def test_buttons_then_selects_in_order_numbered_once(reply: Reply, limits: layout.Limits) -> None:
    items = [item for row in _lay_out(reply, limits).rows for item in row]
    assert [i.number for i in items] == list(range(1, len(items) + 1))
    buttons = [i.button for i in items if isinstance(i, layout.ButtonItem)]
    assert buttons == list(reply.buttons)
    assert all(isinstance(i, layout.Select) for i in items[len(buttons) :])
    selects = [i for i in items if isinstance(i, layout.Select)]
    expected: list[tuple[str, Option]] = []
    for choice in reply.choices:
        seen: set[str] = set()
        distinct = [
            o for o in choice.options if not (WIRE(o.value) in seen or seen.add(WIRE(o.value)))
        ]
        expected += [(choice.action_id, o) for o in distinct]
        count = -(-len(distinct) // limits.options)
        mine, selects = selects[:count], selects[count:]
        if count > 1:
            assert [s.placeholder[-len(f" ({i}/{count})") :] for i, s in enumerate(mine, 1)] == [
                f" ({i}/{count})" for i in range(1, count + 1)
            ]
    assert not selects
    picked = [
        (s.action_id, o)
        for row in _lay_out(reply, limits).rows
        for s in row
        if isinstance(s, layout.Select)
        for _, o in s.options
    ]
    assert picked == expected


@given(st.lists(st.integers(), max_size=40), st.integers(1, 9))
def test_pages_keep_everything_in_order(items: list[int], size: int) -> None:
    groups = layout.pages(items, size)
    assert [x for g in groups for x in g] == items
    assert all(1 <= len(g) <= size for g in groups)


@given(st.text(max_size=60), st.integers(1, 20), st.integers(12, 40))
def test_a_number_is_never_cut(text: str, n: int, limit: int) -> None:
    for i in range(1, n + 1):
        shown = layout.numbered(text, i, n, limit, splitting.cut)
        assert len(shown) <= limit or n == 1
        assert n == 1 or shown.endswith(f" ({i}/{n})")


# -- examples ---------------------------------------------------------------------------------


def test_a_long_choice_becomes_numbered_selects_each_on_its_own_row() -> None:
    choice = Choice("pick", "Pick one", tuple(Option(f"o{n}", str(n)) for n in range(7)))
    reply = Reply(buttons=tuple(Button(str(n), "b") for n in range(5)), choices=(choice,))
    laid = _lay_out(reply, LIMITS)
    assert [len(r) for r in laid.rows] == [4, 1, 1, 1, 1]
    selects = [r[0] for r in laid.rows[2:]]
    assert [s.placeholder for s in selects] == [
        "Pick one (1/3)",
        "Pick one (2/3)",
        "Pick one (3/3)",
    ]
    assert [len(s.options) for s in selects] == [3, 3, 1]
    assert [s.number for s in selects] == [6, 7, 8]


def test_selects_share_a_row_with_buttons_where_the_platform_allows() -> None:
    shared = dataclasses.replace(LIMITS, select_alone=False)
    choice = Choice("pick", "Pick", (Option("a", "a"),))
    laid = _lay_out(Reply(buttons=(Button("x", "b"),), choices=(choice, choice)), shared)
    assert [len(r) for r in laid.rows] == [3]


def test_options_sending_the_same_value_are_one() -> None:
    picked = layout.distinct([Option("A", "a"), Option("B", "b"), Option("a again", "A")], WIRE)
    assert [(value, o.label) for value, o in picked] == [("a", "A"), ("b", "B")]


def test_a_long_field_continues_and_short_ones_come_three_to_a_block() -> None:
    section = Section(
        fields=(Field("Long", "word " * 12), *(Field(f"f{n}", "v") for n in range(3)))
    )
    blocks = _lay_out(Reply(sections=(section,)), LIMITS).blocks
    parts = [[(f.label, f.part, f.parts) for f in b.fields] for b in blocks]
    assert parts == [
        [("Long", 1, 2), ("Long", 2, 2), ("f0", 1, 1)],
        [("f1", 1, 1), ("f2", 1, 1)],
    ]


def test_a_section_heading_leads_its_text() -> None:
    reply = Reply(title="  ", text="Hello", sections=(Section("body", title="Title"),))
    laid = _lay_out(reply, LIMITS)
    assert laid.title is None
    assert laid.blocks == (layout.Text("Hello"), layout.Text("# Title\nbody"))


def test_kept_markup_escapes_only_what_the_markup_did_not_write() -> None:
    def escape(text: str) -> str:
        return text.replace("*", "\\*").replace("<", "&lt;")

    out = layout.kept_markup(
        "*bold <https://a.b|x>* 2*3 <b>\n- item",
        escape=escape,
        bold=lambda s: f"**{s}**",
        italic=lambda s: f"_{s}_",
        code=lambda s: f"`{s}`",
        link=lambda url, label: f"[{label}]({url})",
        bullet="• ",
    )
    assert out == "**bold [x](https://a.b)** 2\\*3 &lt;b>\n• item"


@given(st.text(alphabet="ab<>*_`-|:/htps. \n\x01\x02", max_size=80))
def test_kept_markup_leaves_no_placeholder_and_nothing_unescaped(text: str) -> None:
    def escape(s: str) -> str:
        return s.replace("<", "&lt;")

    out = layout.kept_markup(
        "<https://a|b> " + text,
        escape=escape,
        bold=lambda s: f"B{escape(s)}B",
        italic=lambda s: f"I{escape(s)}I",
        code=lambda s: f"C{escape(s)}C",
        link=lambda url, label: f"L{escape(url)}|{escape(label)}L",
        bullet="• ",
    )
    assert out.startswith("Lhttps://a|bL ")
    assert "<" not in out and "\x01" not in out and "\x02" not in out
