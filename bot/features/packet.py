"""``/mentor packet [LEVEL]``: a promotion evidence packet, as a Markdown document.

A promotion conversation goes better with evidence than with memory. The packet takes
the criteria of the target level from the content (its scope, each skill, and what
separates it from the level below) and, for each, lists the member's own evidence:
check-in notes, logged metrics, goals and how they ended, monthly reviews, self-assessment
answers, if-then plans and their outcomes. Criteria with no evidence yet are named, each
with a next step taken from the level's content. Everything is read by the member's id
only, so nothing in it is another member's.

Matching evidence to a criterion is deliberately simple and explainable (``docs/growth.md``):
the two share a theme from the vocabulary the pitfall rules use (deploying, results,
baselines, modelling, documenting, soft skills), two content words, or one long one; words are
folded (case, Vietnamese diacritics), so a note in either language can match.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from bot import text
from bot.context import Ctx
from bot.errors import BadInput, Usage
from bot.features import plans as plan_feature
from bot.features.common import LEVEL_ALIASES, LEVEL_CHOICES, LEVELS, resolve
from bot.features.metrics import METRICS, show
from bot.features.nudges import vocab
from bot.grammar import Arg
from bot.mentoring import local_date, zone
from bot.nudges import Vocab
from bot.reply import Reply
from bot.router import Router
from storage import mentoring as db
from storage import plans as db_plans

router = Router()

#: Vocabulary groups that name a theme a criterion and a piece of evidence can share.
THEMES: tuple[str, ...] = (
    "deploy",
    "results",
    "baseline",
    "modelling",
    "documenting",
    "soft_skills",
)
#: Metrics that speak to a theme even when their note says nothing.
METRIC_THEMES: dict[str, frozenset[str]] = {
    "projects_shipped": frozenset({"deploy", "results"}),
    "users_impacted": frozenset({"deploy", "results"}),
    "cost_saved": frozenset({"results"}),
    "performance_improved": frozenset({"results"}),
    "people_mentored": frozenset({"soft_skills"}),
    "presentations": frozenset({"soft_skills"}),
    "design_docs": frozenset({"documenting", "soft_skills"}),
    "blog_posts": frozenset({"documenting", "soft_skills"}),
    "papers_read": frozenset({"modelling"}),
}
#: Evidence listed per criterion, the strongest first.
PER_CRITERION = 4
#: Evidence that matched no criterion, listed at the end.
OTHER_SHOWN = 12
MIN_WORD = 4
#: One shared word this long (``architecture``, ``monitoring``) is enough on its own.
LONG_WORD = 7
STOPWORDS = frozenset(
    """
    about after again also always another because been before being between both could
    does doing done each even every from have having into just like made make many more
    most much need only other over same should some such than that their them then there
    these they this those through very want well were what when where which while will
    with without work would your yours
    engineer level senior junior intern staff people thing things
    """.split()
)
#: Vietnamese syllables too common to make a pair of words mean anything.
VI_COMMON = frozenset(
    "cua ban minh cac nhung mot duoc khong cho voi va la co nay khi de trong nguoi lam viec "
    "hay cung nhu thi se da dang ve tu ra vao len".split()
)


def fold(raw: str) -> str:
    return plan_feature.fold(raw)


def stem(word: str) -> str:
    """``reviews`` and ``review``, ``leading`` and ``lead``: one crude English stem, enough
    for a criterion and a note to meet."""
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_WORD:
            return word[: -len(suffix)]
    return word


def words_of(raw: str) -> frozenset[str]:
    """Content words (four letters or more, stemmed) and pairs of neighbouring words
    (most Vietnamese words are two syllables: ``trien khai``), folded."""
    tokens = re.findall(r"\w+", fold(raw))
    single = {
        stem(t) for t in tokens if len(t) >= MIN_WORD and t not in STOPWORDS and not t.isdigit()
    }
    pairs = {
        f"{a} {b}"
        for a, b in itertools.pairwise(tokens)
        if a.isalpha() and b.isalpha() and not ({a, b} & (VI_COMMON | STOPWORDS))
    }
    return frozenset(single | pairs)


def themes_of(words: Vocab, raw: str) -> frozenset[str]:
    return frozenset(group for group in THEMES if words.mentions(group, raw))


@dataclass(frozen=True, slots=True)
class Criterion:
    part: str  # scope, skill, versus
    text: str
    words: frozenset[str]
    themes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: str  # checkin, metric, goal, review, assessment, plan
    day: date
    line: str
    words: frozenset[str]
    themes: frozenset[str]


def score(criterion: Criterion, evidence: Evidence) -> int:
    """How strongly a piece of evidence speaks to a criterion; 0 when it does not."""
    shared = criterion.words & evidence.words
    shared_themes = len(criterion.themes & evidence.themes)
    long_word = any(len(w) >= LONG_WORD for w in shared)
    if shared_themes == 0 and len(shared) < 2 and not long_word:
        return 0
    return 3 * shared_themes + len(shared)


def match(
    criteria: Sequence[Criterion], evidence: Sequence[Evidence]
) -> tuple[list[list[Evidence]], list[Evidence]]:
    """(the evidence of each criterion, strongest and then newest first; the evidence
    that matched none). A piece of evidence may support several criteria."""
    found: list[list[Evidence]] = []
    used: set[int] = set()
    for criterion in criteria:
        scored = [(score(criterion, e), i, e) for i, e in enumerate(evidence)]
        kept = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], -s[2].day.toordinal()))
        used.update(i for _, i, _ in kept)
        found.append([e for _, _, e in kept[:PER_CRITERION]])
    rest = [e for i, e in enumerate(evidence) if i not in used]
    rest.sort(key=lambda e: e.day, reverse=True)
    return found, rest


def criteria_of(ctx: Ctx, level: str, words: Vocab) -> list[Criterion]:
    """Scope, each skill, and what separates the level from the one below (its opening
    paragraph and each of its bullets)."""
    item = ctx.pack.levels.levels[level]
    parts: list[tuple[str, str]] = [("scope", item.scope)]
    parts += [("skill", skill) for skill in item.skills]
    paragraph: list[str] = []
    bullets: list[str] = []
    for line in item.versus_below.splitlines():
        stripped = line.strip()
        if stripped.startswith("- "):
            bullets.append(stripped[2:])
        elif stripped:
            paragraph.append(stripped)
    if paragraph:
        parts.append(("versus", " ".join(paragraph)))
    parts += [("versus", bullet) for bullet in bullets]
    return [Criterion(part, raw, words_of(raw), themes_of(words, raw)) for part, raw in parts]


def one_line(raw: str | None) -> str:
    return " ".join(text.clean(raw or "", limit=1000).split())


async def gather(ctx: Ctx, words: Vocab) -> list[Evidence]:
    """The member's own evidence, every query scoped by ``member_id``."""
    member_id = ctx.member.id
    tz = zone(ctx.member.timezone)
    store = ctx.store
    found: list[Evidence] = []

    def add(kind: str, day: date, line: str, about: str, extra: Iterable[str] = ()) -> None:
        found.append(
            Evidence(kind, day, line, words_of(about), themes_of(words, about) | set(extra))
        )

    checkins, metrics, assessments = await db.evidence_of(store, member_id)
    for row in checkins:
        note = one_line(row.note)
        if not note:
            continue
        did = ", ".join(ctx.t(f"checkin.activity_short.{a}") for a in row.activities or [])
        day = row.answered_at.astimezone(tz).date()
        label = ctx.t("packet.evidence.checkin", cadence=ctx.t(f"cadence.{row.cadence}"), did=did)
        add("checkin", day, f"{day} · {label}: {note}", note)
    for entry in metrics:
        metric = METRICS.get(entry.metric)
        if metric is None:
            continue
        value = show(entry.value, entry.unit, metric.kind, ctx.lang)
        name = ctx.t(f"metrics.name.{entry.metric}")
        note = one_line(entry.note)
        day = entry.created_at.astimezone(tz).date()
        line = f"{day} · {ctx.t('packet.evidence.metric')}: {name} {value}"
        add(
            "metric",
            day,
            f"{line} ({note})" if note else line,
            f"{name} {note}",
            METRIC_THEMES.get(entry.metric, ()),
        )
    for goal in await db.goals_of(store, member_id):
        parts = [goal.goal, goal.plan or "", goal.metric or ""]
        status = ctx.t(f"goals.status.{goal.status}")
        details = " · ".join(one_line(p) for p in parts if p)
        area = ctx.t(f"goals.area.{goal.area}")
        day = goal.created_at.astimezone(tz).date()
        line = f"{goal.quarter} · {ctx.t('packet.evidence.goal', area=area)}: {details} ({status})"
        add("goal", day, line, " ".join(parts))
    for review in await db.reviews_of(store, member_id):
        worked, adjust = one_line(review.worked), one_line(review.adjust)
        line = (
            f"{review.period} · {ctx.t('packet.evidence.review')}: "
            f"{ctx.t('review.short.worked')} {worked} {ctx.t('review.short.adjust')} {adjust}"
        )
        add("review", review.created_at.astimezone(tz).date(), line, f"{worked} {adjust}")
    for assessment in assessments:
        item = ctx.pack.assess.assess.get(assessment.level)
        if item is None or assessment.completed_at is None:
            continue
        day = assessment.completed_at.astimezone(tz).date()
        level_name = ctx.pack.levels.levels[assessment.level].name
        for question, answer in zip(item.questions, assessment.answers or [], strict=False):
            if answer not in ("yes", "partly"):
                continue
            said = ctx.t(f"assess.answer.{answer}")
            label = ctx.t("packet.evidence.assessment", level=level_name)
            add("assessment", day, f"{day} · {label}: {question} {said}", question)
    for plan in await db_plans.plans_of(store, member_id):
        day = plan.created_at.astimezone(tz).date()
        line = plan_feature.plan_entry(ctx.pack, plan)
        add(
            "plan",
            day,
            f"{day} · {ctx.t('packet.evidence.plan')}: {line}",
            plan.cue + " " + plan.action + " " + (plan.about or ""),
        )
    return found


