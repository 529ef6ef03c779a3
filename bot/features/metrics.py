"""``/mentor log METRIC N [note]``: the career metrics of the seeds, counted per quarter.

Technical impact (projects shipped, users impacted, cost saved, performance improved),
leadership (people mentored, presentations, design docs), learning (new skills,
certifications, papers read) and visibility (blog posts, GitHub stars, followers). Each
metric has aliases in both languages and a kind that decides how a number is read and
how a quarter adds up:

- ``count``: entries add up (``papers 3``, ``users 1.5m``); a negative entry corrects an
  earlier one, and is refused when it would take the quarter below zero;
- ``money``: add up per currency (``cost 2k``, ``cost $2k``, ``cost 50tr vnd``);
- ``change``: each entry is one improvement, shown with its number (``latency -40%``,
  ``throughput 2x``, ``p95 120ms``);
- ``total``: the latest value is the standing (``stars 120``, ``followers 350``).

Check-ins feed the metrics they imply: a "read a paper or post" answer is a paper read,
"shared or wrote" a post written (:func:`derive`). ``/mentor stats`` shows this quarter
against the last.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot import charts, text
from bot.content import Pack
from bot.context import Ctx
from bot.errors import BadInput, Usage
from bot.grammar import Arg, Labels, best_matches
from bot.mentoring import local_date, quarter_of, shift_quarter
from bot.periods import period_of, period_start, week_key
from bot.prompts import WEEKDAYS
from bot.reply import Reply, Section
from bot.router import Router
from storage import mentoring as db
from storage.models import CheckIn, MetricEntry
from storage.repo import Store

router = Router()


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    kind: str  # count, money, change, total
    group: str  # technical, leadership, learning, visibility
    aliases: tuple[str, ...]


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            "projects_shipped",
            "count",
            "technical",
            ("projects", "project", "shipped", "ship", "projects-shipped", "du-an", "dự-án"),
        ),
        Metric(
            "users_impacted",
            "count",
            "technical",
            ("users", "user", "users-impacted", "impact", "nguoi-dung", "người-dùng"),
        ),
        Metric(
            "cost_saved",
            "money",
            "technical",
            ("cost", "costs", "saved", "savings", "cost-saved", "chi-phi", "chi-phí", "tiet-kiem"),
        ),
        Metric(
            "performance_improved",
            "change",
            "technical",
            (
                "performance",
                "perf",
                "latency",
                "throughput",
                "speed",
                "speedup",
                "qps",
                "p95",
                "p99",
                "hieu-nang",
                "hiệu-năng",
                "toc-do",
                "tốc-độ",
                "do-tre",
                "độ-trễ",
            ),
        ),
        Metric(
            "people_mentored",
            "count",
            "leadership",
            ("mentored", "mentees", "mentee", "mentoring", "people-mentored", "kem-cap", "kèm-cặp"),
        ),
        Metric(
            "presentations",
            "count",
            "leadership",
            ("presentation", "talks", "talk", "presented", "thuyet-trinh", "thuyết-trình"),
        ),
        Metric(
            "design_docs",
            "count",
            "leadership",
            ("docs", "doc", "design-doc", "design-docs", "rfc", "rfcs", "tai-lieu", "tài-liệu"),
        ),
        Metric(
            "papers_read",
            "count",
            "learning",
            ("papers", "paper", "read", "papers-read", "bai-bao", "bài-báo"),
        ),
        Metric(
            "new_skills",
            "count",
            "learning",
            ("skills", "skill", "new-skills", "new-skill", "ky-nang", "kỹ-năng"),
        ),
        Metric(
            "certifications",
            "count",
            "learning",
            ("certs", "cert", "certification", "certificates", "chung-chi", "chứng-chỉ"),
        ),
        Metric(
            "blog_posts",
            "count",
            "visibility",
            ("posts", "post", "blog", "blogs", "articles", "blog-posts", "bai-viet", "bài-viết"),
        ),
        Metric(
            "github_stars",
            "total",
            "visibility",
            ("stars", "star", "github", "github-stars", "sao"),
        ),
        Metric(
            "followers",
            "total",
            "visibility",
            ("follower", "followers", "fans", "nguoi-theo-doi", "người-theo-dõi"),
        ),
    )
}
GROUPS = ("technical", "leadership", "learning", "visibility")
ALIASES: dict[str, str] = {
    **{key: key for key in METRICS},
    **{key.replace("_", "-"): key for key in METRICS},
    **{alias: m.key for m in METRICS.values() for alias in m.aliases},
}
#: What a check-in activity implies (see ``derive``).
IMPLIED: Mapping[str, str] = {"read": "papers_read", "shared": "blog_posts"}

MAX_VALUE = 1e12
MAX_NOTE_CHARS = 300
MULTIPLIERS: Mapping[str, float] = {
    "k": 1e3,
    "nghìn": 1e3,
    "ngàn": 1e3,
    "m": 1e6,
    "tr": 1e6,
    "triệu": 1e6,
    "b": 1e9,
    "tỷ": 1e9,
    "ty": 1e9,
}
CURRENCIES: Mapping[str, str] = {
    "$": "usd",
    "usd": "usd",
    "€": "eur",
    "eur": "eur",
    "đ": "vnd",
    "₫": "vnd",
    "vnd": "vnd",
    "vnđ": "vnd",
}
CHANGE_UNITS: Mapping[str, str] = {"%": "%", "x": "x", "ms": "ms", "s": "s"}
UNITS_BY_KIND: Mapping[str, Mapping[str, str]] = {
    "count": {},
    "total": {},
    "money": CURRENCIES,
    "change": CHANGE_UNITS,
}
_NUMBER = re.compile(r"([+-]?)([$€₫đ]?)(\d+(?:[.,]\d+)*)(.*)", re.IGNORECASE)


class MetricValueError(ValueError):
    """A number the member typed could not be read; ``key`` is the ui message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _number(digits: str) -> float:
    """``1.5`` and ``1,5`` are one and a half (English and Vietnamese decimals); one
    separator followed by exactly three digits groups thousands (``1,500``, ``1.500``),
    and so do several (``1.500.000``); ``0.125`` stays a fraction."""
    groups = re.split(r"[.,]", digits)
    if len(groups) == 1:
        return float(digits)
    grouped = all(len(g) == 3 for g in groups[1:]) and groups[0].lstrip("0") != ""
    if len(groups) > 2 or grouped:
        if not grouped:
            raise MetricValueError("metrics.bad_number")
        return float("".join(groups))
    return float(digits.replace(",", "."))


