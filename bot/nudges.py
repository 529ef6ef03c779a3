"""Pitfall nudges: pure rules over a member's history.

A mentor notices. Each rule below reads a :class:`History` (check-ins, notes, metrics,
assessments, goals, profile) and returns a :class:`Finding` when the member shows one of
the seeds' pitfalls, naming the evidence ("3 of your last 4 weeks were courses only,
nothing built") and one concrete next step taken from the content (a project idea for
their level, a post idea, a teammate to pair with, a fix line of the pitfall).

The rules do no I/O and read no clock: ``History.today`` is the member's local date. That
keeps every threshold testable with hand-written histories that must fire and histories
that must not (``tests/bot/test_nudges.py``), and cheap enough to run after every check-in.
What happens to a finding (mutes, the 14-day memory, the outbox) is decided by
:func:`choose` and ``bot/features/nudges.py``. The thresholds are documented in
``docs/nudges.md``; keep the two in step.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from bot.periods import period_start, week_key

if TYPE_CHECKING:
    from bot.content import Pack

#: The same pitfall is nudged at most once in this many days.
REPEAT_DAYS = 14
#: Two nudges of any kind are at least this far apart: a mentor, not an alarm.
MIN_GAP = timedelta(days=3)

TUTORIAL_WEEKS = 4  # look-back, in ISO weeks including the current one
TUTORIAL_MIN_WEEKS = 3  # course-only weeks (a course, nothing built) that fire it
LONEWOLF_WEEKS = 4
LONEWOLF_MIN_WEEKS = 3  # weeks with check-ins, none with learning from others or sharing
SOFT_LEVELS = ("mid", "senior", "staff")
SOFT_DAYS = 30
SOFT_MIN_CHECKINS = 3
IMPOSTER_DAYS = 30
IMPOSTER_MIN_NOTES = 2
IMPOSTER_READY = 0.8  # the assessment's "ready" band (bot/features/assess.py READY)
IMPOSTER_STALE_DAYS = 30  # a ready score this old with no step toward the next level
IMPOSTER_MAX_DAYS = 120  # older than this says nothing about now
OVERLOAD_SOURCES = 5  # more own diet sources than this
OVERLOAD_DAYS = 14
OVERLOAD_MINUTES = 30  # average daily minutes above this (twice the 15-minute routine)
OVERLOAD_MIN_DAYS = 3
NODEPLOY_DAYS = 90  # "in a quarter"
NODEPLOY_MIN_WEEKS = 4  # weeks in which something was built
NODEPLOY_SPAN_DAYS = 42  # from the first of those weeks to today
CHASING_DAYS = 14
CHASING_BEFORE_DAYS = 60  # tools named in this span before the window are not new
CHASING_MIN_TOOLS = 4
CHASING_MIN_NOTES = 2
WEAKEVAL_DAYS = 30
WEAKEVAL_MIN_NOTES = 2
OPAQUE_DAYS = 30
OPAQUE_MIN_NOTES = 3

#: Activities that only take information in (information overload counts their minutes).
CONSUMING = frozenset({"read", "course"})
#: Metrics that count as writing, presenting or mentoring (soft skills, lone wolf).
SOFT_METRICS = frozenset({"presentations", "design_docs", "people_mentored", "blog_posts"})


# --- The history ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One check-in answer, as the rules see it."""

    cadence: str
    period_key: str
    activities: frozenset[str]
    minutes: int | None = None
    note: str = ""
    shared: bool = False

    @property
    def day(self) -> date:
        return period_start(self.cadence, self.period_key)

    @property
    def week(self) -> str | None:
        """The ISO week it belongs to; a monthly answer spans weeks, so it has none."""
        return None if self.cadence == "monthly" else week_key(self.day)


@dataclass(frozen=True, slots=True)
class MetricFact:
    metric: str
    value: float
    day: date


@dataclass(frozen=True, slots=True)
class AssessmentFact:
    level: str
    score: float
    day: date


@dataclass(frozen=True, slots=True)
class GoalFact:
    quarter: str
    area: str
    status: str
    day: date


