"""Pitfall nudges at work: when the rules run, what they read, how a nudge is sent.

The rules themselves are pure (``bot/nudges.py``). Here the scheduler's tick finds the
members whose check-ins changed (or who logged a metric) since its last look, an
indexed range scan, so a member is evaluated right after answering and nobody else is
read. Each changed member's history is loaded, the rules run, and :func:`bot.nudges.choose`
picks at most one finding that is not muted and not nudged in the last 14 days. That one
goes through the outbox like every prompt (``nudge:<pitfall>``, period = the member's
local date), with the evidence in the payload, and is remembered in the ``nudge`` table.
A nudge found at night waits for 09:00 local.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot import text
from bot.content import Pack
from bot.context import Scheduler, Services, TickHook
from bot.features.common import LEVELS
from bot.features.plans import make_button
from bot.mentoring import local_date, local_instant, zone
from bot.nudges import (
    AssessmentFact,
    Entry,
    Finding,
    GoalFact,
    History,
    MetricFact,
    Vocab,
    choose,
    evaluate,
    lone_wolf,
    vocab_from,
)
from bot.reply import Button, Reply, Section
from storage import mentoring as db
from storage.models import CheckIn, Member

if TYPE_CHECKING:
    from storage.models import Delivery
    from storage.repo import Store

log = logging.getLogger(__name__)

#: How far back a history is read: the longest rule window (no deployment, 90 days)
#: plus the look-back of technology chasing, with room to spare.
HISTORY_DAYS = 150
#: A nudge found outside these local hours waits for the next morning.
DAY_STARTS = time(9, 0)
DAY_ENDS = time(20, 0)
#: Teammates suggested for pairing learned from others or shared in this many days.
PEER_DAYS = 28
#: On the first tick of a process, look this far back for changes.
FIRST_LOOK = timedelta(days=1)
#: Each tick looks this far behind the previous one (see ``tick_hook``).
SLACK = timedelta(minutes=5)
#: Members evaluated per tick at most; a burst of answers is worked off over the next
#: ticks instead of holding up the prompts this tick sends.
MAX_PER_TICK = 500
MUTE_ACTION = "pitfalls:mute"
SHOW_ACTION = "pitfalls:show"
_TINY = timedelta(microseconds=1)


def vocab(services: Services) -> Vocab:
    """The merged vocabulary of every language, built once per content library."""
    if services.nudge_vocab is None:
        services.nudge_vocab = vocab_from(services.content.packs.values())
    return services.nudge_vocab


def _entry(row: CheckIn) -> Entry:
    return Entry(
        cadence=row.cadence,
        period_key=row.period_key,
        activities=frozenset(row.activities or ()),
        minutes=row.minutes,
        note=row.note or "",
        shared=bool(row.shared),
    )


async def load_history(store: Store, member: Member, *, now: datetime) -> History:
    """What the rules may read for one member, for their local today."""
    today = local_date(now, member.timezone)
    since = today - timedelta(days=HISTORY_DAYS)
    since_instant = now - timedelta(days=HISTORY_DAYS + 1)
    checkins, metrics, assessments, goals = await db.history_of(
        store, member.id, since=since_instant
    )
    entries = []
    for row in checkins:
        try:
            entry = _entry(row)
            if entry.day >= since:
                entries.append(entry)
        except ValueError:
            continue  # a malformed period key can only come from old data; skip it
    tz = zone(member.timezone)
    sources = {
        str(s).strip().lower()
        for chosen in (member.diet_sources or {}).values()
        for s in (chosen or [])
    }
    from bot.features import pairs  # a learning pair met is learning from others

    met = await pairs.meetings(store, member, since=since)
    return History(
        today=today,
        met_days=tuple(m.day for m in met),
        level=member.level,
        checkins=tuple(entries),
        metrics=tuple(
            MetricFact(m.metric, m.value, m.created_at.astimezone(tz).date()) for m in metrics
        ),
        assessments=tuple(
            AssessmentFact(a.level, float(a.score or 0), a.completed_at.astimezone(tz).date())
            for a in assessments
            if a.completed_at is not None
        ),
        goals=tuple(
            GoalFact(g.quarter, g.area, g.status, g.created_at.astimezone(tz).date()) for g in goals
        ),
        own_sources=len(sources),
    )


async def peers_for(store: Store, member: Member, *, today: date) -> tuple[str, ...]:
    """Teammates to pair with: in the digest (so they agreed to be seen by the team),
    named, active, and learning from others or sharing lately; more senior first."""
    start = today - timedelta(days=PEER_DAYS)
    team = [
        m
        for m in await db.members_of(store, member.workspace_id)
        if m.id != member.id and m.digest_opt_in and m.display_name and not m.paused
    ]
    if not team:
        return ()
    social: set[int] = set()
    for row in await db.checkins_of(store, [m.id for m in team]):
        day = _safe_day(row)
        if day is not None and day >= start and {"others", "shared"} & set(row.activities or ()):
            social.add(row.member_id)
    order = {level: i for i, level in enumerate(LEVELS)}
    mine = order.get(member.level or "", -1)
    chosen = [m for m in team if m.id in social]
    chosen.sort(key=lambda m: (order.get(m.level or "", -1) <= mine, m.id))
    return tuple(str(m.display_name) for m in chosen[:5])


def _safe_day(row: CheckIn) -> date | None:
    try:
        return _entry(row).day
    except ValueError:
        return None


def due_at(now: datetime, tz: str) -> datetime:
    """Now during the member's day; otherwise 09:00 on their next morning."""
    local = now.astimezone(zone(tz))
    if DAY_STARTS <= local.time() < DAY_ENDS:
        return now
    day = local.date() if local.time() < DAY_STARTS else local.date() + timedelta(days=1)
    return local_instant(day, DAY_STARTS, tz)