def parse_value(kind: str, raw: str, unit_word: str | None = None) -> tuple[float, str]:
    """(value, unit) from what the member typed for a metric of ``kind``.

    ``unit_word`` is an optional separate token after the number (``2 k``, ``40 %``).
    Raises ``MetricValueError`` with the ui key of the problem.
    """
    token = (raw + (unit_word or "")).strip().lower().replace(" ", "")
    match = _NUMBER.fullmatch(token)
    if match is None:
        raise MetricValueError("metrics.bad_number")
    sign, prefix, digits, suffix = match.groups()
    value = _number(digits) * (-1 if sign == "-" else 1)
    units = UNITS_BY_KIND[kind]
    unit = ""
    if prefix:
        if prefix not in units:
            raise MetricValueError(f"metrics.no_unit.{kind}")
        unit = units[prefix]
    if suffix:
        rest = suffix
        if rest not in units:
            for word in sorted(MULTIPLIERS, key=len, reverse=True):
                if rest.startswith(word) and (rest[len(word) :] in units or not rest[len(word) :]):
                    value *= MULTIPLIERS[word]
                    rest = rest[len(word) :]
                    break
        if rest:
            if rest not in units:
                raise MetricValueError(f"metrics.no_unit.{kind}")
            unit = units[rest]
    if kind == "change" and not unit:
        unit = "%"
    if kind == "total" and value < 0:
        raise MetricValueError("metrics.negative_total")
    if not math.isfinite(value) or abs(value) > MAX_VALUE:
        raise MetricValueError("metrics.bad_number")
    return value, unit


