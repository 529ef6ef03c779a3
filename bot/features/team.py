"""``/mentor team``: the monthly team digest, its channel, and who appears in it.

A workspace admin (the adapter decides who is one) names the channel with
``/mentor team channel CHANNEL`` and previews with ``/mentor team digest``. On the 1st of
each month at 09:00 in the workspace's time zone the scheduler's tick queues one
``digest`` row for that channel (period = the month it is sent in, ``2027-04``; it
covers the month before), and the outbox sends it like any prompt: a short post with
the chart, details in its thread.

What it says comes from the database at sending time (so a member who left or opted out
a minute before is respected): active members, check-ins, streak leaders, the team's
projects / others / courses mix against 70/20/10, papers read, posts written, projects
shipped, the notes members marked "share with my team" (only those), and a suggested
focus for the next month from what the team did least. Members who opted out
(``/mentor team optout``) count in the totals and are never named or quoted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot import charts, text
from bot.context import Ctx, Scheduler, Services, TickHook
from bot.errors import BadInput, NotAllowed, Usage
from bot.features import checkin, metrics
from bot.grammar import Arg, words
from bot.mentoring import (
    local_date,
    local_instant,
    month_of,
    month_start,
    next_month_start,
    shift_month,
    zone,
)
from bot.nudges import period_start, week_key
from bot.reply import Field, Reply, Section
from bot.router import Router
from storage import mentoring as db
from storage.models import CheckIn, Member, Workspace

if TYPE_CHECKING:
    from bot.content import Pack
    from storage.models import Delivery

router = Router()

#: The digest goes out at this local time on the 1st of the month.
DIGEST_DAY = 1
DIGEST_AT = time(9, 0)
#: Queued on this many local days from the 1st: after downtime the digest still goes
#: out later that day, and a channel set on the 2nd does not get last month's digest
#: unasked. (Set on the 1st after 09:00, it does, right away: a first look.)
QUEUE_DAYS = 1
MAX_LEADERS = 3
MAX_SHARED = 8
MAX_NOTE_CHARS = 280
#: A bucket this many points under its target is the month's suggested focus.
FOCUS_GAP = 10
BUCKETS = tuple(checkin.TARGETS)
_CHANNEL_MENTION = re.compile(r"<#([A-Za-z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_NAME = re.compile(r"#?([\w.-]{1,64})")


# -- the numbers --------------------------------------------------------------------------


@dataclass
class Digest:
    """One workspace's month, ready to render."""

    month: str
    members: int = 0
    active: int = 0
    checkins: int = 0
    #: Minutes per 70/20/10 bucket (the mix is a share of time, not of check-ins).
    counts: Counter[str] = field(default_factory=Counter)
    minutes: int = 0
    without_minutes: int = 0
    shares: dict[str, int] = field(default_factory=dict)
    papers: int = 0
    posts: int = 0
    shipped: int = 0
    #: Learning pairs of the month's rounds, and how many met (counts only).
    pairs: int = 0
    pairs_met: int = 0
    #: (name, daily streak, weekly streak), opted-in members only.
    leaders: list[tuple[str, int, int]] = field(default_factory=list)
    #: (name, note), only notes marked shared, by opted-in members.
    shared: list[tuple[str, str]] = field(default_factory=list)
    weeks: list[str] = field(default_factory=list)
    weekly: dict[str, list[int]] = field(default_factory=dict)
    focus: str = "checkin"


def month_of_checkin(row: CheckIn) -> str | None:
    """The month a check-in counts in: its day, its week's Thursday (ISO), its month."""
    try:
        day = period_start(row.cadence, row.period_key)
    except ValueError:
        return None
    if row.cadence == "weekly":
        day += timedelta(days=3)
    return month_of(day)


def month_weeks(month: str) -> list[str]:
    """ISO weeks whose Thursday falls in ``month`` (how weekly check-ins are counted)."""
    first = month_start(month)
    day = first + timedelta(days=(3 - first.weekday()) % 7)
    weeks = []
    while month_of(day) == month:
        weeks.append(week_key(day))
        day += timedelta(days=7)
    return weeks


