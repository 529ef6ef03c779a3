"""Pitfall nudges: every rule with histories that must fire it and histories that must not.

The rules are pure (``bot/nudges.py``); the transcripts at the end run them through the
scheduler and the outbox on the simulated clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.content import load_library
from bot.delivery import Sent, Target
from bot.features.nudges import due_at, nudge_replies
from bot.nudges import (
    MIN_GAP,
    REPEAT_DAYS,
    AssessmentFact,
    Entry,
    Finding,
    GoalFact,
    History,
    MetricFact,
    choose,
    evaluate,
    imposter_syndrome,
    information_overload,
    lone_wolf,
    neglected_soft_skills,
    no_deployment,
    opaque_work,
    period_start,
    technology_chasing,
    tutorial_hell,
    vocab_from,
    weak_evaluation,
)
from bot.reply import Reply
from mentorbot.simulation import run_until
from schedules.engine import Scheduler
from storage import mentoring
from storage.models import Delivery, Nudge
from storage.repo import MemberKey
from tests.adapters.test_console import run_cli
from tests.conftest import Chat, wired_scheduler

TODAY = date(2027, 3, 26)  # a Friday, ISO week 12
VOCAB = vocab_from(load_library().packs.values())


def week(weeks_ago: int, *activities: str, note: str = "", minutes: int | None = None) -> Entry:
    """A weekly check-in ``weeks_ago`` weeks before TODAY's week."""
    iso = (TODAY - timedelta(weeks=weeks_ago)).isocalendar()
    return Entry(
        "weekly", f"{iso.year}-W{iso.week:02d}", frozenset(activities), minutes=minutes, note=note
    )


def day(days_ago: int, *activities: str, note: str = "", minutes: int | None = None) -> Entry:
    d = TODAY - timedelta(days=days_ago)
    return Entry("daily", d.isoformat(), frozenset(activities), minutes=minutes, note=note)


def history(*checkins: Entry, **kwargs) -> History:
    return History(today=TODAY, checkins=tuple(checkins), **kwargs)


def healthy(weeks: int = 12, level: str = "mid") -> History:
    """Builds most weeks, learns from others, takes the odd course, ships and writes."""
    entries = []
    for w in range(weeks):
        acts = ["built", "others"] if w % 2 else ["built", "read", "shared"]
        if w % 4 == 3:
            acts.append("course")
        entries.append(
            week(w, *acts, note="deployed the ranking API behind a canary; wrote the README")
        )
    return history(*entries, level=level)


def test_period_start_reads_every_cadence() -> None:
    assert period_start("daily", "2027-03-05") == date(2027, 3, 5)
    assert period_start("weekly", "2027-W12") == date(2027, 3, 22)
    assert period_start("monthly", "2027-03") == date(2027, 3, 1)


def test_vocab_matches_whole_words_prefixes_and_aliases_in_both_languages() -> None:
    assert VOCAB.find("tools", "tried LangChain, then k8s and Kubernetes") == {
        "langchain",
        "kubernetes",
    }
    assert VOCAB.find("tools", "sparked an idea; a perfect day") == set()
    assert VOCAB.mentions("deploy", "Deployed it on Friday")
    assert VOCAB.mentions("deploy", "đã triển khai mô hình")
    assert VOCAB.mentions("self_doubt", "I’m not ready for this")
    assert not VOCAB.mentions("self_doubt", "the model is not ready yet")


# --- tutorial hell ---------------------------------------------------------------------


def test_tutorial_fires_on_three_course_only_weeks() -> None:
    found = tutorial_hell(
        history(week(0, "course"), week(1, "course", "read"), week(2, "course")), VOCAB
    )
    assert found is not None
    assert found.pitfall == "tutorial"
    assert dict(found.evidence_values) == {"count": 3, "window": 4}
    assert found.next_step.startswith("project:junior:")


def test_tutorial_counts_daily_answers_by_week_and_uses_the_level() -> None:
    entries = [day(d, "course") for d in (0, 1, 7, 8, 14)]
    found = tutorial_hell(history(*entries, level="mid"), VOCAB)
    assert found is not None and found.next_step.startswith("project:mid:")