def resolve_metric(ctx: Ctx, words: Sequence[str]) -> tuple[str, int, str]:
    """(metric key, words used, the word as typed) for the start of ``words``; two words
    first, so ``projects shipped 2`` and ``design docs 1`` read naturally."""
    if len(words) >= 2:
        joined = f"{words[0]}-{words[1]}".lower()
        if joined in ALIASES:
            return ALIASES[joined], 2, joined
    word = words[0].lower().strip(".,:")
    if word in ALIASES:
        return ALIASES[word], 1, word
    suggestion = text.nearest(word, ALIASES)
    if suggestion:
        raise BadInput(
            "metrics.unknown_suggest",
            word=text.echo(word),
            suggestion=suggestion,
            names=", ".join(METRICS),
        )
    raise BadInput("metrics.unknown", word=text.echo(word), names=", ".join(METRICS))


def fmt(value: float, lang: str) -> str:
    """A number as members read it: grouped thousands, at most two decimals."""
    shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")
    if lang == "vi":  # 1.500,5 in Vietnamese
        shown = shown.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return shown


def show(value: float, unit: str, kind: str, lang: str) -> str:
    number = fmt(value, lang)
    if kind == "change" and value > 0 and unit != "x":
        number = f"+{number}"
    if unit == "usd":
        return f"${number}" if value >= 0 else f"-${number[1:]}"
    if unit in ("%", "x", "ms", "s"):
        return f"{number}{unit}"
    return f"{number} {unit.upper()}" if unit else number


# -- check-ins feed the metrics -----------------------------------------------------------


def derive(checkins: Iterable[CheckIn]) -> list[db.Derived]:
    """The entries a member's check-ins imply, each counted once.

    A daily "read" is a paper read; a weekly one counts only when no daily answer of that
    week said "read" (the week's answer then sums up what the days did not), and a
    monthly one only when nothing finer in that month did. Likewise for "shared".
    """
    rows = list(checkins)
    out: list[db.Derived] = []
    for activity, metric in IMPLIED.items():
        days: set[str] = set()
        weeks: set[str] = set()
        months: set[str] = set()
        for row in rows:
            if activity in (row.activities or []) and row.cadence == "daily":
                day = period_start("daily", row.period_key)
                days.add(row.period_key)
                weeks.add(week_key(day))
                months.add(row.period_key[:7])
        for row in rows:
            if activity not in (row.activities or []):
                continue
            try:
                start = period_start(row.cadence, row.period_key)
            except ValueError:
                continue
            if row.cadence == "weekly":
                if row.period_key in weeks:
                    continue
                months.add(period_of("monthly", start))
            if row.cadence == "monthly" and row.period_key in months:
                continue
            out.append(
                db.Derived(
                    member_id=row.member_id,
                    metric=metric,
                    source_key=f"{row.cadence}:{row.period_key}",
                    quarter=quarter_of(start),
                    created_at=row.answered_at,
                )
            )
    return out


def derive_all(checkins: Iterable[CheckIn]) -> list[db.Derived]:
    """``derive`` over several members' check-ins at once."""
    by_member: dict[int, list[CheckIn]] = defaultdict(list)
    for row in checkins:
        by_member[row.member_id].append(row)
    return [d for rows in by_member.values() for d in derive(rows)]


async def sync(store: Store, member_ids: Iterable[int]) -> None:
    """Bring the check-in-implied entries of these members up to date."""
    await db.sync_derived_metrics(store, list(member_ids), derive_all)


# -- totals -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Total:
    """One metric over a period: ``value`` per unit (count/money), the improvements
    (change), or the latest standing (total)."""

    metric: str
    by_unit: Mapping[str, float]
    entries: int
    latest: MetricEntry | None
    #: change metrics: (value, unit, what improved) of each entry, oldest first.
    changes: tuple[tuple[float, str, str], ...] = ()

    def text(self, lang: str) -> str:
        kind = METRICS[self.metric].kind
        if kind == "total" and self.latest is not None:
            return fmt(self.latest.value, lang)
        if kind == "change":
            shown = [f"{what} {show(v, u, kind, lang)}".strip() for v, u, what in self.changes[-3:]]
            return f"{self.entries} ({', '.join(shown)})" if shown else str(self.entries)
        return " + ".join(show(v, u, kind, lang) for u, v in sorted(self.by_unit.items()))

    @property
    def amount(self) -> float:
        """One number for charts and comparisons."""
        kind = METRICS[self.metric].kind
        if kind == "total":
            return self.latest.value if self.latest is not None else 0.0
        if kind == "change":
            return float(self.entries)
        return sum(self.by_unit.values())


