"""Rendering: any reply the core can produce fits every Discord limit, and loses nothing."""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.reply import Button, Choice, Field, Form, FormField, Option, Reply, Section

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    from adapters.discord import components
    from adapters.discord.render import (
        CONTENT_LIMIT,
        Outgoing,
        build_modal,
        form_pages,
        markdown,
        render,
        split_text,
        submitted_values,
    )

# -- strategies -------------------------------------------------------------------------------

MARKUP = st.sampled_from(
    ["\n", "\n\n", " ", "*", "_", "`", "- ", "<https://e.x/a|link>", "\\", "@everyone", "|"]
)
WORDS = st.lists(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
    | MARKUP,
    max_size=20,
).map("".join)


@st.composite
def long_text(draw: st.DrawFn, max_repeat: int = 40) -> str:
    """Text from a few hundred to ~12,000 characters, with the markup subset in it."""
    pieces = draw(st.lists(WORDS, max_size=6))
    repeat = draw(st.integers(1, max_repeat))
    return "".join(pieces) * repeat


LABELS = st.text(max_size=150)
ACTION_IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz:_-|~", min_size=1, max_size=120)
VALUES = st.text(max_size=160)

fields = st.builds(Field, label=LABELS, value=long_text(max_repeat=8))
sections = st.builds(
    Section,
    text=long_text(max_repeat=10),
    title=st.none() | LABELS,
    fields=st.lists(fields, max_size=30).map(tuple),
)
buttons = st.builds(
    Button,
    label=LABELS,
    action_id=ACTION_IDS,
    value=VALUES,
    style=st.sampled_from([None, "primary", "danger"]),
)
choices = st.builds(
    Choice,
    action_id=ACTION_IDS,
    placeholder=LABELS,
    options=st.lists(st.builds(Option, label=LABELS, value=VALUES), min_size=1, max_size=60).map(
        tuple
    ),
)
replies = st.builds(
    Reply,
    text=long_text(),
    title=st.none() | st.text(max_size=400),
    sections=st.lists(sections, max_size=8).map(tuple),
    buttons=st.lists(buttons, max_size=30).map(tuple),
    choices=st.lists(choices, max_size=4).map(tuple),
    private=st.booleans(),
    document=st.none() | st.just('{"a": 1}'),
)
form_fields = st.builds(
    FormField,
    name=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_~", min_size=1, max_size=130),
    label=st.text(max_size=120),
    kind=st.sampled_from(["text", "textarea", "select"]),
    required=st.booleans(),
    max_length=st.integers(0, 10_000),
    initial=st.text(max_size=5000),
    placeholder=st.text(max_size=200),
    options=st.lists(st.builds(Option, label=LABELS, value=VALUES), max_size=30).map(tuple),
)
forms = st.builds(
    Form,
    form_id=st.text(min_size=1, max_size=200),
    title=st.text(max_size=120),
    fields=st.lists(form_fields, min_size=1, max_size=12).map(tuple),
    submit_label=st.text(max_size=50),
)


# -- what Discord would reject ----------------------------------------------------------------


def check_message(message: Outgoing) -> dict[str, Any]:
    """Assert one message is within Discord's limits; returns its components payload."""
    content = message.content or ""
    assert len(content) <= 2000
    embeds = [e.to_dict() for e in message.embeds]
    assert len(embeds) <= 10
    total = 0
    for embed in embeds:
        title, description = embed.get("title", ""), embed.get("description", "")
        assert len(title) <= 256 and len(description) <= 4096
        assert title or description or embed.get("fields")
        embed_fields = embed.get("fields", [])
        assert len(embed_fields) <= 25
        for f in embed_fields:
            assert 1 <= len(f["name"]) <= 256 and 1 <= len(f["value"]) <= 1024
            assert f["value"].strip()
        total += len(title) + len(description)
        total += sum(len(f["name"]) + len(f["value"]) for f in embed_fields)
    assert total <= 6000
    rows = message.view.to_components() if message.view is not None else []
    assert len(rows) <= 5
    ids: set[str] = set()
    for row in rows:
        items = row["components"]
        assert 1 <= len(items) <= 5
        if any(i["type"] == 3 for i in items):
            assert len(items) == 1
        for item in items:
            assert 1 <= len(item["custom_id"]) <= 100 and item["custom_id"] not in ids
            ids.add(item["custom_id"])
            if item["type"] == 2:
                assert 1 <= len(item["label"]) <= 80
            else:
                options = item["options"]
                assert 1 <= len(options) <= 25
                assert len({o["value"] for o in options}) == len(options)
                assert all(1 <= len(o["label"]) <= 100 for o in options)
                assert all(1 <= len(o["value"]) <= 100 for o in options)
                assert len(item.get("placeholder") or "") <= 150
    assert content.strip() or embeds or rows or message.files or message.document
    return {"rows": rows}