@pytest.mark.parametrize(
    "entries",
    [
        (week(0, "course"), week(1, "course")),  # two weeks are not a pattern
        (week(0, "course", "built"), week(1, "course", "built"), week(2, "course")),
        (week(0, "course"), week(1, "course"), week(5, "course"), week(6, "course")),
        (week(0, "course"), week(1, "course"), day(9, "built"), week(2, "course")),
    ],
)
def test_tutorial_does_not_fire(entries) -> None:
    assert tutorial_hell(history(*entries), VOCAB) is None


def test_tutorial_fires_with_one_built_week_among_four() -> None:
    entries = (week(0, "course"), week(1, "course"), week(2, "course"), week(3, "built"))
    assert tutorial_hell(history(*entries), VOCAB) is not None


# --- no deployment ---------------------------------------------------------------------


def building(weeks: int, note: str = "trained a model, built the pipeline") -> list[Entry]:
    return [week(w, "built", note=note) for w in range(weeks)]


def test_nodeploy_fires_on_a_quarter_of_building_without_deploying() -> None:
    found = no_deployment(history(*building(8)), VOCAB)
    assert found is not None
    assert found.evidence_values["weeks"] == 8
    assert found.next_step == "fix:nodeploy:0"


@pytest.mark.parametrize(
    ("entries", "metrics"),
    [
        (building(3), ()),  # too few weeks
        (building(5)[:5], ()),  # five weeks, but spanning under six weeks
        ([*building(8), week(2, "built", note="deployed it behind FastAPI")], ()),
        ([*building(8)[:-1], week(7, "built", note="đã triển khai lên production")], ()),
        (building(8), (MetricFact("projects_shipped", 1, TODAY - timedelta(days=20)),)),
    ],
)
def test_nodeploy_does_not_fire(entries, metrics) -> None:
    assert no_deployment(history(*entries, metrics=tuple(metrics)), VOCAB) is None


# --- imposter syndrome -----------------------------------------------------------------


def test_imposter_fires_on_self_doubt_in_two_notes() -> None:
    entries = (
        day(2, "built", note="I'm not good enough for the senior role anyway"),
        day(9, "course", note="cảm thấy mình là kẻ mạo danh trong nhóm"),
    )
    found = imposter_syndrome(history(*entries), VOCAB)
    assert found is not None and found.evidence_key == "nudge.evidence.imposter_notes"
    assert found.evidence_values["count"] == 2


def test_imposter_fires_on_a_ready_assessment_with_no_step_since() -> None:
    assessed = (AssessmentFact("mid", 0.86, TODAY - timedelta(days=40)),)
    found = imposter_syndrome(history(level="mid", assessments=assessed), VOCAB)
    assert found is not None and found.evidence_key == "nudge.evidence.imposter_ready"
    assert found.evidence_values == {"percent": 86, "level": "mid", "days": 40}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"checkins": (day(2, "built", note="not good enough yet"),)},  # one note only
        {"checkins": (day(2, "built", note="the model is not ready"),) * 2},
        {"level": "mid", "assessments": (AssessmentFact("mid", 0.6, TODAY - timedelta(days=40)),)},
        {"level": "mid", "assessments": (AssessmentFact("mid", 0.9, TODAY - timedelta(days=10)),)},
        {"level": "mid", "assessments": (AssessmentFact("mid", 0.9, TODAY - timedelta(days=200)),)},
        {
            "level": "senior",
            "assessments": (AssessmentFact("mid", 0.9, TODAY - timedelta(days=40)),),
        },
        {
            "level": "mid",
            "assessments": (AssessmentFact("mid", 0.9, TODAY - timedelta(days=40)),),
            "goals": (GoalFact("2027-Q1", "technical", "open", TODAY - timedelta(days=30)),),
        },
    ],
)
def test_imposter_does_not_fire(kwargs) -> None:
    assert imposter_syndrome(History(today=TODAY, **kwargs), VOCAB) is None


# --- lone wolf -------------------------------------------------------------------------


