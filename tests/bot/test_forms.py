"""Forms asked in pages (``bot/forms.py``): the rules any platform with a small modal
follows, without a platform. The form is kept in the database, so a second
``PagedForms`` on the same database (a restart, another process) finishes it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clock import SimClock
from bot.content import load_library
from bot.context import Services
from bot.forms import Finished, PagedForms, pages_of
from bot.mentor import Mentor
from bot.reply import Form, FormField, Option, Reply
from storage.db import sessionmaker
from storage.repo import Store
from tests.conftest import Chat, make_actor

ACTION = "test:form-page"
FIELDS = tuple(FormField(f"f{i}", f"Field {i}", required=False) for i in range(7))
SURVEY = Reply(text="Tell me more.", form=Form("survey:done", "Survey", FIELDS, "Send"))

texts = st.text(max_size=30)
options = st.builds(Option, texts, texts)
form_fields = st.builds(
    FormField,
    name=texts,
    label=texts,
    kind=st.sampled_from(["text", "textarea", "select"]),
    required=st.booleans(),
    max_length=st.integers(1, 4000),
    initial=texts,
    placeholder=texts,
    options=st.lists(options, max_size=4).map(tuple),
)
forms = st.builds(Form, texts, texts, st.lists(form_fields, max_size=8).map(tuple), texts)


@settings(max_examples=60)
@given(form=forms)
def test_a_form_reads_back_equal_from_json(form: Form) -> None:
    assert Form.from_json(json.loads(json.dumps(form.to_json()))) == form


def test_a_field_of_an_unknown_kind_is_refused() -> None:
    data = FIELDS[0].to_json() | {"kind": "slider"}
    with pytest.raises(ValueError, match="slider"):
        FormField.from_json(data)


def test_pages_hold_page_size_fields_and_an_empty_form_is_one_page() -> None:
    assert [len(p) for p in pages_of(SURVEY.form, 5)] == [5, 2]  # type: ignore[arg-type]
    assert pages_of(Form("x", "X", (), "Go"), 5) == [()]


def paged(services: Services) -> PagedForms:
    return PagedForms(services, platform="console", page_size=5, action=ACTION)


async def test_a_form_survives_a_restart_between_its_pages(
    services: Services, mentor: Mentor, engine, clock: SimClock
) -> None:
    await Chat(mentor, make_actor("U1")).say("/mentor profile")  # the member exists
    forms = paged(services)
    first = await forms.remember(SURVEY, workspace="W1", user="U1")
    assert (first.number, first.pages, first.intro) == (1, 2, "Tell me more.")
    assert [f.name for f in first.fields] == ["f0", "f1", "f2", "f3", "f4"]
    assert forms.opener(first) == (ACTION, first.where)

    kept = await forms.submit(first.where, {"f0": "a", "f4": "e"}, user="U1", hint=None)
    assert isinstance(kept, Reply) and not kept.private
    assert kept.text == "Part 1 of 2 is kept. Continue to finish the form."
    [button] = kept.buttons
    assert (button.label, button.action_id) == ("Continue (2/2)", ACTION)

    restarted = Services(store=Store(sessionmaker(engine)), content=load_library(), clock=clock)
    again = paged(restarted)
    clock.advance(timedelta(minutes=59))
    second = await again.page(button.value, user="U1")
    assert second is not None and (second.number, second.intro) == (2, "")
    assert [f.name for f in second.fields] == ["f5", "f6"]
    done = await again.submit(second.where, {"f6": "g"}, user="U1", hint="vi")
    assert done == Finished("W1", "survey:done", {"f0": "a", "f4": "e", "f6": "g"})
    # Sent: a second submission of the last page (a double click) finds it gone.
    twice = await again.submit(second.where, {"f6": "g"}, user="U1", hint=None)
    assert isinstance(twice, Reply) and "no longer open" in twice.text


async def test_only_its_member_opens_or_sends_a_form_for_an_hour(
    services: Services, mentor: Mentor, clock: SimClock
) -> None:
    await Chat(mentor, make_actor("U1")).say("/mentor lang vi")
    forms = paged(services)
    first = await forms.remember(SURVEY, workspace="W1", user="U1")
    assert await forms.page(first.where, user="U2") is None
    refused = await forms.submit(first.where, {"f0": "mine now"}, user="U2", hint="en")
    assert isinstance(refused, Reply) and "no longer open" in refused.text
    # The member's language, not the client's hint; and U2's values were not kept.
    kept = await forms.submit(first.where, {"f1": "b"}, user="U1", hint="en")
    assert isinstance(kept, Reply) and kept.text.startswith("Đã giữ phần 1/2")
    done = await forms.submit(f"{first.where[:-2]}:2", {}, user="U1", hint=None)
    assert isinstance(done, Finished) and done.values == {"f1": "b"}

    later = await forms.remember(SURVEY, workspace="W1", user="U1")
    clock.advance(timedelta(hours=1))
    assert await forms.page(later.where, user="U1") is None
    gone = await forms.submit(later.where, {}, user="U1", hint="vi")
    assert isinstance(gone, Reply) and gone.text.startswith("Biểu mẫu này không còn mở")


@pytest.mark.parametrize("where", ["", ":1", "short:1", "k" * 16 + "\x00:1", "a" * 200])
async def test_an_address_no_form_has_is_gone_without_a_lookup(
    services: Services, where: str
) -> None:
    forms = paged(services)
    assert await forms.page(where, user="U1") is None
    assert isinstance(await forms.submit(where, {}, user="U1", hint=None), Reply)