def decode(custom_id: str, stash: dict[str, str]) -> tuple[str, str]:
    parsed = components.parse_component(custom_id)
    assert parsed is not None
    if parsed.token is not None:
        parsed = components.unpack_component(parsed, stash.get(parsed.token))
        assert parsed is not None
    return parsed.action_id, parsed.value


def option(value: str, stash: dict[str, str]) -> str:
    token = components.token_of(value)
    if token is None:
        return value
    return "" if token == "" else stash[token]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reply=replies, workspace=st.none() | st.just("123456789012345678"))
def test_any_reply_renders_within_every_discord_limit(reply: Reply, workspace: str | None):
    rendered = render([reply], workspace=workspace)
    visible = reply.plain_text().strip() or reply.buttons or reply.choices or reply.document
    assert bool(rendered.messages) == bool(visible)
    clicked: list[tuple[str, str]] = []
    picked: list[tuple[str, str]] = []
    for message in rendered.messages:
        assert message.ephemeral == reply.private
        for row in check_message(message)["rows"]:
            for item in row["components"]:
                action_id, value = decode(item["custom_id"], rendered.stash)
                if item["type"] == 2:
                    clicked.append((action_id, value))
                else:
                    picked += [
                        (action_id, option(o["value"], rendered.stash)) for o in item["options"]
                    ]
    # Every button and every (distinct) option comes back to the core as it was given.
    assert clicked == [(b.action_id, b.value) for b in reply.buttons]
    expected = []
    for choice in reply.choices:
        seen: set[str] = set()
        for o in choice.options:
            if o.value not in seen:
                seen.add(o.value)
                expected.append((choice.action_id, o.value))
    assert picked == expected