def test_lonewolf_fires_on_weeks_alone_and_suggests_a_peer() -> None:
    entries = (week(0, "built"), week(1, "built", "course"), week(2, "read"))
    found = lone_wolf(history(*entries), VOCAB)
    assert found is not None and found.evidence_values == {"count": 3}
    assert found.next_step == "fix:lonewolf:0"
    paired = lone_wolf(history(*entries, peers=("Ana",)), VOCAB)
    assert paired is not None and paired.next_step == "pair:Ana"


@pytest.mark.parametrize(
    ("entries", "metrics"),
    [
        ((week(0, "built"), week(1, "built")), ()),  # not enough weeks
        ((week(0, "built"), week(1, "built", "others"), week(2, "built")), ()),
        ((week(0, "built"), week(1, "shared"), week(2, "built")), ()),
        ((week(0, "skipped"), week(1, "skipped"), week(2, "built")), ()),
        (
            (week(0, "built"), week(1, "built"), week(2, "built")),
            (MetricFact("people_mentored", 1, TODAY - timedelta(days=3)),),
        ),
    ],
)
def test_lonewolf_does_not_fire(entries, metrics) -> None:
    assert lone_wolf(history(*entries, metrics=tuple(metrics)), VOCAB) is None


# --- neglected soft skills -------------------------------------------------------------


def quiet_month() -> list[Entry]:
    return [week(w, "built", "others", note="tuned the retriever") for w in range(6)]


def test_softskills_fires_for_mid_with_a_month_of_no_writing_presenting_or_mentoring() -> None:
    found = neglected_soft_skills(history(*quiet_month(), level="senior"), VOCAB)
    assert found is not None
    assert found.evidence_values == {"level": "senior", "days": 30}
    assert found.next_step.startswith("post:senior:")


@pytest.mark.parametrize(
    ("level", "entries", "metrics"),
    [
        ("junior", quiet_month(), ()),  # below mid: not yet the job
        ("mid", quiet_month()[:3], ()),  # not a month of history
        ("mid", [*quiet_month(), week(1, "built", note="presented the eval results")], ()),
        ("mid", [*quiet_month(), week(2, "shared")], ()),
        ("mid", quiet_month(), (MetricFact("design_docs", 1, TODAY - timedelta(days=5)),)),
        ("mid", [week(w, "built") for w in range(5, 9)], ()),  # not active in the window
    ],
)
def test_softskills_does_not_fire(level, entries, metrics) -> None:
    found = neglected_soft_skills(history(*entries, level=level, metrics=tuple(metrics)), VOCAB)
    assert found is None


# --- information overload --------------------------------------------------------------


def test_overload_fires_on_too_many_sources() -> None:
    found = information_overload(history(own_sources=8), VOCAB)
    assert found is not None and found.evidence_values == {"count": 8, "max": 5}


def test_overload_fires_on_daily_minutes_far_over_fifteen() -> None:
    entries = [day(d, "read", minutes=m) for d, m in ((0, 60), (1, 45), (3, 50), (20, 5))]
    found = information_overload(history(*entries), VOCAB)
    assert found is not None
    assert found.evidence_values == {"minutes": 52, "count": 3}


@pytest.mark.parametrize(
    ("sources", "entries"),
    [
        (5, [day(d, "read", minutes=15) for d in range(5)]),
        (0, [day(d, "read", minutes=90) for d in range(2)]),  # two days are not a habit
        (0, [day(d, "read", minutes=m) for d, m in enumerate((20, 25, 40, 30))]),
        (0, [week(w, "read", minutes=120) for w in range(4)]),  # weekly hours are fine
        (0, [day(d, "built", "read", minutes=90) for d in range(5)]),  # building time
    ],
)
def test_overload_does_not_fire(sources, entries) -> None:
    assert information_overload(history(*entries, own_sources=sources), VOCAB) is None


# --- technology chasing ----------------------------------------------------------------