@dataclass(frozen=True)
class History:
    """Everything the rules may look at for one member; ``today`` is their local date."""

    today: date
    level: str | None = None
    checkins: tuple[Entry, ...] = ()
    metrics: tuple[MetricFact, ...] = ()
    assessments: tuple[AssessmentFact, ...] = ()
    goals: tuple[GoalFact, ...] = ()
    #: Distinct information-diet sources the member chose (the defaults do not count).
    own_sources: int = 0
    #: Teammates who learn from others or share, to suggest pairing with (names).
    peers: tuple[str, ...] = ()
    #: Local days on which the member said they met their learning pair
    #: (``bot/features/pairs.py``): learning from others, like an "others" check-in.
    met_days: tuple[date, ...] = ()

    def since(self, days: int) -> list[Entry]:
        start = self.today - timedelta(days=days - 1)
        return [e for e in self.checkins if start <= e.day <= self.today]

    def metrics_since(self, days: int) -> list[MetricFact]:
        start = self.today - timedelta(days=days - 1)
        return [m for m in self.metrics if start <= m.day <= self.today]

    def last_weeks(self, count: int) -> list[str]:
        """The ISO week keys of the current week and the ``count - 1`` before it."""
        return [week_key(self.today - timedelta(weeks=k)) for k in range(count)]

    @cached_property
    def by_week(self) -> dict[str, frozenset[str]]:
        """Activities per ISO week, from daily and weekly answers together."""
        weeks: dict[str, set[str]] = {}
        for entry in self.checkins:
            if entry.week is not None:
                weeks.setdefault(entry.week, set()).update(entry.activities)
        return {k: frozenset(v) for k, v in weeks.items()}


# --- The vocabulary --------------------------------------------------------------------


def normalise(note: str) -> str:
    """NFC, case-folded, with typographic apostrophes made plain (I’m → i'm)."""
    return unicodedata.normalize("NFC", note).casefold().replace("\u2019", "'")


@dataclass(frozen=True)
class Vocab:
    """Word lists from the content packs (``vocab.yaml``), every language merged."""

    groups: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @cached_property
    def _compiled(self) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
        compiled: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
        for group, entries in self.groups.items():
            items: dict[str, list[str]] = {}
            for entry in entries:
                names = [normalise(n).strip() for n in entry.split("|") if n.strip()]
                if names:
                    items.setdefault(names[0].rstrip("*"), []).extend(names)
            compiled[group] = [
                (canonical, re.compile("|".join(_pattern(n) for n in names)))
                for canonical, names in items.items()
            ]
        return compiled

    def find(self, group: str, note: str) -> set[str]:
        """The canonical names of ``group`` that ``note`` mentions."""
        if not note:
            return set()
        folded = normalise(note)
        return {name for name, rx in self._compiled.get(group, ()) if rx.search(folded)}

    def mentions(self, group: str, note: str) -> bool:
        return bool(self.find(group, note))


def _pattern(name: str) -> str:
    stem = name[:-1] if name.endswith("*") else name
    tail = r"\w*" if name.endswith("*") else ""
    return rf"(?<!\w){re.escape(stem)}{tail}(?!\w)"


def vocab_from(packs: Iterable[Pack]) -> Vocab:
    """Merge the ``vocab`` of every language's pack."""
    groups: dict[str, list[str]] = {}
    for pack in packs:
        for group, words in pack.vocab.model_dump(exclude={"covers"}).items():
            groups.setdefault(group, []).extend(words)
    return Vocab(groups=groups)