@settings(max_examples=100, deadline=None)
@given(text=long_text())
@example(text="a " + "x" * 5000 + " b")
@example(text=("word " * 300 + "y" * 1500 + "\n") * 3)
def test_plain_text_is_split_without_losing_a_word(text: str):
    """No character is lost, and a word is broken only when it is longer than half a
    message (a split looks for a space in the second half of the chunk; a word longer
    than that is cut where the message ends, which no split could avoid)."""
    safe = re.sub(r"[^A-Za-z0-9 \n]", "", text)
    rendered = render([Reply(text=safe)])
    for message in rendered.messages:
        check_message(message)
    joined = " ".join(m.content or "" for m in rendered.messages)
    assert "".join(joined.split()) == "".join(safe.split())
    short = Counter(w for w in safe.split() if len(w) <= CONTENT_LIMIT // 2)
    assert not short - Counter(joined.split())


@settings(max_examples=100, deadline=None)
@given(form=forms)
def test_any_form_becomes_modals_within_the_limits(form: Form):
    pages = form_pages(form)
    assert [f for page in pages for f in page] == list(form.fields)
    stash: dict[str, str] = {}
    custom_id = components.form_id(form.form_id, workspace="42", stash=stash)
    assert len(custom_id) <= 100
    for number, page in enumerate(pages, start=1):
        modal = build_modal(
            form, page, custom_id=custom_id, page=number, pages=len(pages), stash=stash
        )
        payload = modal.to_dict()
        assert 1 <= len(payload["title"]) <= 45 and len(payload["custom_id"]) <= 100
        assert 1 <= len(payload["components"]) <= 5
        for label in payload["components"]:
            assert 1 <= len(label["label"]) <= 45
            assert len(label.get("description") or "") <= 100
            inner = label["component"]
            assert 1 <= len(inner["custom_id"]) <= 100
            if inner["type"] == 4:
                assert 1 <= inner["max_length"] <= 4000
                assert len(inner.get("value") or "") <= inner["max_length"]
                assert len(inner.get("placeholder") or "") <= 100
            else:
                assert 1 <= len(inner["options"]) <= 25
    parsed = components.parse_form(custom_id)
    assert parsed is not None and parsed.workspace == "42"
    assert (parsed.action_id or stash[parsed.token or ""]) == form.form_id


def test_markup_becomes_discord_markdown_and_the_rest_is_escaped():
    assert markdown("*Done*: _really_ `x_y` <https://a.b/c_d|the docs>") == (
        "**Done**: *really* `x_y` [the docs](https://a.b/c_d)"
    )
    assert markdown("- one\n- two") == "- one\n- two"
    assert markdown("__init__ ~~no~~ ||no|| # no") == r"\_\_init\_\_ \~\~no\~\~ \|\|no\|\| # no"
    assert markdown("# not a heading\n> not a quote") == "\\# not a heading\n\\> not a quote"


def test_split_prefers_paragraphs_then_lines():
    text = "a" * 1500 + "\n\n" + "b" * 1000 + "\n" + "c" * 900
    assert split_text(text, 2000) == ["a" * 1500, "b" * 1000 + "\n" + "c" * 900]
    assert split_text("x" * 4500, 2000) == ["x" * 2000, "x" * 2000, "x" * 500]


def test_a_checkin_prompt_is_one_embed_message_with_buttons_and_a_select():
    prompt = Reply(
        title="Daily check-in: Mon 2027-03-01",
        text="Your *daily* routine: 15 minutes.",
        sections=(Section(text="- read one paper"), Section(title="Sources", text="- arXiv")),
        buttons=tuple(
            Button(f"A{i}", "checkin:answer", f"daily:2027-03-01:a{i}") for i in range(6)
        ),
        choices=(Choice("checkin:later", "Later…", (Option("In 1 hour", "daily:2027-03-01:1h"),)),),
    )
    [message] = render([prompt], workspace="987654321").messages
    embed = message.embeds[0].to_dict()
    assert embed["title"] == "Daily check-in: Mon 2027-03-01"
    assert embed["description"].startswith("Your **daily** routine")
    rows = message.view.to_components()
    assert [len(r["components"]) for r in rows] == [5, 1, 1]
    assert (
        rows[0]["components"][0]["custom_id"]
        == "mentor@987654321:checkin:answer|daily:2027-03-01:a0"
    )
    assert rows[2]["components"][0]["custom_id"] == "mentor@987654321:checkin:later|"


def test_long_values_travel_as_tokens_and_duplicates_stay_apart():
    long = "v" * 150
    rendered = render([Reply(buttons=(Button("a", "x:y", long), Button("b", "x:y", long)))])
    [message] = rendered.messages
    ids = [c["custom_id"] for row in message.view.to_components() for c in row["components"]]
    assert len(set(ids)) == 2 and all(len(i) <= 100 for i in ids)
    assert [decode(i, rendered.stash) for i in ids] == [("x:y", long), ("x:y", long)]
    assert json.loads(next(iter(rendered.stash.values()))) == ["x:y", long]


def test_modal_submissions_are_read_in_both_layouts():
    data = {
        "custom_id": "mform:goals:set",
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "goal", "value": "ship"}]},
            {"type": 18, "component": {"type": 3, "custom_id": "share", "values": ["yes"]}},
            {"type": 18, "component": {"type": 4, "custom_id": "note", "value": "hi"}},
        ],
    }
    assert submitted_values(data) == {"goal": "ship", "share": "yes", "note": "hi"}