def test_chasing_fires_on_many_new_tools_in_two_weeks() -> None:
    entries = (
        week(8, "built", note="pytorch training loop"),
        day(1, "course", note="tried LangChain and then LlamaIndex"),
        day(5, "course", note="switched to DSPy, also looked at CrewAI and pytorch"),
    )
    found = technology_chasing(history(*entries), VOCAB)
    assert found is not None
    assert found.evidence_values["count"] == 4
    assert found.evidence_values["tools"] == "crewai, dspy, langchain, llamaindex"


@pytest.mark.parametrize(
    "entries",
    [
        # Four tools, but in one note: a stack, not a chase.
        (day(1, "built", note="set up pytorch, fastapi, docker and mlflow"),),
        # The same tools as before the window: a stable stack.
        (
            week(4, "built", note="pytorch, fastapi, docker, mlflow"),
            day(1, "built", note="pytorch and fastapi"),
            day(3, "built", note="docker and mlflow again"),
        ),
        # Many tools, but spread over months.
        (
            day(40, "built", note="langchain"),
            day(30, "built", note="llamaindex"),
            day(20, "built", note="dspy"),
            day(2, "built", note="crewai"),
        ),
    ],
)
def test_chasing_does_not_fire(entries) -> None:
    assert technology_chasing(history(*entries), VOCAB) is None


# --- weak evaluation -------------------------------------------------------------------


def test_weakeval_fires_on_scores_without_a_baseline() -> None:
    entries = (
        day(2, "built", note="accuracy is 94% now!"),
        day(6, "built", note="F1 went up to 0.81 after tuning"),
    )
    found = weak_evaluation(history(*entries), VOCAB)
    assert found is not None and found.evidence_values == {"count": 2, "words": "accuracy, f1"}


@pytest.mark.parametrize(
    "entries",
    [
        (day(2, "built", note="accuracy is 94% now!"),),
        (
            day(2, "built", note="accuracy is 94%"),
            day(6, "built", note="F1 0.81 vs 0.70 for the baseline"),
        ),
        (
            day(2, "built", note="độ chính xác 94%"),
            day(4, "built", note="AUC 0.9 on the held-out test set"),
        ),
        (day(40, "built", note="accuracy 94%"), day(45, "built", note="f1 0.8")),
    ],
)
def test_weakeval_does_not_fire(entries) -> None:
    assert weak_evaluation(history(*entries), VOCAB) is None


# --- opaque work -----------------------------------------------------------------------


def test_opaque_fires_on_experiments_never_written_down() -> None:
    entries = [
        day(d, "built", note=n)
        for d, n in ((1, "trained v3"), (4, "new features"), (8, "fine-tuned the model"))
    ]
    found = opaque_work(history(*entries), VOCAB)
    assert found is not None and found.evidence_values == {"count": 3, "days": 30}


@pytest.mark.parametrize(
    ("extra", "metrics"),
    [
        (day(2, "built", note="wrote the model card with limitations"), ()),
        (day(2, "shared"), ()),
        (None, (MetricFact("design_docs", 1, TODAY - timedelta(days=2)),)),
    ],
)
def test_opaque_does_not_fire(extra, metrics) -> None:
    entries = [
        day(d, "built", note=n)
        for d, n in ((1, "trained v3"), (4, "new features"), (8, "fine-tuned it"))
    ]
    if extra is not None:
        entries.append(extra)
    assert opaque_work(history(*entries, metrics=tuple(metrics)), VOCAB) is None


def test_opaque_needs_three_notes() -> None:
    entries = [day(1, "built", note="trained v3"), day(4, "built", note="new features")]
    assert opaque_work(history(*entries), VOCAB) is None


# --- all rules together ----------------------------------------------------------------


@pytest.mark.parametrize("level", ["junior", "mid", "senior"])
def test_a_healthy_member_fires_nothing(level: str) -> None:
    assert evaluate(healthy(level=level), VOCAB) == []


def test_an_empty_history_fires_nothing() -> None:
    assert evaluate(History(today=TODAY, level="staff"), VOCAB) == []


