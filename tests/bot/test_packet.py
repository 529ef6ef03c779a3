"""The promotion evidence packet: a member with a rich history, one with none, and a
teammate whose history must never appear; both languages; the pure matching rules."""

from __future__ import annotations

from datetime import date

from bot.events import Actor
from bot.features.packet import Criterion, Evidence, match, words_of
from bot.mentor import Mentor
from tests.conftest import Chat


def document(chat: Chat) -> str:
    docs = [r for r in chat.last if r.document]
    assert docs, chat.text
    return docs[0].document or ""


async def answer_checkin(chat: Chat, label: str, note: str) -> None:
    """Answer today's daily check-in and add a note, as the buttons would."""
    await chat.say("/mentor checkin daily")
    await chat.click(label)
    await chat.click("Add minutes and a note")
    form = next(r.form for r in chat.last if r.form is not None)
    await chat.submit(form.form_id, {"minutes": "60", "note": note, "share": "no"})


async def rich_history(chat: Chat, clock) -> None:
    await chat.say("/mentor set level mid")
    await chat.say("/mentor set track mle")
    await answer_checkin(
        chat, "Built", "Deployed the churn model behind an API; p95 latency down 40%"
    )
    await chat.say("/mentor log users 1.5k churn API now serves the retention team")
    await chat.say("/mentor log mentored 2 onboarding two interns on the feature store")
    await chat.say("/mentor log docs 1 design doc for the ranking service rollout")
    await chat.submit(
        "goals:set#technical:2027-Q1",
        {"goal": "Own the ranking service end to end", "metric": "p95 under 100 ms"},
    )
    await chat.submit(
        "review:monthly#2027-02",
        {
            "worked": "Leading the design review for the ranking service",
            "didnt": "Too many meetings",
            "adjust": "Mentor the new hire on evaluation with a baseline",
        },
    )
    await chat.say("/mentor assess mid")
    for _ in range(7):
        await chat.click("Yes")
    await chat.say("/mentor goals plan")
    form = next(r.form for r in chat.last if r.form is not None)
    await chat.submit(
        form.form_id,
        {"cue": "the design review ends", "action": "write the decision doc the same day"},
    )


async def test_a_rich_history_fills_the_next_levels_criteria(chat: Chat, clock) -> None:
    await rich_history(chat, clock)
    out = await chat.say("/mentor packet")
    assert "📂 Promotion evidence packet: Senior Engineer" in out
    reply = next(r for r in chat.last if r.document)
    assert reply.document_name == "mentorbot-packet-senior-2027-03-01.md"
    md = document(chat)
    assert md.startswith("# Promotion evidence packet: Senior Engineer\n")
    assert "**U1** · now: Mid-level Engineer · track: ML engineer · prepared 2027-03-01" in md
    for heading in ("## Scope", "## Skills", "## What separates Senior Engineer from"):
        assert heading in md
    # Every kind of evidence is read and shown with its date.
    assert (
        "Evidence read: check-in notes 1 · logged metrics 3 · goals 1 · monthly reviews 1 · "
        "self-assessment answers 7 · if-then plans 1." in md
    )
    checkin = "2027-03-01 · Daily check-in (built or deployed something): Deployed the churn"
    assert checkin in md
    assert "logged metric: People mentored 2 (onboarding two interns on the feature store)" in md
    assert "Own the ranking service end to end" in md
    assert "monthly review" in md and "Leading the design review" in md
    assert "if-then plan: When the design review ends, I will write the decision doc" in md
    # Most criteria have evidence; those without are named with a next step.
    covered = int(out.split(" of ")[0].rsplit("\n", 1)[-1])
    assert covered >= 5
    assert "## Criteria with no evidence yet, and the next step for each" in md
    # The same packet in Vietnamese.
    await chat.say("/mentor lang vi")
    out = await chat.say("/mentor packet senior")
    md = document(chat)
    assert md.startswith("# Hồ sơ bằng chứng thăng cấp:")
    assert "## Phạm vi" in md and "## Kỹ năng" in md
    assert "Deployed the churn model" in md


async def test_a_member_with_no_history_gets_every_criterion_as_a_gap(chat: Chat) -> None:
    await chat.say("/mentor set level junior")
    out = await chat.say("/mentor packet")
    assert "0 of" in out and "Mid-level Engineer" in out
    md = document(chat)
    assert "Evidence read: check-in notes 0 · logged metrics 0" in md
    assert md.count("**No evidence yet.** Next step:") >= 5
    gaps = md.split("## Criteria with no evidence yet, and the next step for each")[1]
    assert gaps.count("→") == md.count("**No evidence yet.**")
    steps = [line for line in gaps.splitlines() if "→" in line]
    assert len(set(steps)) == len(steps) or len(set(steps)) >= 5, "varied next steps"
    assert "Everything above is matched" in md


async def test_the_packet_asks_for_a_level_and_refuses_unknown_ones(chat: Chat) -> None:
    out = await chat.say("/mentor packet")
    assert "Tell me your level first" in out
    out = await chat.say("/mentor packet senoir")
    assert "Did you mean `senior`?" in out
    out = await chat.say("/mentor packet staff")
    assert "Staff" in out and any(r.document for r in chat.last)


async def test_nothing_of_another_member_leaks(mentor: Mentor, chat: Chat, clock) -> None:
    await rich_history(chat, clock)
    other = Chat(mentor, Actor(platform="console", workspace="W1", user="U2"))
    await other.say("/mentor set level mid")
    out = await other.say("/mentor packet")
    md = document(other)
    for secret in (
        "churn",
        "ranking service",
        "design review",
        "onboarding two interns",
        "decision doc",
        "retention team",
    ):
        assert secret not in md.lower() and secret not in out.lower()
    assert "Evidence read: check-in notes 0 · logged metrics 0 · goals 0" in md


def test_evidence_matches_by_theme_or_two_shared_words() -> None:
    criteria = [
        Criterion("skill", "deploy models", words_of("deploy models"), frozenset({"deploy"})),
        Criterion("skill", "mentor juniors", words_of("mentor juniors"), frozenset()),
    ]
    day = date(2027, 3, 1)
    shipped = Evidence("checkin", day, "shipped", words_of("shipped it"), frozenset({"deploy"}))
    mentoring = Evidence(
        "metric", day, "mentored", words_of("mentor two juniors"), frozenset({"soft_skills"})
    )
    one_word = Evidence("review", day, "mentor", words_of("mentor myself"), frozenset())
    found, rest = match(criteria, [shipped, mentoring, one_word])
    assert found == [[shipped], [mentoring]]
    assert rest == [one_word], "one shared word is not enough"
    assert "trien khai" in words_of("Mình đã triển khai mô hình"), "Vietnamese word pairs"