# --- Findings --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """A pitfall seen in a history.

    ``evidence_key`` is the ui template (``nudge.evidence.*``) that names the evidence,
    filled with ``evidence_values``; ``next_step`` points into the content, resolved in
    the member's language when the nudge is rendered:
    ``project:LEVEL:N`` (a project idea), ``post:LEVEL:N`` (a blog idea),
    ``fix:PITFALL:N`` (a line of the pitfall's fix), ``pair:NAME`` (a teammate).
    ``N`` is taken modulo the list's length.
    """

    pitfall: str
    evidence_key: str
    evidence_values: Mapping[str, str | int]
    next_step: str

    def payload(self) -> dict[str, object]:
        return {
            "pitfall": self.pitfall,
            "evidence_key": self.evidence_key,
            "evidence_values": dict(self.evidence_values),
            "next_step": self.next_step,
        }


Rule = Callable[[History, Vocab], Finding | None]


def _level(history: History) -> str:
    return history.level or "junior"


def _rotation(history: History) -> int:
    """Varies the suggested idea from one nudge to the next: the ISO week number."""
    return history.today.isocalendar().week


def tutorial_hell(h: History, v: Vocab) -> Finding | None:
    """Courses or tutorials, nothing built, in most of the last weeks."""
    weeks = h.last_weeks(TUTORIAL_WEEKS)
    course_only = [
        w for w in weeks if "course" in h.by_week.get(w, ()) and "built" not in h.by_week[w]
    ]
    if len(course_only) < TUTORIAL_MIN_WEEKS:
        return None
    return Finding(
        "tutorial",
        "nudge.evidence.tutorial",
        {"count": len(course_only), "window": len(weeks)},
        f"project:{_level(h)}:{_rotation(h)}",
    )


def no_deployment(h: History, v: Vocab) -> Finding | None:
    """Built things in many weeks of a quarter; no note or metric says one went live."""
    recent = h.since(NODEPLOY_DAYS)
    built = sorted({e.week for e in recent if "built" in e.activities and e.week})
    if len(built) < NODEPLOY_MIN_WEEKS:
        return None
    first = min(e.day for e in recent if e.week == built[0])
    if (h.today - first).days < NODEPLOY_SPAN_DAYS:
        return None
    if any(v.mentions("deploy", e.note) for e in recent):
        return None
    if any(m.metric == "projects_shipped" and m.value > 0 for m in h.metrics_since(NODEPLOY_DAYS)):
        return None
    return Finding(
        "nodeploy",
        "nudge.evidence.nodeploy",
        {"weeks": len(built), "since": first.isoformat()},
        "fix:nodeploy:0",
    )


def imposter_syndrome(h: History, v: Vocab) -> Finding | None:
    """Self-doubt in the notes, or a 'ready' self-assessment and no step taken since."""
    doubting = [(e, v.find("self_doubt", e.note)) for e in h.since(IMPOSTER_DAYS)]
    doubting = [(e, found) for e, found in doubting if found]
    if len(doubting) >= IMPOSTER_MIN_NOTES:
        words = sorted({w for _, found in doubting for w in found})
        return Finding(
            "imposter",
            "nudge.evidence.imposter_notes",
            {"count": len(doubting), "days": IMPOSTER_DAYS, "words": ", ".join(words[:3])},
            "fix:imposter:0",
        )
    if not h.assessments:
        return None
    latest = max(h.assessments, key=lambda a: a.day)
    age = (h.today - latest.day).days
    if latest.score < IMPOSTER_READY or not IMPOSTER_STALE_DAYS <= age <= IMPOSTER_MAX_DAYS:
        return None
    if h.level != latest.level:
        return None  # they moved on (or changed their level): a step was taken
    if any(g.day >= latest.day for g in h.goals):
        return None  # goals set since: that is a step
    return Finding(
        "imposter",
        "nudge.evidence.imposter_ready",
        {"percent": round(latest.score * 100), "level": latest.level, "days": age},
        "fix:imposter:0",
    )


def lone_wolf(h: History, v: Vocab) -> Finding | None:
    """Weeks of check-ins with no learning from others and nothing shared."""
    weeks = [w for w in h.last_weeks(LONEWOLF_WEEKS) if h.by_week.get(w, frozenset()) - {"skipped"}]
    if len(weeks) < LONEWOLF_MIN_WEEKS:
        return None
    if any(h.by_week[w] & {"others", "shared"} for w in weeks):
        return None
    if any(week_key(day) in weeks for day in h.met_days):
        return None  # they met their learning pair
    if any(m.metric in SOFT_METRICS for m in h.metrics_since(LONEWOLF_WEEKS * 7)):
        return None
    step = f"pair:{h.peers[_rotation(h) % len(h.peers)]}" if h.peers else "fix:lonewolf:0"
    return Finding("lonewolf", "nudge.evidence.lonewolf", {"count": len(weeks)}, step)


def neglected_soft_skills(h: History, v: Vocab) -> Finding | None:
    """Mid level and up: a month with no writing, presenting or mentoring."""
    if h.level not in SOFT_LEVELS or not h.checkins:
        return None
    if (h.today - min(e.day for e in h.checkins)).days < SOFT_DAYS:
        return None  # not a month of history yet
    recent = h.since(SOFT_DAYS)
    if len(recent) < SOFT_MIN_CHECKINS:
        return None
    if any("shared" in e.activities or v.mentions("soft_skills", e.note) for e in recent):
        return None
    if any(m.metric in SOFT_METRICS for m in h.metrics_since(SOFT_DAYS)):
        return None
    return Finding(
        "softskills",
        "nudge.evidence.softskills",
        {"level": h.level, "days": SOFT_DAYS},
        f"post:{h.level}:{_rotation(h)}",
    )


def information_overload(h: History, v: Vocab) -> Finding | None:
    """Too many sources, or daily reading far over the 15-minute routine."""
    if h.own_sources > OVERLOAD_SOURCES:
        return Finding(
            "overload",
            "nudge.evidence.overload_sources",
            {"count": h.own_sources, "max": OVERLOAD_SOURCES},
            "fix:overload:0",
        )
    # Minutes of days spent only taking information in: an hour of building is not
    # overload, an hour of reading feeds is.
    timed = [
        e.minutes
        for e in h.since(OVERLOAD_DAYS)
        if e.cadence == "daily" and e.minutes is not None and e.activities <= CONSUMING
    ]
    if len(timed) < OVERLOAD_MIN_DAYS:
        return None
    average = sum(timed) / len(timed)
    if average <= OVERLOAD_MINUTES:
        return None
    return Finding(
        "overload",
        "nudge.evidence.overload_minutes",
        {"minutes": round(average), "count": len(timed)},
        "fix:overload:3",
    )


def technology_chasing(h: History, v: Vocab) -> Finding | None:
    """Many tools named for the first time in the last two weeks, across several notes."""
    recent = [e for e in h.since(CHASING_DAYS) if e.note]
    window_start = h.today - timedelta(days=CHASING_DAYS - 1)
    before_start = window_start - timedelta(days=CHASING_BEFORE_DAYS)
    known: set[str] = set()
    for e in h.checkins:
        if before_start <= e.day < window_start:
            known |= v.find("tools", e.note)
    new: Counter[str] = Counter()
    notes_with_new = 0
    for e in recent:
        fresh = v.find("tools", e.note) - known
        if fresh:
            notes_with_new += 1
            new.update(fresh)
    if len(new) < CHASING_MIN_TOOLS or notes_with_new < CHASING_MIN_NOTES:
        return None
    tools = sorted(new)
    return Finding(
        "chasing",
        "nudge.evidence.chasing",
        {"count": len(tools), "days": CHASING_DAYS, "tools": ", ".join(tools[:6])},
        "fix:chasing:2",
    )


def weak_evaluation(h: History, v: Vocab) -> Finding | None:
    """Notes report scores; none mentions a baseline, a held-out set or criteria."""
    recent = h.since(WEAKEVAL_DAYS)
    scored = [e for e in recent if v.mentions("results", e.note)]
    if len(scored) < WEAKEVAL_MIN_NOTES:
        return None
    if any(v.mentions("baseline", e.note) for e in recent):
        return None
    words = sorted({w for e in scored for w in v.find("results", e.note)})
    return Finding(
        "weakeval",
        "nudge.evidence.weakeval",
        {"count": len(scored), "words": ", ".join(words[:3])},
        "fix:weakeval:0",
    )


def opaque_work(h: History, v: Vocab) -> Finding | None:
    """Notes about training and experiments; nothing written down about them."""
    recent = h.since(OPAQUE_DAYS)
    modelling = [e for e in recent if v.mentions("modelling", e.note)]
    if len(modelling) < OPAQUE_MIN_NOTES:
        return None
    if any(v.mentions("documenting", e.note) or "shared" in e.activities for e in recent):
        return None
    if any(m.metric in ("design_docs", "blog_posts") for m in h.metrics_since(OPAQUE_DAYS)):
        return None
    return Finding(
        "opaque",
        "nudge.evidence.opaque",
        {"count": len(modelling), "days": OPAQUE_DAYS},
        "fix:opaque:1",
    )


#: In priority order: when several fire, the first that may be sent is.
RULES: tuple[Rule, ...] = (
    tutorial_hell,
    no_deployment,
    imposter_syndrome,
    lone_wolf,
    neglected_soft_skills,
    information_overload,
    technology_chasing,
    weak_evaluation,
    opaque_work,
)

#: The pitfalls a rule can name (keys of pitfalls.yaml).
NUDGED = (
    "tutorial",
    "nodeploy",
    "imposter",
    "lonewolf",
    "softskills",
    "overload",
    "chasing",
    "weakeval",
    "opaque",
)


def evaluate(history: History, vocab: Vocab) -> list[Finding]:
    """Every finding for this history, in priority order."""
    return [f for rule in RULES if (f := rule(history, vocab)) is not None]


def choose(
    findings: Sequence[Finding],
    *,
    now: datetime,
    muted: Iterable[str] = (),
    last_fired: Mapping[str, datetime] | None = None,
) -> Finding | None:
    """The one finding to send now, if any.

    A muted pitfall never; one nudged less than ``REPEAT_DAYS`` ago not again; nothing at
    all when any nudge went out less than ``MIN_GAP`` ago.
    """
    last_fired = last_fired or {}
    if last_fired and now - max(last_fired.values()) < MIN_GAP:
        return None
    silenced = set(muted)
    for finding in findings:
        if finding.pitfall in silenced:
            continue
        previous = last_fired.get(finding.pitfall)
        if previous is not None and now - previous < timedelta(days=REPEAT_DAYS):
            continue
        return finding
    return None