NOW = datetime(2027, 3, 26, 17, 0, tzinfo=UTC)
TUTORIAL = Finding("tutorial", "nudge.evidence.tutorial", {"count": 3, "window": 4}, "x")
LONEWOLF = Finding("lonewolf", "nudge.evidence.lonewolf", {"count": 3}, "fix:lonewolf:0")


def test_choose_takes_the_first_finding_not_muted_and_not_recent() -> None:
    assert choose([TUTORIAL, LONEWOLF], now=NOW) is TUTORIAL
    assert choose([TUTORIAL, LONEWOLF], now=NOW, muted={"tutorial"}) is LONEWOLF
    recent = {"tutorial": NOW - timedelta(days=REPEAT_DAYS - 1)}
    assert choose([TUTORIAL, LONEWOLF], now=NOW, last_fired=recent) is LONEWOLF
    old = {"tutorial": NOW - timedelta(days=REPEAT_DAYS)}
    assert choose([TUTORIAL], now=NOW, last_fired=old) is TUTORIAL


def test_choose_keeps_nudges_apart() -> None:
    just_now = {"lonewolf": NOW - MIN_GAP + timedelta(hours=1)}
    assert choose([TUTORIAL], now=NOW, last_fired=just_now) is None
    assert choose([TUTORIAL], now=NOW, last_fired={"lonewolf": NOW - MIN_GAP}) is TUTORIAL


# --- through the scheduler and the outbox, on the simulated clock ----------------------


@dataclass
class Inbox:
    platform: str = "console"
    sent: list[tuple[Target, tuple[Reply, ...]]] = field(default_factory=list)

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent:
        self.sent.append((target, tuple(replies)))
        return Sent(message_id=f"m{len(self.sent)}")


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def scheduler(services, inbox: Inbox) -> Scheduler:
    return wired_scheduler(services, outlets={"console": inbox})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def answer_weekly(chat: Chat, inbox: Inbox, *labels: str, note: str = "") -> None:
    """Click ``labels`` on the last weekly prompt delivered, then add the note."""
    for _, replies in reversed(inbox.sent):
        if (replies[0].title or "").startswith("Weekly check-in"):
            chat.last = list(replies)
            break
    else:
        raise AssertionError("no weekly prompt delivered")
    prompt = chat.last
    for label in labels:
        chat.last = prompt
        await chat.click(label)
    if note:
        await chat.click("Add minutes and a note")
        [form] = [r.form for r in chat.last if r.form]
        await chat.submit(form.form_id, {"minutes": "", "note": note, "share": "no"})


async def nudges_sent(services) -> list[Delivery]:
    async with services.store.session() as s:
        rows = await s.scalars(
            select(Delivery).where(Delivery.kind.like("nudge:%")).order_by(Delivery.id)
        )
        return list(rows)


FRIDAYS = ("2027-03-05", "2027-03-12", "2027-03-19", "2027-03-26", "2027-04-02")


async def test_tutorial_hell_is_nudged_once_with_its_evidence(
    chat: Chat, scheduler: Scheduler, inbox: Inbox, clock, services
) -> None:
    await chat.say("/mentor set level junior")
    for friday in FRIDAYS:
        await run_until(scheduler, clock, at(f"{friday}T16:00"))
        await answer_weekly(chat, inbox, "Course or tutorial")
    await run_until(scheduler, clock, at("2027-04-05T08:00"))
    tutorial = [d for d in await nudges_sent(services) if d.kind == "nudge:tutorial"]
    nudge = tutorial[0]
    # Right after the third course-only week (W11, answered on Friday 19 March).
    assert nudge.sent_at == at("2027-03-19T16:00")
    # Not again within 14 days, although another course-only week followed (W12); on
    # the fourteenth day, with the W13 answer, it comes back with the new evidence.
    assert [d.sent_at for d in tutorial[1:]] == [at("2027-04-02T16:00")]
    assert tutorial[1].payload["evidence_values"] == {"count": 4, "window": 4}
    assert nudge.payload["evidence_values"] == {"count": 3, "window": 4}
    replies = next(
        r for _, r in inbox.sent if r[0].title == "🧭 A pattern worth a look: Tutorial hell"
    )
    text = "\n".join(r.plain_text() for r in replies)
    assert "3 of your last 4 weeks were courses or tutorials only, with nothing built." in text
    assert "(a project idea for your level, Junior Engineer)" in text
    assert "Don't nudge me about this" in text
    async with services.store.session() as s:
        memory = list(
            await s.scalars(
                select(Nudge).where(Nudge.pitfall == "tutorial").order_by(Nudge.fired_at)
            )
        )
    assert [m.fired_at for m in memory] == [d.created_at for d in tutorial]