def totals(entries: Iterable[MetricEntry]) -> dict[str, Total]:
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[str, int] = defaultdict(int)
    latest: dict[str, MetricEntry] = {}
    changes: dict[str, list[tuple[float, str, str]]] = defaultdict(list)
    for e in entries:
        if e.metric not in METRICS:
            continue
        sums[e.metric][e.unit or ""] += e.value
        counts[e.metric] += 1
        if METRICS[e.metric].kind == "change":
            what = (e.note or "").split(":", 1)[0] if e.note and ":" in e.note else ""
            changes[e.metric].append((e.value, e.unit, what or (e.note or "")[:20]))
        if e.metric not in latest or (e.created_at, e.id or 0) >= (
            latest[e.metric].created_at,
            latest[e.metric].id or 0,
        ):
            latest[e.metric] = e
    return {
        m: Total(m, dict(sums[m]), counts[m], latest.get(m), tuple(changes[m]))
        for m in METRICS
        if m in counts
    }


def current_quarter(ctx: Ctx) -> str:
    return quarter_of(local_date(ctx.now, ctx.member.timezone))


async def quarter_totals(ctx: Ctx, quarter: str) -> dict[str, Total]:
    entries = await db.metric_entries(ctx.store, [ctx.member.id], quarters=[quarter])
    return totals(entries)


async def stats_section(ctx: Ctx) -> Section:
    """This quarter against the last, for ``/mentor stats``."""
    await sync(ctx.store, [ctx.member.id])
    this = current_quarter(ctx)
    last = shift_quarter(this, -1)
    now_totals = await quarter_totals(ctx, this)
    then_totals = await quarter_totals(ctx, last)
    title = ctx.t("metrics.stats_title", quarter=this, last=last)
    if not now_totals and not then_totals:
        return Section(title=title, text=ctx.t("metrics.stats_empty"))
    lines = []
    for key in METRICS:
        if key not in now_totals and key not in then_totals:
            continue
        now_t, then_t = now_totals.get(key), then_totals.get(key)
        now_text = now_t.text(ctx.lang) if now_t else "0"
        then_text = then_t.text(ctx.lang) if then_t else "0"
        a, b = (now_t.amount if now_t else 0.0), (then_t.amount if then_t else 0.0)
        arrow = "↑" if a > b else "↓" if a < b else "="
        lines.append(
            ctx.t(
                "metrics.stats_line",
                metric=ctx.t(f"metrics.name.{key}"),
                now=now_text,
                last=then_text,
                arrow=arrow,
            )
        )
    return Section(title=title, text=text.bullets(lines))


# -- the command --------------------------------------------------------------------------


def catalogue(ctx: Ctx) -> Reply:
    sections = []
    for group in GROUPS:
        lines = [
            f"{ctx.t(f'metrics.name.{m.key}')}: "
            + ", ".join(f"`{a}`" for a in (m.key.replace("_", "-"), *m.aliases[:3]))
            for m in METRICS.values()
            if m.group == group
        ]
        sections.append(Section(title=ctx.t(f"metrics.group.{group}"), text="\n".join(lines)))
    return Reply(
        title=ctx.t("metrics.title"),
        text=ctx.t("metrics.intro"),
        sections=(*sections, Section(text=ctx.t("metrics.examples"))),
    )


def suggest_metrics(pack: Pack, typed: str, given: Mapping[str, str]) -> Labels:
    """Metrics matching what was typed, by key, alias or name in the member's language
    (``pap`` → papers read): the ``metric`` argument's suggestions."""
    names = {key: pack.t(f"metrics.name.{key}") for key in METRICS}
    words = {
        **{key.replace("_", " "): key for key in METRICS},
        **{alias: m.key for m in METRICS.values() for alias in m.aliases},
        **{name: key for key, name in names.items()},
    }
    found = dict.fromkeys(words[w] for w in best_matches(typed, list(words), limit=100))
    return [(key, names[key]) for key in found]


