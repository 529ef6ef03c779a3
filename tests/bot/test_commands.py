"""The command grammar as a member meets it: lines in, answers out."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.mentor import Mentor
from tests.conftest import Chat, make_actor


async def test_first_contact_welcomes_then_answers(chat: Chat) -> None:
    text = await chat.say("/mentor help")
    assert "Mentorbot" in text and "/mentor level" in text
    again = await chat.say("/mentor help")
    assert "👋" not in again


async def test_help_for_one_command(chat: Chat) -> None:
    text = await chat.say("/mentor help diet")
    assert "/mentor diet [daily|weekly|monthly]" in text


async def test_empty_command_shows_help(chat: Chat) -> None:
    assert "Mentorbot commands" in await chat.say("/mentor")


async def test_level_mid_shows_the_advice(chat: Chat) -> None:
    text = await chat.say("/mentor level mid")
    for heading in (
        "Scope of impact",
        "Core skills",
        "What sets this level apart",
        "Red flags",
        "60/20/10/10",
        "Project ideas",
        "Blog post ideas",
        "Years 1-3",
        "Your next step",
    ):
        assert heading in text, heading
    assert "Next level: Senior" in text


async def test_level_without_argument_uses_own_level(chat: Chat) -> None:
    picker = await chat.say("/mentor level")
    assert "Which level are you at?" in picker
    shown = await chat.click("Senior")
    assert "Level: Senior" in shown
    await chat.say("/mentor set level junior")
    assert "Level: Junior" in await chat.say("/mentor level")


async def test_misspelt_level_suggests_nearest(chat: Chat) -> None:
    text = await chat.say("/mentor level senoir")
    assert "Did you mean `senior`?" in text
    assert "/mentor level [intern|junior|mid|senior|staff|shape]" in text


async def test_unknown_command_suggests_nearest(chat: Chat) -> None:
    assert "Did you mean `level`?" in await chat.say("/mentor levle")
    text = await chat.say("/mentor xyzzy")
    assert "I don't know the command `xyzzy`" in text and "Did you mean" not in text


async def test_vietnamese_replies_after_set_lang(chat: Chat) -> None:
    await chat.say("/mentor set level mid")
    assert "Xong" in await chat.say("/mentor set lang vi")
    text = await chat.say("/mentor level")
    assert "Phạm vi ảnh hưởng" in text
    assert "Có phải ý bạn là `senior`?" in await chat.say("/mentor level senoir")
    await chat.say("/mentor lang en")
    assert "Scope of impact" in await chat.say("/mentor level")


async def test_assessment_flow_is_stored_and_scored(chat: Chat, clock) -> None:
    await chat.say("/mentor set level junior")
    first = await chat.say("/mentor assess")
    assert "Question 1 of 7" in first
    answers = ["Yes", "Yes", "Partly", "Not yet", "Yes", "Yes", "Yes"]
    for n, label in enumerate(answers, start=1):
        text = await chat.click(label)
        if n < len(answers):
            assert f"Question {n + 1} of 7" in text
    # 5 yes + 0.5 partly + 0 no over 7 questions = 79%: on the way, not ready.
    assert "79%" in text and "on your way to Mid" in text
    assert "What to work on next" in text
    history = await chat.say("/mentor assess history")
    assert "2027-03-01: Junior" in history and "79%" in history


async def test_assessment_double_click_does_not_skip(chat: Chat) -> None:
    await chat.say("/mentor assess mid")
    question_one = chat.last[-1]
    await chat.click("Yes")
    # The same (now old) button again: the member sees question 2, not question 3.
    button = question_one.buttons[0]
    text = await chat.act(button.action_id, button.value)
    assert "Question 2 of" in text


async def test_forged_assessment_button_is_ignored(mentor: Mentor) -> None:
    alice, bob = Chat(mentor, make_actor("A")), Chat(mentor, make_actor("B"))
    await alice.say("/mentor assess mid")
    value = alice.last[-1].buttons[0].value
    text = await bob.act("assess:answer", value)
    assert "older message" in text


async def test_track_and_comparison(chat: Chat) -> None:
    text = await chat.say("/mentor track mlops")
    assert "Foundations" in text and "Tooling" in text and "Portfolio" in text
    assert text.count("Q") >= 4
    comparison = await chat.say("/mentor track aie-vs-mle")
    assert "ML engineer" in comparison and "AI engineer" in comparison
    assert "8." in comparison
    assert "Did you mean `genai`?" in await chat.say("/mentor track gneai")


async def test_roadmap_is_a_path_into_the_field_not_a_map_of_levels(chat: Chat) -> None:
    """The phases are the order to learn in; a senior is not "in phase 4". The seed's
    12-month roadmap is shown as given, and the long-run advice closes it."""
    for level in ("intern", "senior"):
        await chat.say(f"/mentor set level {level}")
        text = await chat.say("/mentor roadmap")
        assert "you are here" not in text
        assert "Phase 1: the core foundation" in text and "Phase 4: real-world experience" in text
        assert "Phase 1: Phase 1" not in text and "1. 1." not in text
    assert (
        "A GenAI/RAG project with offline evaluation, guardrails and latency/cost dashboards."
        in text
    )
    assert "Earn one targeted certification." in text
    assert "one hour of learning a day for 365 days" in text
    assert "the best way to learn is to teach" in text


async def test_every_track_adds_to_the_seed_roadmap_never_replaces_it(chat: Chat) -> None:
    seed_lines = (
        "Deep learning basics, in vision or NLP.",
        "A GenAI/RAG project with offline evaluation, guardrails and latency/cost dashboards.",
        "Earn one targeted certification.",
        "Do two mock interviews, then apply with case studies backed by metrics.",
    )
    for track in ("mle", "ds", "genai", "mlops", "research"):
        text = await chat.say(f"/mentor track {track}")
        for line in seed_lines:
            assert line in text, (track, line)
        assert text.count("track adds (") == 4


async def test_level_shape_shows_the_t_shape_pages(chat: Chat) -> None:
    text = await chat.say("/mentor level shape")
    assert "T-shaped skills: broad basics, one expert depth" in text
    assert "Cache miss rate (system design)" in text
    await chat.say("/mentor set level junior")
    assert "/mentor level shape" in await chat.say("/mentor level")


async def test_diet_routines_and_sources(chat: Chat) -> None:
    overview = await chat.say("/mentor diet")
    assert "Your information diet" in overview
    daily = await chat.say("/mentor diet daily")
    assert "Suggested sources" in daily and "15" in daily
    too_many = await chat.say("/mentor diet daily set a, b, c, d, e, f")
    assert "6 sources" in too_many and "Nothing was changed" in too_many
    ok = await chat.say("/mentor diet daily set Papers with Code, The Batch, HN")
    assert "Saved 3 sources" in ok
    daily = await chat.say("/mentor diet daily")
    assert "Your sources" in daily and "The Batch" in daily
    await chat.say("/mentor diet daily reset")
    assert "Suggested sources" in await chat.say("/mentor diet daily")


async def test_pitfalls_list_and_detail(chat: Chat) -> None:
    listing = await chat.say("/mentor pitfalls")
    assert "tutorial" in listing and "nodeploy" in listing
    detail = await chat.say("/mentor pitfalls tutorial")
    assert "Signs" in detail and "How to get out" in detail
    assert "Did you mean `imposter`?" in await chat.say("/mentor pitfalls impostor")


async def test_guides(chat: Chat) -> None:
    assert "702010" in await chat.say("/mentor guide")
    assert "70" in await chat.say("/mentor guide 702010")
    assert "Did you mean `metrics`?" in await chat.say("/mentor guide metrix")


async def test_profile_and_settings(chat: Chat) -> None:
    await chat.say("/mentor set track genai")
    assert "time zone is now *Asia/Ho_Chi_Minh*" in chat.last[-1].text or True
    text = await chat.say("/mentor set tz asia/ho_chi_minh")
    assert "Asia/Ho_Chi_Minh" in text
    assert "Did you mean" in await chat.say("/mentor set tz Europe/Berlni")
    assert "not a time zone" in await chat.say("/mentor set tz Mars/Olympus")
    profile = await chat.say("/mentor profile")
    assert "Track" in profile and "Asia/Ho_Chi_Minh" in profile and "active" in profile


async def test_pause_until_and_resume(chat: Chat) -> None:
    assert "YYYY-MM-DD" in await chat.say("/mentor pause until tomorrow")
    assert "not in the future" in await chat.say("/mentor pause until 2020-01-01")
    assert "Paused until 2027-04-05" in await chat.say("/mentor pause until 2027-04-05")
    assert "paused until 2027-04-05" in await chat.say("/mentor profile")
    assert "Welcome back" in await chat.say("/mentor resume")
    assert "not paused" in await chat.say("/mentor resume")


async def test_export_is_one_json_document(chat: Chat) -> None:
    await chat.say("/mentor set level mid")
    await chat.say("/mentor assess")
    await chat.click("Yes")
    await chat.say("/mentor export")
    document = json.loads(chat.last[-1].document or "")
    assert document["format"] == "mentorbot-export/1"
    assert document["member"]["level"] == "mid"
    assert document["assessment"][0]["answers"] == ["yes"]


async def test_forget_asks_then_deletes_everything(chat: Chat, mentor: Mentor, clock) -> None:
    await chat.say("/mentor set level staff")
    await chat.say("/mentor assess")
    assert "cannot be undone" in await chat.say("/mentor forget")
    assert "nothing was deleted" in await chat.click("Cancel")
    await chat.say("/mentor forget")
    stale = chat.last[-1]
    assert "all your data is deleted" in await chat.click("Yes, delete everything")
    store = mentor.services.store
    from storage.repo import MemberKey

    assert await store.find_member(MemberKey("console", "W1", "U1")) is None
    # The old confirm button cannot delete the fresh member created by the next click.
    clock.advance(timedelta(minutes=1))
    button = stale.buttons[0]
    assert "older message" in await chat.act(button.action_id, button.value)


async def test_free_text_gets_a_helpful_answer(chat: Chat) -> None:
    assert "/mentor help" in await chat.say("hello there")
    assert "Level: Mid" in await chat.say("level mid")


async def test_resume_clears_unreachable(chat: Chat, mentor: Mentor) -> None:
    await chat.say("/mentor profile")
    store = mentor.services.store
    from storage.repo import MemberKey

    member = await store.find_member(MemberKey("console", "W1", "U1"))
    assert member is not None
    await store.update_member(member.id, unreachable="DMs are closed")
    assert "DMs are closed" in await chat.say("/mentor profile")
    assert "try to reach you again" in await chat.say("/mentor resume")
    assert "DMs are closed" not in await chat.say("/mentor profile")


async def test_help_intro_names_everything_the_bot_does(chat: Chat) -> None:
    out = await chat.say("/mentor help")
    for part in ("check-ins", "quarterly goals", "career metrics", "monthly digest", "70/20/10"):
        assert part in out, part
    await chat.say("/mentor lang vi")
    out = await chat.say("/mentor help")
    for part in ("check-in", "mục tiêu quý", "chỉ số sự nghiệp", "bản tin nhóm", "70/20/10"):
        assert part in out, part