def focus_of(shares: dict[str, int], minutes: int, posts: int, *, checkins: int = 0) -> str:
    """What the team did least against 70/20/10 (of minutes); sharing when the mix is
    fine; logging minutes when people checked in without them."""
    if not minutes:
        return "minutes" if checkins else "checkin"
    short = max(BUCKETS, key=lambda b: checkin.TARGETS[b] - shares.get(b, 0))
    if checkin.TARGETS[short] - shares.get(short, 0) >= FOCUS_GAP:
        return short
    return "sharing" if not posts else "balanced"


def display(pack: Pack, member: Member) -> str:
    return text.echo(member.display_name) if member.display_name else pack.t("digest.someone")


async def build_digest(
    services: Services, workspace: Workspace, month: str, *, now: datetime
) -> Digest:
    store = services.store
    pack = services.content.pack(workspace.language)
    members = await db.members_of(store, workspace.id)
    by_id = {m.id: m for m in members}
    ids = list(by_id)
    await metrics.sync(store, ids)
    digest = Digest(month=month, members=len(members))
    rows = [r for r in await db.checkins_of(store, ids) if month_of_checkin(r) == month]
    digest.checkins = len(rows)
    digest.active = len({r.member_id for r in rows if set(r.activities or ()) - {"skipped"}})
    weeks = month_weeks(month)
    digest.weeks = weeks
    tally = checkin.Mix()
    weekly = {b: [0.0] * len(weeks) for b in BUCKETS}
    for row in rows:
        week = None
        if row.cadence != "monthly":
            week = week_key(period_start(row.cadence, row.period_key))
        for bucket, minutes in tally.add(row).items():
            if week in weeks:
                weekly[bucket][weeks.index(week)] += minutes
    tz = workspace.timezone
    start = local_instant(month_start(month), time(0), tz)
    end = local_instant(next_month_start(month_start(month)), time(0), tz)
    from bot.features import pairs  # a learning pair that met is learning from others

    paired = await pairs.month_of_pairs(store, workspace, start=start, end=end)
    digest.pairs, digest.pairs_met = paired.pairs, paired.met
    for week, minutes in (paired.minutes_by_week or {}).items():
        tally.minutes["others"] += minutes
        if week in weeks:
            weekly["others"][weeks.index(week)] += minutes
    digest.weekly = {b: [round(m) for m in values] for b, values in weekly.items()}
    digest.counts = Counter({b: tally.minutes.get(b, 0.0) for b in BUCKETS})
    digest.minutes = round(tally.total)
    digest.without_minutes = tally.without_minutes
    digest.shares = checkin.percentages(digest.counts)
    entries = await db.metric_entries(store, ids, since=start, until=end)
    sums = Counter[str]()
    for entry in entries:
        sums[entry.metric] += entry.value
    digest.papers = round(sums["papers_read"])
    digest.posts = round(sums["blog_posts"])
    digest.shipped = round(sums["projects_shipped"])
    digest.focus = focus_of(digest.shares, digest.minutes, digest.posts, checkins=digest.active)
    visible = {m.id for m in members if m.digest_opt_in}
    active_visible = sorted({r.member_id for r in rows} & visible)
    last_day = min(next_month_start(month_start(month)) - timedelta(days=1), now.date())
    leaders = []
    for member_id in active_visible:
        member = by_id[member_id]
        day = min(last_day, local_date(now, member.timezone))
        runs = []
        for cadence in ("daily", "weekly"):
            found = await checkin.streak_of(
                store,
                member_id,
                cadence,
                tz=member.timezone,
                current=checkin.period_of(cadence, day),
            )
            runs.append(found.current)
        if max(runs) >= 2:
            leaders.append((display(pack, member), runs[0], runs[1]))
    leaders.sort(key=lambda x: (-x[1], -x[2], x[0]))
    digest.leaders = leaders[:MAX_LEADERS]
    notes = [r for r in rows if r.shared and r.note and r.member_id in visible and r.note.strip()]
    notes.sort(key=lambda r: r.answered_at or datetime.min.replace(tzinfo=UTC))
    # The same note shared in two check-ins is one learning: listed once, at its latest.
    latest: dict[tuple[int, str], CheckIn] = {}
    for r in notes:
        latest.pop((r.member_id, _short(r.note or "")), None)
        latest[(r.member_id, _short(r.note or ""))] = r
    digest.shared = [
        (display(pack, by_id[member_id]), note) for member_id, note in list(latest)[-MAX_SHARED:]
    ]
    return digest