@router.command(
    "log",
    aliases=("metric", "metrics", "ghi"),
    args=(
        Arg("metric", suggest=suggest_metrics, required=True),
        Arg("value", required=True, placeholder="arg.number.placeholder"),
        Arg("note"),
    ),
)
async def log_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    if not args:
        return [catalogue(ctx)]
    key, used, typed = resolve_metric(ctx, args)
    rest = list(args[used:])
    if not rest:
        raise BadInput("error.usage", usage_line=Usage("log"))
    metric = METRICS[key]
    unit_word = None
    if len(rest) > 1 and rest[1].lower() in {*MULTIPLIERS, *UNITS_BY_KIND[metric.kind]}:
        unit_word = rest.pop(1)
    try:
        value, unit = parse_value(metric.kind, rest[0], unit_word)
    except MetricValueError as exc:
        raise BadInput(exc.key, word=text.echo(rest[0]), usage=Usage("log")) from None
    note = text.clean(" ".join(rest[1:]), limit=MAX_NOTE_CHARS) or None
    if metric.kind == "change" and typed not in (key, key.replace("_", "-")):
        # "latency -40%": keep what improved, since the metric itself is generic.
        note = f"{typed}: {note}" if note else typed
    quarter = current_quarter(ctx)
    corrects = metric.kind in ("count", "money") and value < 0
    if corrects:
        # A negative count or sum corrects an earlier entry; it is not an achievement,
        # and a quarter cannot go below zero (users -5 with nothing logged is a typo).
        so_far = (await quarter_totals(ctx, quarter)).get(key)
        have = so_far.by_unit.get(unit, 0.0) if so_far else 0.0
        if have + value < 0:
            raise BadInput(
                "metrics.correction_too_big",
                word=text.echo(rest[0]),
                metric=ctx.t(f"metrics.name.{key}"),
                quarter=quarter,
                have=so_far.text(ctx.lang) if so_far else "0",
            )
    await db.add_metric(
        ctx.store,
        ctx.member.id,
        metric=key,
        value=value,
        unit=unit,
        note=note,
        quarter=quarter,
        now=ctx.now,
    )
    total = (await quarter_totals(ctx, quarter))[key]
    logged = show(value, unit, metric.kind, ctx.lang)
    return [
        Reply(
            text=ctx.t(
                "metrics.corrected" if corrects else "metrics.logged",
                metric=ctx.t(f"metrics.name.{key}"),
                value=logged,
                quarter=quarter,
                total=total.text(ctx.lang),
            )
        )
    ]


# -- the check-in calendar of /mentor stats -------------------------------------------------

CALENDAR_WEEKS = 12


def calendar_levels(rows: Iterable[CheckIn], tz: str) -> dict[date, int]:
    """A day's shade: 1 skipped, 2-4 for one, two, three or more activities. Daily
    answers sit on their day; weekly and monthly ones on the day they were given."""
    levels: dict[date, int] = {}
    for row in rows:
        acts = set(row.activities or ()) - {"skipped"}
        level = min(4, 1 + len(acts)) if acts else 1
        if row.cadence == "daily":
            try:
                day = period_start("daily", row.period_key)
            except ValueError:
                continue
        else:
            day = local_date(row.answered_at, tz)
        levels[day] = max(levels.get(day, 0), level)
    return levels


async def stats_files(ctx: Ctx) -> list[str]:
    """The member's check-in calendar over the last twelve weeks, as a PNG."""
    today = local_date(ctx.now, ctx.member.timezone)
    start = today - timedelta(days=today.weekday(), weeks=CALENDAR_WEEKS - 1)
    rows = await db.checkins_of(ctx.store, [ctx.member.id])
    levels = {
        d: v for d, v in calendar_levels(rows, ctx.member.timezone).items() if start <= d <= today
    }
    path = await charts.calendar(
        ctx.services,
        title=ctx.t("metrics.calendar_title", weeks=CALENDAR_WEEKS),
        start=start,
        weeks=CALENDAR_WEEKS,
        levels=levels,
        weekday_labels=[ctx.t(f"weekday_short.{d}") for d in WEEKDAYS],
        legend=[ctx.t(f"metrics.calendar_legend.{n}") for n in range(5)],
    )
    return [path]