async def test_a_healthy_member_gets_no_nudge(
    chat: Chat, scheduler: Scheduler, inbox: Inbox, clock, services
) -> None:
    await chat.say("/mentor set level mid")
    for i, friday in enumerate(FRIDAYS):
        await run_until(scheduler, clock, at(f"{friday}T16:00"))
        labels = ["Built or deployed", "Learned from someone"]
        if i % 2:
            labels.append("Shared or wrote")
        await answer_weekly(chat, inbox, *labels, note="deployed v2 of the ranking API")
    await run_until(scheduler, clock, at("2027-04-09T00:00"))
    assert await nudges_sent(services) == []
    assert not [r for _, r in inbox.sent if (r[0].title or "").startswith("🧭")]


async def test_a_muted_pitfall_is_not_nudged(
    chat: Chat, scheduler: Scheduler, inbox: Inbox, clock, services
) -> None:
    out = await chat.say("/mentor pitfalls mute tutorial-hell")
    assert "Muted: no more nudges about *Tutorial hell*." in out
    assert "(muted)" in await chat.say("/mentor pitfalls")
    for friday in FRIDAYS[:3]:
        await run_until(scheduler, clock, at(f"{friday}T16:00"))
        await answer_weekly(chat, inbox, "Course or tutorial", "Learned from someone")
    await run_until(scheduler, clock, at("2027-03-26T00:00"))
    assert [d.kind for d in await nudges_sent(services)] == []
    out = await chat.say("/mentor pitfalls unmute tutorial")
    assert "Unmuted" in out
    assert "weren't muted" in await chat.say("/mentor pitfalls unmute tutorial")


async def test_the_nudge_buttons_explain_and_mute(chat: Chat, services) -> None:
    pack = services.content.pack("en")
    finding = Finding(
        "chasing",
        "nudge.evidence.chasing",
        {"count": 4, "days": 14, "tools": "a, b"},
        "fix:chasing:2",
    )
    chat.last = nudge_replies(pack, finding.payload(), "mid")
    assert (
        "In the last 14 days your notes named 4 tools you hadn't mentioned before: a, b."
        in chat.text
    )
    assert "write one line on the problem it solves for you" in chat.text
    out = await chat.click("Read about it")
    assert "Technology chasing" in out and "How to get out" in out
    chat.last = nudge_replies(pack, finding.payload(), "mid")
    assert "Muted: no more nudges about *Technology chasing*" in await chat.click("Don't nudge")
    member = await services.store.find_member(MemberKey("console", "W1", "U1"))
    assert await mentoring.muted_pitfalls(services.store, member.id) == {"chasing"}


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_every_finding_renders_in_both_languages(lang: str) -> None:
    pack = load_library().pack(lang)
    findings = [
        Finding("tutorial", "nudge.evidence.tutorial", {"count": 3, "window": 4}, "project:mid:7"),
        Finding(
            "nodeploy",
            "nudge.evidence.nodeploy",
            {"weeks": 5, "since": "2027-01-04"},
            "fix:nodeploy:0",
        ),
        Finding(
            "imposter",
            "nudge.evidence.imposter_notes",
            {"count": 2, "days": 30, "words": "imposter"},
            "fix:imposter:0",
        ),
        Finding(
            "imposter",
            "nudge.evidence.imposter_ready",
            {"percent": 86, "level": "mid", "days": 40},
            "fix:imposter:0",
        ),
        Finding("lonewolf", "nudge.evidence.lonewolf", {"count": 3}, "pair:Ana"),
        Finding(
            "softskills",
            "nudge.evidence.softskills",
            {"level": "senior", "days": 30},
            "post:senior:3",
        ),
        Finding(
            "overload", "nudge.evidence.overload_sources", {"count": 8, "max": 5}, "fix:overload:0"
        ),
        Finding(
            "overload",
            "nudge.evidence.overload_minutes",
            {"minutes": 52, "count": 3},
            "fix:overload:3",
        ),
        Finding(
            "chasing",
            "nudge.evidence.chasing",
            {"count": 4, "days": 14, "tools": "dspy"},
            "fix:chasing:2",
        ),
        Finding(
            "weakeval", "nudge.evidence.weakeval", {"count": 2, "words": "f1"}, "fix:weakeval:0"
        ),
        Finding("opaque", "nudge.evidence.opaque", {"count": 3, "days": 30}, "fix:opaque:1"),
    ]
    for finding in findings:
        [reply] = nudge_replies(pack, finding.payload(), None)
        assert "{" not in reply.plain_text()
    [reply] = nudge_replies(pack, findings[5].payload(), "senior")
    assert pack.levels.levels["senior"].name in reply.text
    [reply] = nudge_replies(pack, findings[4].payload(), None)
    assert "*Ana*" in reply.plain_text()