def _short(note: str) -> str:
    cleaned = " ".join(text.clean(note, limit=MAX_NOTE_CHARS * 2).split())
    return cleaned if len(cleaned) <= MAX_NOTE_CHARS else cleaned[: MAX_NOTE_CHARS - 1] + "…"


# -- rendering ----------------------------------------------------------------------------


def month_label(pack: Pack, month: str) -> str:
    first = month_start(month)
    return pack.t(f"digest.month.{first.month:02d}", year=first.year)


def streak_text(pack: Pack, daily: int, weekly: int) -> str:
    parts = []
    if daily >= 2:
        parts.append(pack.t("digest.streak.daily", count=daily))
    if weekly >= 2:
        parts.append(pack.t("digest.streak.weekly", count=weekly))
    return " · ".join(parts)


async def digest_replies(
    services: Services, pack: Pack, digest: Digest, *, preview: bool = False
) -> list[Reply]:
    """A short first reply (posted in the channel, with the chart), details after it
    (adapters post those in its thread)."""
    label = month_label(pack, digest.month)
    following = month_label(pack, shift_month(digest.month, 1))
    shares = digest.shares
    if digest.minutes:
        mix = pack.t(
            "digest.mix",
            projects=shares.get("projects", 0),
            others=shares.get("others", 0),
            courses=shares.get("courses", 0),
            count=digest.minutes,
        )
    else:
        mix = pack.t("digest.mix_none")
    if digest.without_minutes:
        mix += " " + pack.t("digest.mix_unmeasured", count=digest.without_minutes)
    summary = pack.t(
        "digest.summary",
        active=digest.active,
        count=digest.members,
        checkins=pack.t("digest.checkins_count", count=digest.checkins),
    )
    focus_short = pack.t(f"digest.focus_short.{digest.focus}")
    chart = await charts.team_activity(
        services,
        title=pack.t("digest.chart_title", month=label),
        weeks=[w.split("-")[1] for w in digest.weeks],
        counts=digest.weekly,
        labels={b: pack.t(f"stats.bucket.{b}") for b in BUCKETS},
        mix=shares,
        targets=dict(checkin.TARGETS),
        mix_title=pack.t("digest.chart_mix"),
        target_label=pack.t("digest.chart_target"),
    )
    first = Reply(
        title=pack.t("digest.preview_title" if preview else "digest.title", month=label),
        text="\n".join(
            (summary, mix, pack.t("digest.focus_line", month=following, focus=focus_short))
        ),
        files=(chart,),
        private=preview,
    )
    numbers = Reply(
        sections=(
            Section(
                title=pack.t("digest.numbers"),
                fields=(
                    Field(pack.t("digest.active"), f"{digest.active}/{digest.members}"),
                    Field(pack.t("digest.checkins"), str(digest.checkins)),
                    Field(pack.t("digest.papers"), str(digest.papers)),
                    Field(pack.t("digest.posts"), str(digest.posts)),
                    Field(pack.t("digest.shipped"), str(digest.shipped)),
                    *(
                        (
                            Field(
                                pack.t("digest.pairs"),
                                pack.t(
                                    "digest.pairs_met", count=digest.pairs, met=digest.pairs_met
                                ),
                            ),
                        )
                        if digest.pairs
                        else ()
                    ),
                ),
            ),
        ),
        private=preview,
    )
    replies = [first, numbers]
    if digest.leaders:
        lines = [
            pack.t("digest.leader_line", name=name, streak=streak_text(pack, daily, weekly))
            for name, daily, weekly in digest.leaders
        ]
        replies.append(
            Reply(
                sections=(Section(title=pack.t("digest.leaders"), text=text.bullets(lines)),),
                private=preview,
            )
        )
    if digest.shared:
        lines = [f"*{name}*: {note}" for name, note in digest.shared]
        replies.append(
            Reply(
                sections=(Section(title=pack.t("digest.shared"), text=text.bullets(lines)),),
                private=preview,
            )
        )
    replies.append(
        Reply(
            sections=(
                Section(
                    title=pack.t("digest.focus_title", month=following),
                    text=pack.t(f"digest.focus.{digest.focus}"),
                ),
                Section(text=pack.t("digest.footer")),
            ),
            private=preview,
        )
    )
    return replies