def next_steps(ctx: Ctx, level: str, criteria: Sequence[Criterion]) -> list[str]:
    """One suggestion per criterion from the level's own content (its projects, post
    ideas, the assessment's "work on" lines and its next step): the one sharing most
    words, a different one for each criterion where the content allows."""
    item = ctx.pack.levels.levels[level]
    below = LEVELS[max(LEVELS.index(level) - 1, 0)]
    assess = ctx.pack.assess.assess.get(below)
    pool = [
        *(ctx.t("packet.step.project", idea=p) for p in item.projects),
        *(ctx.t("packet.step.post", idea=b) for b in item.blog_ideas),
        *(assess.work_on if assess is not None else []),
        item.next_step,
    ]
    pool_words = [words_of(p) for p in pool]
    used: set[int] = set()
    steps = []
    for n, criterion in enumerate(criteria):
        ranked = sorted(
            range(len(pool)),
            key=lambda i: (i in used, -len(criterion.words & pool_words[i]), (i - n) % len(pool)),
        )
        choice = ranked[0]
        used.add(choice)
        steps.append(pool[choice])
    return steps


def target_level(ctx: Ctx, args: Sequence[str]) -> str:
    if len(args) > 1:
        raise BadInput("error.usage", usage_line=Usage("packet"))
    if args:
        return resolve(args[0], LEVEL_ALIASES, usage=Usage("packet"), kind="level")
    current = ctx.member.level
    if current not in LEVELS:
        raise BadInput("packet.no_level")
    return LEVELS[min(LEVELS.index(current) + 1, len(LEVELS) - 1)]