def test_a_forged_evidence_key_is_refused() -> None:
    pack = load_library().pack("en")
    payload = Finding("tutorial", "error.internal", {}, "x").payload()
    with pytest.raises(ValueError, match="evidence key"):
        nudge_replies(pack, payload, None)


def test_nudges_wait_for_the_members_morning() -> None:
    assert due_at(at("2027-03-22T10:00"), "UTC") == at("2027-03-22T10:00")
    assert due_at(at("2027-03-22T21:00"), "UTC") == at("2027-03-23T09:00")
    assert due_at(at("2027-03-22T03:00"), "UTC") == at("2027-03-22T09:00")
    # 21:00 UTC is 06:00 the next day in Tokyo: wait three hours.
    assert due_at(at("2027-03-22T21:00"), "Asia/Tokyo") == at("2027-03-23T00:00")


# --- the issue's "done when", on the console's simulated clock ---------------------------

THREE_WEEKS = (
    "/mentor set level junior\n"
    "/mentor schedule off daily\n"
    "/mentor schedule off monthly\n"
    ":advance 4d6h\n"  # Friday 5 March, 16:00: the weekly check-in
    "{w1}"
    ":advance 7d\n"
    "{w2}"
    ":advance 7d\n"
    "{w3}"
    ":advance 1h\n"
    ":advance 13d\n"  # to 1 April: within 14 days of the third answer
)


def console(tmp_path: Path, script: str) -> str:
    result = run_cli(
        "console",
        "--db",
        f"sqlite:///{tmp_path / 'nudge.db'}",
        "--clock",
        "sim",
        "--now",
        "2027-03-01T10:00",
        stdin=script,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_console_member_in_tutorial_hell_is_nudged_once(tmp_path: Path) -> None:
    course = "3\n"  # the third button: 🎓 Course or tutorial
    out = console(tmp_path, THREE_WEEKS.format(w1=course, w2=course, w3=course))
    assert out.count("🎓 Course or tutorial") >= 3
    assert out.count("A pattern worth a look: Tutorial hell") == 1
    assert "3 of your last 4 weeks were courses or tutorials only, with nothing built." in out
    nudge_at = out.index("A pattern worth a look: Tutorial hell")
    assert "📬 Fri 2027-03-19 16:00 UTC" in out[nudge_at - 200 : nudge_at]


def test_console_member_with_a_healthy_mix_gets_no_nudge(tmp_path: Path) -> None:
    healthy_week = "1\n2\n"  # built, then "+ learned from someone"
    out = console(tmp_path, THREE_WEEKS.format(w1=healthy_week, w2=healthy_week, w3="1\n3\n"))
    assert "Saved for week 10 of 2027: built or deployed something, learned from someone." in out
    assert "Saved for week 11 of 2027: built or deployed something, a course or tutorial." in out
    assert "A pattern worth a look" not in out
