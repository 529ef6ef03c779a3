"""Reply -> Block Kit: whatever the core says, Slack never rejects it for a limit.

The property tests feed arbitrary replies (long texts, astral-plane emoji, markup,
hundreds of buttons and options, duplicate ids) and check every rendered message, modal
and Home view against Slack's published limits, independently of the renderer's own
constants."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.slack import render
from bot.reply import Button, Choice, Field, Form, FormField, Option, Reply, Section

# A failing example here is large; Hypothesis warns about printing it, and the warning
# (an error under filterwarnings=error) would hide the assertion that failed.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

# Slack's limits are written out again below rather than imported: the test is the spec.


def u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def check_text(obj: dict[str, Any], limit: int) -> None:
    assert obj["type"] in ("plain_text", "mrkdwn")
    assert obj["text"].strip(), "Slack rejects empty text"
    assert u16(obj["text"]) <= limit, (u16(obj["text"]), limit)


def check_element(element: dict[str, Any], seen: set[str]) -> None:
    assert len(element["action_id"]) <= 255 and element["action_id"] not in seen
    seen.add(element["action_id"])
    if element["type"] == "button":
        check_text(element["text"], 75)
        assert len(element.get("value", "")) <= 2000
    else:
        assert element["type"] == "static_select"
        if "placeholder" in element:
            check_text(element["placeholder"], 150)
        assert 1 <= len(element["options"]) <= 100
        values = [o["value"] for o in element["options"]]
        assert len(values) == len(set(values))
        for option in element["options"]:
            check_text(option["text"], 75)
            assert 1 <= len(option["value"]) <= 150


def check_blocks(blocks: list[dict[str, Any]], *, max_blocks: int) -> None:
    assert 1 <= len(blocks) <= max_blocks
    seen: set[str] = set()
    block_ids: set[str] = set()
    for block in blocks:
        if "block_id" in block:
            assert len(block["block_id"]) <= 255 and block["block_id"] not in block_ids
            block_ids.add(block["block_id"])
        kind = block["type"]
        if kind == "header":
            check_text(block["text"], 150)
        elif kind == "section":
            assert "text" in block or block.get("fields")
            if "text" in block:
                check_text(block["text"], 3000)
            assert len(block.get("fields", [])) <= 10
            for field in block.get("fields", []):
                check_text(field, 2000)
        elif kind == "actions":
            assert 1 <= len(block["elements"]) <= 25
            for element in block["elements"]:
                check_element(element, seen)
        elif kind == "context":
            assert 1 <= len(block["elements"]) <= 10
        elif kind == "input":
            check_text(block["label"], 2000)
            element = block["element"]
            if element["type"] == "plain_text_input":
                assert element.get("max_length", 3000) <= 3000
                assert u16(element.get("initial_value", "")) <= element.get("max_length", 3000)
            else:
                check_element(element, set())
        else:
            raise AssertionError(f"unexpected block {kind}")


def check_message(message: render.SlackMessage) -> None:
    check_blocks(message.blocks, max_blocks=50)
    assert message.text.strip() and u16(message.text) <= 3000


def check_view(view: dict[str, Any]) -> None:
    check_blocks(view["blocks"], max_blocks=100)
    if view["type"] == "modal":
        for key in ("title", "submit"):
            check_text(view[key], 24)
        assert len(view["private_metadata"]) <= 3000 and len(view["callback_id"]) <= 255


# -- strategies ---------------------------------------------------------------------------

words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40
) | st.sampled_from(["*bold*", "_it_", "`x<y`", "<https://a.b/?q=1&r=2|link>", "&", "🧪" * 30])
texts = st.lists(words, max_size=8).map(" ".join) | st.builds(
    lambda w, n, sep: sep.join([w] * n),
    words,
    st.integers(0, 400),
    st.sampled_from(["", " ", "\n"]),
)
ids = st.text(min_size=0, max_size=300)
options = st.lists(st.builds(Option, texts, ids), max_size=250)
buttons = st.lists(
    st.builds(Button, texts, ids, st.text(max_size=2500), st.sampled_from([None, "primary"])),
    max_size=60,
)
sections = st.lists(
    st.builds(
        Section,
        texts,
        st.none() | texts,
        st.lists(st.builds(Field, texts, texts), max_size=25).map(tuple),
    ),
    max_size=30,
)
form_fields = st.lists(
    st.builds(
        FormField,
        ids,
        texts,
        st.sampled_from(["text", "textarea", "select"]),
        st.booleans(),
        st.integers(-1, 10_000),
        texts,
        texts,
        options.map(tuple),
    ),
    max_size=120,
)
forms = st.builds(Form, ids, texts, form_fields.map(tuple), texts)
replies = st.builds(
    Reply,
    text=texts,
    title=st.none() | texts,
    sections=sections.map(tuple),
    buttons=buttons.map(tuple),
    choices=st.lists(st.builds(Choice, ids, texts, options.map(tuple)), max_size=5).map(tuple),
    form=st.none() | forms,
)
#: SLACK_RENDER_EXAMPLES=2000 for a longer hunt than the suite's.
EXAMPLES = int(os.environ.get("SLACK_RENDER_EXAMPLES", "60"))
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@SETTINGS
@given(replies)
def test_any_reply_renders_into_messages_within_every_limit(reply: Reply) -> None:
    messages = render.render_message(reply)
    for message in messages:
        check_message(message)
    ids = [
        e["action_id"]
        for m in messages
        for b in m.blocks
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert len(ids) == len(set(ids))


@SETTINGS
@given(replies)
def test_any_form_renders_into_a_modal_within_every_limit(reply: Reply) -> None:
    if reply.form is None:
        reply = Reply(text=reply.text, form=Form("f", "t", (FormField("a", "b"),), "ok"))
    check_view(render.render_modal(reply, channel="C0123"))


@SETTINGS
@given(replies, st.integers(0, 5))
def test_any_reply_renders_into_an_app_home_page_within_every_limit(
    reply: Reply, page: int
) -> None:
    check_view(render.render_home(reply, page=page))


@settings(max_examples=200, deadline=None)
@given(texts)
def test_splitting_keeps_every_word(text: str) -> None:
    converted = render.mrkdwn(text)
    chunks = render.split_text(converted, 3000)
    assert all(u16(c) <= 3000 for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(converted.split())


# -- examples -------------------------------------------------------------------------------


def test_markup_becomes_mrkdwn_and_member_text_is_escaped() -> None:
    out = render.mrkdwn("*Hi* _there_ `a<b` <https://x.io/?a=1&b=2|docs>\n- one <!channel> & co")
    assert out == (
        "*Hi* _there_ `a&lt;b` <https://x.io/?a=1&amp;b=2|docs>\n• one &lt;!channel&gt; &amp; co"
    )


def test_long_text_is_split_at_paragraphs_and_never_inside_an_entity() -> None:
    paragraph = "word " * 500
    chunks = render.split_text(render.mrkdwn(f"{paragraph}\n\n{paragraph}\n\n{'&' * 4000}"), 3000)
    assert len(chunks) >= 4
    for chunk in chunks:
        assert re.search(r"&(?!amp;)", chunk) is None  # every & is a whole &amp;


def test_a_reply_over_50_blocks_continues_in_a_second_message() -> None:
    reply = Reply(
        title="Many",
        sections=tuple(Section(text=f"section {n}") for n in range(70)),
        buttons=(Button("Go", "x:go", "1"),),
    )
    first, second = render.render_message(reply)
    assert len(first.blocks) == 50 and first.blocks[0]["type"] == "header"
    assert second.blocks[-1]["type"] == "actions"  # the buttons close the reply


def test_same_core_action_twice_gets_unique_slack_ids_that_route_back() -> None:
    reply = Reply(buttons=(Button("A", "checkin:answer", "1"), Button("B", "checkin:answer", "2")))
    (message,) = render.render_message(reply)
    a, b = message.blocks[0]["elements"]
    assert a["action_id"] != b["action_id"]
    assert render.core_action_id(a["action_id"]) == render.core_action_id(b["action_id"])
    assert render.core_action_id(a["action_id"]) == "checkin:answer"
    assert render.core_action_id("something|else") is None


def test_more_than_100_options_become_several_selects() -> None:
    choice = Choice("pick", "Pick one", tuple(Option(f"o{n}", str(n)) for n in range(250)))
    (message,) = render.render_message(Reply(choices=(choice,)))
    selects = message.blocks[0]["elements"]
    assert [len(s["options"]) for s in selects] == [100, 100, 50]
    assert selects[0]["placeholder"]["text"] == "Pick one (1/3)"


def test_modal_round_trip_keeps_field_names_and_the_form_state() -> None:
    form = Form(
        "checkin:details#daily:2027-03-01",
        "Check-in details, a long title",
        (
            FormField("minutes", "Minutes", max_length=6, initial="30"),
            FormField("note", "Note", kind="textarea", required=False),
            FormField(
                "share", "Share?", kind="select", options=(Option("No", "no"),), initial="no"
            ),
        ),
        "Save",
    )
    view = render.render_modal(Reply(text="Mon 2027-03-01", form=form), channel="D1")
    assert view["title"]["text"] == "Check-in details, a lon…"
    assert render.read_metadata(view["private_metadata"]) == {
        "form": "checkin:details#daily:2027-03-01",
        "channel": "D1",
    }
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == ["minutes", "note", "share"]
    assert inputs[1]["optional"] is True and inputs[1]["element"]["multiline"] is True
    assert inputs[2]["element"]["initial_option"]["value"] == "no"
    state = {
        "values": {
            "minutes": {"value": {"type": "plain_text_input", "value": "45"}},
            "note": {"value": {"type": "plain_text_input", "value": None}},
            "share": {"value": {"type": "static_select", "selected_option": {"value": "no"}}},
        }
    }
    assert render.submitted_values(state) == {"minutes": "45", "note": "", "share": "no"}


def test_home_over_100_blocks_is_paged() -> None:
    reply = Reply(sections=tuple(Section(text=f"s{n}") for n in range(250)))
    pages = [render.render_home(reply, page=n)["blocks"] for n in range(3)]
    assert [len(p) for p in pages] == [100, 100, 56]
    nav = [e["action_id"] for e in pages[1][-1]["elements"]]
    assert nav == [f"{render.HOME_PAGE_ACTION}|0", f"{render.HOME_PAGE_ACTION}|2"]