def render_markdown(
    ctx: Ctx,
    level: str,
    criteria: Sequence[Criterion],
    found: Sequence[Sequence[Evidence]],
    rest: Sequence[Evidence],
    steps: Sequence[str],
    evidence: Sequence[Evidence],
    today: date,
) -> str:
    pack = ctx.pack
    item = pack.levels.levels[level]
    below = LEVELS[max(LEVELS.index(level) - 1, 0)]
    current = pack.levels.levels[ctx.member.level].name if ctx.member.level in LEVELS else "–"
    track = pack.tracks.tracks.get(ctx.member.track or "")
    covered = sum(1 for f in found if f)
    counts = {k: sum(1 for e in evidence if e.kind == k) for k in KINDS}
    missing = len(criteria) - covered
    summary = ctx.t("packet.summary", covered=covered, count=len(criteria), missing=missing)
    out = [
        f"# {ctx.t('packet.title', level=item.name)}",
        "",
        ctx.t(
            "packet.header",
            name=ctx.member.display_name or ctx.actor.user,
            current=current,
            track=track.name if track is not None else "–",
            date=today.isoformat(),
        ),
        "",
        f"_{ctx.t('packet.about')}_",
        "",
        f"## {ctx.t('packet.summary_title')}",
        "",
        f"- {summary}",
        f"- {ctx.t('packet.sources', **counts)}",
        "",
    ]
    headings = {
        "scope": ctx.t("packet.part.scope"),
        "skill": ctx.t("packet.part.skill"),
        "versus": ctx.t(
            "packet.part.versus", level=item.name, below=pack.levels.levels[below].name
        ),
    }
    part = ""
    for n, (criterion, items) in enumerate(zip(criteria, found, strict=True), start=1):
        if criterion.part != part:
            part = criterion.part
            out += [f"## {headings[part]}", ""]
        out += [f"### {n}. {one_line(criterion.text)}", ""]
        if items:
            out += [f"- {e.line}" for e in items]
        else:
            out.append(f"- **{ctx.t('packet.none')}** {ctx.t('packet.next')} {steps[n - 1]}")
        out.append("")
    out += [f"## {ctx.t('packet.other_title')}", ""]
    if rest:
        out += [f"- {e.line}" for e in rest[:OTHER_SHOWN]]
    else:
        out.append(f"- {ctx.t('packet.other_none')}")
    out.append("")
    gaps = [(n, c) for n, (c, f) in enumerate(zip(criteria, found, strict=True), start=1) if not f]
    out += [f"## {ctx.t('packet.gaps_title')}", ""]
    if gaps:
        out += [f"{n}. {one_line(c.text)}\n   → {steps[n - 1]}" for n, c in gaps]
        out += ["", ctx.t("packet.gaps_hint")]
    else:
        out.append(ctx.t("packet.gaps_none"))
    out.append("")
    return "\n".join(out)


KINDS: tuple[str, ...] = ("checkin", "metric", "goal", "review", "assessment", "plan")


@router.command(
    "packet",
    aliases=("promotion", "thang-cap", "thăng-cấp"),
    args=(Arg("level", "choice", choices=LEVEL_CHOICES),),
)
async def packet_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    level = target_level(ctx, args)
    words = vocab(ctx.services)
    criteria = criteria_of(ctx, level, words)
    evidence = await gather(ctx, words)
    found, rest = match(criteria, evidence)
    steps = next_steps(ctx, level, criteria)
    today = local_date(ctx.now, ctx.member.timezone)
    document = render_markdown(ctx, level, criteria, found, rest, steps, evidence, today)
    covered = sum(1 for f in found if f)
    name = ctx.pack.levels.levels[level].name
    return [
        Reply(
            title=ctx.t("packet.reply_title", level=name),
            text=ctx.t(
                "packet.reply",
                covered=covered,
                count=len(criteria),
                missing=len(criteria) - covered,
            ),
            document=document,
            document_name=f"mentorbot-packet-{level}-{today.isoformat()}.md",
        )
    ]