async def evaluate_member(
    services: Services, scheduler: Scheduler, member: Member, *, now: datetime
) -> Finding | None:
    """Run the rules for one member and queue the nudge they earn, if any."""
    if member.paused or member.unreachable:
        return None
    store = services.store
    history = await load_history(store, member, now=now)
    words = vocab(services)
    findings = evaluate(history, words)
    if not findings:
        return None
    finding = choose(
        findings,
        now=now,
        muted=await db.muted_pitfalls(store, member.id),
        last_fired=await db.last_nudges(store, member.id),
    )
    if finding is None:
        return None
    if finding.pitfall == "lonewolf":
        peers = await peers_for(store, member, today=history.today)
        if peers:
            finding = lone_wolf(dataclasses.replace(history, peers=peers), words) or finding
    payload = finding.payload()
    await scheduler.enqueue(
        member_id=member.id,
        workspace_id=member.workspace_id,
        kind=f"nudge:{finding.pitfall}",
        period_key=history.today.isoformat(),
        due_at=due_at(now, member.timezone),
        payload=payload,
    )
    await db.record_nudge(store, member.id, finding.pitfall, now=now, evidence=payload)
    return finding


def tick_hook(services: Services) -> TickHook:
    """Evaluate the members whose check-ins or metrics changed since the last tick.

    The look-back overlaps the previous one by ``SLACK``: a check-in is stamped with the
    time its event started, and may commit after a tick has already looked past that
    time. A change already evaluated (same member, same latest stamp) is not evaluated
    again, so the overlap costs one indexed query, not repeated rule runs. At most
    ``MAX_PER_TICK`` members are evaluated per tick; the rest wait for the next one.
    """
    watermark: list[datetime] = []
    seen: dict[int, datetime] = {}
    backlog: dict[int, datetime] = {}

    async def on_tick(scheduler: Scheduler, now: datetime) -> None:
        since = watermark[0] - SLACK if watermark else now - FIRST_LOOK
        if since > now:  # the clock went back (a test, a corrected host clock)
            since = now - FIRST_LOOK
        changed = await db.changed_members(services.store, since=since, until=now + _TINY)
        watermark[:] = [now]
        for member_id in [m for m, at in seen.items() if at < since]:
            del seen[member_id]
        backlog.update({m: at for m, at in changed.items() if seen.get(m) != at})
        if not backlog:
            return
        batch = dict(list(backlog.items())[:MAX_PER_TICK])
        members = await db.members_by_id(services.store, batch)
        for member in members.values():
            try:
                await evaluate_member(services, scheduler, member, now=now)
            except Exception:  # one member's bad data must not stop the others
                log.exception("nudge rules failed for member %s", member.id)
        for member_id, at in batch.items():
            seen[member_id] = at
            del backlog[member_id]

    async def wakeup(now: datetime) -> datetime | None:
        """For a simulated clock: tick now when an answer is waiting to be evaluated,
        so a nudge follows the check-in that earned it, as it does on a real clock."""
        if backlog:
            return now
        if not watermark:
            return None
        since = watermark[0] - SLACK
        changed = await db.changed_members(services.store, since=since, until=now + _TINY)
        return now if any(seen.get(m) != at for m, at in changed.items()) else None

    services.wakeup_hooks.append(wakeup)
    return on_tick