async def render(services: Services, delivery: Delivery, member: Member | None) -> list[Reply]:
    """``digest``: read at sending time, so opt-outs and forgotten members are honoured.

    The payload carries the workspace id, which keeps two workspaces' digests apart in
    the scheduler's render cache although both read the database."""
    payload = delivery.payload or {}
    workspace = await services.store.get_workspace(int(payload.get("workspace_id", 0)))
    if workspace is None or workspace.id != delivery.workspace_id:
        raise ValueError(f"digest {delivery.id}: workspace not found")
    month = str(payload.get("month") or shift_month(delivery.period_key, -1))
    pack = services.content.pack(workspace.language)
    now = services.clock.now()
    return await digest_replies(
        services, pack, await build_digest(services, workspace, month, now=now)
    )


# -- when it goes out ---------------------------------------------------------------------


def digest_due(workspace: Workspace, now: datetime) -> tuple[datetime, str] | None:
    """(due instant, period) of the digest ``now`` falls in the queueing window of."""
    local = local_date(now, workspace.timezone)
    if not DIGEST_DAY <= local.day < DIGEST_DAY + QUEUE_DAYS:
        return None
    first = local.replace(day=DIGEST_DAY)
    due = local_instant(first, DIGEST_AT, workspace.timezone)
    return (due, month_of(first)) if due <= now else None


def next_digest(workspace: Workspace, now: datetime) -> datetime:
    """The next 09:00 on the 1st, local, strictly after ``now``."""
    local = local_date(now, workspace.timezone)
    first = local.replace(day=DIGEST_DAY)
    due = local_instant(first, DIGEST_AT, workspace.timezone)
    if due > now:
        return due
    return local_instant(next_month_start(first), DIGEST_AT, workspace.timezone)


def _near_first(now: datetime) -> bool:
    """Whether any time zone (UTC-12 .. UTC+14) may be in the queueing window."""
    days = {(now + timedelta(hours=h)).date().day for h in (-12, 0, 14)}
    return any(DIGEST_DAY <= d < DIGEST_DAY + QUEUE_DAYS for d in days)


def tick_hook(services: Services) -> TickHook:
    queued: set[tuple[int, str, str]] = set()

    async def on_tick(scheduler: Scheduler, now: datetime) -> None:
        if not _near_first(now):
            return
        for workspace in await db.digest_workspaces(services.store):
            found = digest_due(workspace, now)
            channel = workspace.digest_channel
            if found is None or channel is None:
                continue
            due, period = found
            if (workspace.id, channel, period) in queued:
                continue
            await scheduler.enqueue(
                workspace_id=workspace.id,
                channel=channel,
                kind="digest",
                period_key=period,
                due_at=due,
                payload={"workspace_id": workspace.id, "month": shift_month(period, -1)},
            )
            queued.add((workspace.id, channel, period))

    async def wakeup(now: datetime) -> datetime | None:
        """For a simulated clock: stop at 09:00 on the 1st even if nothing else is due."""
        found: datetime | None = None
        for workspace in await db.digest_workspaces(services.store):
            due = digest_due(workspace, now)
            if due is not None and (workspace.id, workspace.digest_channel, due[1]) not in queued:
                at = due[0]
            else:
                at = next_digest(workspace, now)
            found = at if found is None or at < found else found
        return found

    services.wakeup_hooks.append(wakeup)
    return on_tick


# -- commands -----------------------------------------------------------------------------


def require_admin(ctx: Ctx) -> None:
    if not ctx.actor.is_admin:
        raise NotAllowed("team.admin_only")


def parse_channel(raw: str) -> str:
    """A channel as typed: ``#ml-team``, Slack's ``<#C123|ml-team>``, Discord's ``<#123>``."""
    mention = _CHANNEL_MENTION.fullmatch(raw)
    if mention:
        return mention.group(1)
    name = _CHANNEL_NAME.fullmatch(raw)
    if name is None:
        raise BadInput("team.bad_channel", word=text.echo(raw))
    return name.group(1)


def overview(ctx: Ctx) -> Reply:
    ws = ctx.workspace
    channel = f"#{ws.digest_channel}" if ws.digest_channel else ctx.t("team.no_channel")
    return Reply(
        title=ctx.t("team.title"),
        text=ctx.t("team.intro"),
        sections=(
            Section(
                fields=(
                    Field(ctx.t("team.channel"), channel),
                    Field(ctx.t("team.when"), ctx.t("team.when_value", tz=ws.timezone)),
                    Field(
                        ctx.t("team.you"),
                        ctx.t("team.you_in" if ctx.member.digest_opt_in else "team.you_out"),
                    ),
                )
            ),
            Section(text=ctx.t("team.commands")),
        ),
    )


TEAM_ACTIONS = words(
    ("channel", "choice.team_channel"),
    ("channel off", "choice.team_channel_off"),
    ("digest", "choice.team_digest"),
    ("optout", "choice.team_optout"),
    ("optin", "choice.team_optin"),
    ("pairs", "choice.team_pairs"),
    ("pairs every 2w", "choice.team_pairs_2w"),
    ("pairs every 4w", "choice.team_pairs_4w"),
    ("pairs off", "choice.team_pairs_off"),
)


@router.command(
    "team",
    aliases=("nhom", "nhóm"),
    args=(
        Arg("action", "choice", choices=TEAM_ACTIONS),
        Arg("channel", "channel"),
        Arg("month"),
    ),
)
async def team_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    if not args:
        return [overview(ctx)]
    verb = args[0].lower()
    if verb == "channel":
        require_admin(ctx)
        if len(args) != 2:
            raise BadInput("error.usage", usage_line=Usage("team"))
        if args[1].lower() in ("off", "none", "tat", "tắt"):
            await ctx.store.update_workspace(ctx.workspace.id, digest_channel=None)
            return [Reply(text=ctx.t("team.channel_off"))]
        channel = parse_channel(args[1])
        await ctx.store.update_workspace(ctx.workspace.id, digest_channel=channel)
        when = next_digest(ctx.workspace, ctx.now).astimezone(zone(ctx.workspace.timezone))
        return [
            Reply(
                text=ctx.t(
                    "team.channel_set",
                    channel=channel,
                    date=when.date().isoformat(),
                    tz=ctx.workspace.timezone,
                )
            )
        ]
    if verb in ("digest", "preview"):
        require_admin(ctx)
        month = month_of(local_date(ctx.now, ctx.workspace.timezone))
        if len(args) == 2:
            month = args[1]
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
                raise BadInput("team.bad_month", word=text.echo(month))
        elif len(args) > 2:
            raise BadInput("error.usage", usage_line=Usage("team"))
        digest = await build_digest(ctx.services, ctx.workspace, month, now=ctx.now)
        return await digest_replies(ctx.services, ctx.pack, digest, preview=True)
    if verb in ("pairs", "pair"):
        from bot.features import pairs  # learning pairs own their rhythm and counts

        return await pairs.team_pairs(ctx, args[1:])
    if verb in ("optout", "opt-out", "out"):
        ctx.refresh(await ctx.store.update_member(ctx.member.id, digest_opt_in=False))
        return [Reply(text=ctx.t("team.opted_out"))]
    if verb in ("optin", "opt-in", "in"):
        ctx.refresh(await ctx.store.update_member(ctx.member.id, digest_opt_in=True))
        return [Reply(text=ctx.t("team.opted_in"))]
    raise BadInput("error.usage", usage_line=Usage("team"))