# -- rendering ----------------------------------------------------------------------------


def next_step_text(pack: Pack, step: str, level: str | None) -> str:
    """Resolve a finding's ``next_step`` reference in the member's language."""
    kind, _, rest = step.partition(":")
    if kind == "pair" and rest:
        return pack.t("nudge.step.pair", name=text.echo(rest))
    target, _, index = rest.rpartition(":")
    n = text.whole_number(index, 0, 10_000) or 0
    if kind in ("project", "post"):
        chosen = target if target in pack.levels.levels else (level or "junior")
        item = pack.levels.levels.get(chosen) or pack.levels.levels["junior"]
        ideas = item.projects if kind == "project" else item.blog_ideas
        return pack.t(f"nudge.step.{kind}", idea=ideas[n % len(ideas)], level=item.name)
    pitfall = pack.pitfalls.pitfalls.get(target)
    if kind == "fix" and pitfall is not None:
        return pitfall.fix[n % len(pitfall.fix)]
    return pack.t("nudge.step.default")


def evidence_text(pack: Pack, key: str, values: dict[str, Any]) -> str:
    if not key.startswith("nudge.evidence.") or key not in pack.ui:
        raise ValueError(f"unknown evidence key {key!r}")
    shown = dict(values)
    level = shown.get("level")
    if isinstance(level, str) and level in pack.levels.levels:
        shown["level"] = pack.levels.levels[level].name
    return pack.t(key, **shown)


def nudge_replies(pack: Pack, payload: dict[str, Any], level: str | None) -> list[Reply]:
    pitfall = str(payload.get("pitfall", ""))
    item = pack.pitfalls.pitfalls.get(pitfall)
    if item is None:
        raise ValueError(f"unknown pitfall {pitfall!r}")
    evidence = evidence_text(
        pack, str(payload.get("evidence_key", "")), dict(payload.get("evidence_values", {}))
    )
    step = next_step_text(pack, str(payload.get("next_step", "")), level)
    return [
        Reply(
            title=pack.t("nudge.title", name=item.name),
            text=f"{evidence}\n{item.why}",
            sections=(
                Section(title=pack.t("nudge.next_step"), text=step),
                Section(text=pack.t("nudge.footer", pitfall=pitfall)),
            ),
            buttons=(
                make_button(pack, f"nudge:{pitfall}"),
                Button(pack.t("nudge.more"), action_id=SHOW_ACTION, value=pitfall),
                Button(pack.t("nudge.mute"), action_id=MUTE_ACTION, value=pitfall),
            ),
        )
    ]


async def render(services: Services, delivery: Delivery, member: Member | None) -> list[Reply]:
    """``nudge:<pitfall>``: the evidence, why it matters, one next step, and a way out."""
    if member is None:
        raise ValueError(f"{delivery.kind} needs a member")
    pack = services.content.pack(member.language)
    return nudge_replies(pack, dict(delivery.payload or {}), member.level)
