"""Learning pairs: ``/mentor pairs on|off``, ``/mentor team pairs every 2w|4w|off``, the
rounds, the introductions and "did you meet?".

An admin sets the rhythm; rounds then come every two or four weeks on Monday at 10:00
workspace time. A tick in the round's window draws the round once (``pair_round`` is
unique per workspace and round key, the round's ISO week) with the pure
:func:`bot.pairing.pair_up`, and queues through the outbox, with the round key as
period key, so a restart never introduces twice:

- ``pairs:intro``: on a platform that can open a group conversation (Slack), one message
  in a conversation with both; elsewhere (Discord, the console) a DM to each naming the
  other. It names the roles and suggests a topic from the content: what separates the
  mentee's next level from theirs, and a portfolio project of their track.
- ``pairs:ask``: a week later, to each: did you meet? "Yes" (with about how long) counts
  as learning from others in ``/mentor stats``, the 70/20/10 mix and the lone-wolf
  rule. Only that they met, and the minutes, is stored; never what was said.

Admins see per round how many pairs met (``/mentor team pairs``). Everything stored
about a member carries ``member_id`` (``storage/pairs_models.py``), so export and forget
include it. The rules are in ``docs/pairs.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot import text
from bot.context import Ctx, Scheduler, Services, TickHook
from bot.delivery import GroupConversations, Presence, Target
from bot.errors import BadInput, NotAllowed, Usage
from bot.features.common import SWITCH_CHOICES
from bot.features.nudges import due_at as during_day
from bot.grammar import Arg
from bot.mentoring import local_date, local_instant, zone
from bot.nudges import week_key
from bot.pairing import LADDER, Candidate, key, pair_up
from bot.reply import Button, Field, Reply, Section
from bot.router import Router
from storage import mentoring as db
from storage import pairs as pairs_db
from storage.models import Member, Workspace
from storage.pairs import Drawn
from storage.pairs_models import PairRhythm

if TYPE_CHECKING:
    from bot.content import Pack
    from storage.models import Delivery
    from storage.repo import Store

log = logging.getLogger(__name__)
router = Router()

#: Rounds start on this weekday (Monday) at this workspace-local time.
ROUND_WEEKDAY = 0
ROUND_AT = time(10, 0)
RHYTHMS = {"2w": 2, "4w": 4}
#: "Did you meet?" comes this long after the introduction.
ASK_AFTER = timedelta(days=7)
#: A round missed by downtime is still drawn this many days after its Monday.
ROUND_WINDOW_DAYS = 2
#: Pairs of the last this many rounds do not meet again.
RECENT_ROUNDS = 3
#: The minutes each "yes" button stands for.
MET_MINUTES = {"30": 30, "60": 60}
MET_ACTION = "pairs:met"
#: Stats and the 70/20/10 mix read meetings answered in this many days.
STATS_DAYS = 28
ON_WORDS = frozenset({"on", "in", "bat", "bật", "join"})
OFF_WORDS = frozenset({"off", "out", "tat", "tắt", "leave"})


# -- the rhythm and the rounds ------------------------------------------------------------


def first_round(now: datetime, tz: str) -> date:
    """The first round's Monday: the next Monday whose 10:00 is still ahead."""
    today = local_date(now, tz)
    day = today + timedelta(days=(ROUND_WEEKDAY - today.weekday()) % 7)
    if local_instant(day, ROUND_AT, tz) <= now:
        day += timedelta(days=7)
    return day


def round_on_or_before(rhythm: PairRhythm, day: date) -> date | None:
    """The last round day on or before ``day`` (None before the first)."""
    if day < rhythm.anchor:
        return None
    step = 7 * rhythm.every_weeks
    return rhythm.anchor + timedelta(days=(day - rhythm.anchor).days // step * step)


def due_round(rhythm: PairRhythm, tz: str, now: datetime) -> tuple[date, datetime] | None:
    """(round day, due instant) when ``now`` is inside a round's window."""
    today = local_date(now, tz)
    day = round_on_or_before(rhythm, today)
    if day is None or (today - day).days >= ROUND_WINDOW_DAYS:
        return None
    due = local_instant(day, ROUND_AT, tz)
    return (day, due) if due <= now else None


def next_round(rhythm: PairRhythm, tz: str, now: datetime) -> datetime:
    """The next round's instant strictly after ``now``."""
    day = round_on_or_before(rhythm, local_date(now, tz)) or rhythm.anchor
    while (due := local_instant(day, ROUND_AT, tz)) <= now:
        day += timedelta(weeks=rhythm.every_weeks)
    return due


async def recent_pairs(store: Store, workspace_id: int, *, before: str) -> set[frozenset[int]]:
    """Who met whom in the last ``RECENT_ROUNDS`` rounds before round ``before``."""
    groups = await pairs_db.recent_groups(store, workspace_id, before=before, rounds=RECENT_ROUNDS)
    return {key(a, b) for ids in groups for a in ids for b in ids if a < b}


async def draw(
    store: Store,
    workspace: Workspace,
    day: date,
    *,
    now: datetime,
    away: set[int] | frozenset[int] = frozenset(),
) -> Drawn:
    """Draw the round of ``day`` once: a second call (another worker, a restart) finds
    the stored round instead. ``away`` members are left out this time, like paused ones,
    and go first in the next round, like those who waited."""
    round_key = week_key(day)
    found = await pairs_db.load_round(store, workspace.id, round_key)
    if found is not None:
        return found
    members = {m.id: m for m in await db.members_of(store, workspace.id)}
    optins = await pairs_db.optins_of(store, list(members))
    candidates = [
        Candidate(
            id=m.id,
            level=m.level,
            track=m.track,
            language=m.language,
            timezone=m.timezone,
            opted_in=optins[m.id].opted_in,
            paused=bool(m.paused or m.unreachable or m.id in away),
            waiting=optins[m.id].waiting,
        )
        for m in members.values()
        if m.id in optins
    ]
    recent = await recent_pairs(store, workspace.id, before=round_key)
    result = pair_up(candidates, day=day, recent=recent)
    return await pairs_db.save_round(
        store,
        workspace.id,
        round_key,
        day,
        [(pair.mentor, pair.mentees) for pair in result.pairs],
        # Away this time (time off) counts as waiting: first in the next round.
        waiting=set(result.waiting) | (set(away) & set(optins)),
        now=now,
    )


async def _away_members(
    outlet: object, workspace: Workspace, members: list[Member], *, now: datetime
) -> set[int]:
    """Opted-in members the platform says are away now (Slack status), if it can tell."""
    if not isinstance(outlet, Presence):
        return set()
    away = set()
    for member in members:
        target = Target(workspace.platform, workspace.external_id, member.external_user)
        try:
            if await outlet.is_away(target, now=now):
                away.add(member.id)
        except Exception:  # a status we cannot read is not time off
            log.warning("pairs: could not read the status of member %s", member.id)
    return away


async def introduce(
    services: Services, scheduler: Scheduler, workspace: Workspace, drawn: Drawn, due: datetime
) -> None:
    """Queue the round's introductions and, a week later, the questions. Every row is
    unique per target, kind and round key, so calling this again adds nothing. A DM
    waits for the member's day (09:00-20:00 local), as a nudge does."""
    outlet = scheduler.outlets.get(workspace.platform)
    members = await db.members_by_id(
        services.store, [m for people in drawn.pairs.values() for m, _ in people]
    )
    for pair_no, people in drawn.pairs.items():
        ids = [m for m, _ in people if m in members]
        if len(ids) < 2:
            continue
        payload = {"round_id": drawn.round_id, "pair_no": pair_no}
        if isinstance(outlet, GroupConversations):
            users = [members[m].external_user for m in ids]
            channel = await outlet.open_group(workspace.external_id, users)
            await scheduler.enqueue(
                workspace_id=workspace.id,
                channel=channel,
                kind="pairs:intro",
                period_key=drawn.round_key,
                due_at=due,
                payload=payload,
            )
        else:
            for member_id in ids:
                await scheduler.enqueue(
                    member_id=member_id,
                    workspace_id=workspace.id,
                    kind="pairs:intro",
                    period_key=drawn.round_key,
                    due_at=during_day(due, members[member_id].timezone),
                    payload={**payload, "for": member_id},
                )
        for member_id in ids:
            await scheduler.enqueue(
                member_id=member_id,
                workspace_id=workspace.id,
                kind="pairs:ask",
                period_key=drawn.round_key,
                due_at=during_day(due + ASK_AFTER, members[member_id].timezone),
                payload={**payload, "for": member_id},
            )


def tick_hook(services: Services) -> TickHook:
    """Draw and introduce each round once its Monday 10:00 has come (workspace time)."""
    done: set[tuple[int, str]] = set()

    async def on_tick(scheduler: Scheduler, now: datetime) -> None:
        for rhythm, workspace in await pairs_db.rhythms(services.store):
            found = due_round(rhythm, workspace.timezone, now)
            outlet = scheduler.outlets.get(workspace.platform)
            if found is None or outlet is None:
                continue  # another worker serves this platform
            day, due = found
            if (workspace.id, week_key(day)) in done:
                continue
            try:
                away = set()
                if (
                    isinstance(outlet, Presence)
                    and await pairs_db.load_round(services.store, workspace.id, week_key(day))
                    is None
                ):
                    optins = await pairs_db.opted_in_members(services.store, workspace.id)
                    away = await _away_members(outlet, workspace, optins, now=now)
                drawn = await draw(services.store, workspace, day, now=now, away=away)
                await introduce(services, scheduler, workspace, drawn, due)
            except Exception:
                log.exception("pairs: round %s of workspace %s failed", day, workspace.id)
                continue
            done.add((workspace.id, drawn.round_key))

    async def wakeup(now: datetime) -> datetime | None:
        """For a simulated clock: stop at the next round's 10:00."""
        found: datetime | None = None
        for rhythm, workspace in await pairs_db.rhythms(services.store):
            due = due_round(rhythm, workspace.timezone, now)
            if due is not None and (workspace.id, week_key(due[0])) not in done:
                at = due[1]
            else:
                at = next_round(rhythm, workspace.timezone, now)
            found = at if found is None or at < found else found
        return found

    services.wakeup_hooks.append(wakeup)
    return on_tick


# -- rendering ----------------------------------------------------------------------------


def name_of(pack: Pack, member: Member) -> str:
    return text.echo(member.display_name) if member.display_name else pack.t("pairs.someone")


def who(pack: Pack, member: Member) -> str:
    level = member.level if member.level in LADDER else "junior"
    level_name = pack.levels.levels[level].name
    track = pack.tracks.tracks.get(member.track or "")
    if track is None:
        return level_name
    return pack.t("pairs.who", level=level_name, track=track.name)


def topic(pack: Pack, mentee: Member, round_key: str) -> Section:
    """From the content: what separates the mentee's next level from theirs, and a
    portfolio project of their track (varied by round) to talk through."""
    level = mentee.level if mentee.level in LADDER else "junior"
    lines = []
    if level != LADDER[-1]:
        above = pack.levels.levels[LADDER[LADDER.index(level) + 1]]
        lines.append(
            pack.t(
                "pairs.topic.level",
                next=above.name,
                level=pack.levels.levels[level].name,
                # Its first paragraph: the examples after it are for /mentor level.
                versus=above.versus_below.strip().split("\n")[0],
            )
        )
    track = pack.tracks.tracks.get(mentee.track or "mle") or pack.tracks.tracks["mle"]
    week = int(round_key.rsplit("W", 1)[-1]) if "W" in round_key else 0
    lines.append(
        pack.t("pairs.topic.project", project=track.portfolio[week % len(track.portfolio)])
    )
    return Section(title=pack.t("pairs.topic.title"), text="\n".join(f"- {line}" for line in lines))


def _names(pack: Pack, members: Sequence[Member]) -> str:
    return pack.t("pairs.and").join(f"*{name_of(pack, m)}*" for m in members)


def intro_replies(
    pack: Pack, group: list[tuple[Member, str]], round_key: str, *, reader: int | None
) -> list[Reply]:
    """The introduction: to both in one conversation (``reader`` None), or to one of
    them naming the other."""
    mentors = [m for m, role in group if role == "mentor"]
    mentees = [m for m, role in group if role == "mentee"]
    if not mentors or not mentees:
        return []
    mentor = mentors[0]
    if reader is None:
        lead = pack.t(
            "pairs.intro.group",
            names=_names(pack, [m for m, _ in group]),
            mentor=f"*{name_of(pack, mentor)}*",
            mentor_who=who(pack, mentor),
            mentees=pack.t("pairs.and").join(
                f"*{name_of(pack, m)}* ({who(pack, m)})" for m in mentees
            ),
        )
    elif reader == mentor.id:
        lead = pack.t(
            "pairs.intro.you_mentor",
            mentees=pack.t("pairs.and").join(
                f"*{name_of(pack, m)}* ({who(pack, m)})" for m in mentees
            ),
        )
    else:
        others = [m for m in mentees if m.id != reader]
        lead = pack.t(
            "pairs.intro.you_mentee", mentor=f"*{name_of(pack, mentor)}*", who=who(pack, mentor)
        )
        if others:
            lead += " " + pack.t("pairs.intro.trio", names=_names(pack, others))
    return [
        Reply(
            title=pack.t("pairs.intro.title"),
            text=f"{lead}\n{pack.t('pairs.intro.how')}",
            sections=(
                topic(pack, mentees[0], round_key),
                Section(text=pack.t("pairs.intro.footer")),
            ),
        )
    ]


def ask_replies(pack: Pack, others: Sequence[Member], round_id: int) -> list[Reply]:
    buttons = tuple(
        Button(pack.t(f"pairs.ask.{choice}"), action_id=MET_ACTION, value=f"{round_id}:{choice}")
        for choice in ("30", "60", "no")
    )
    return [
        Reply(
            title=pack.t("pairs.ask.title"),
            text=pack.t("pairs.ask.text", names=_names(pack, others)),
            buttons=buttons,
        )
    ]


async def render(services: Services, delivery: Delivery, member: Member | None) -> list[Reply]:
    """``pairs:intro`` and ``pairs:ask``, read at sending time: a member who left or was
    forgotten in between is not introduced (nothing is sent to a pair of one)."""
    payload = delivery.payload or {}
    round_id, pair_no = int(payload.get("round_id", 0)), int(payload.get("pair_no", -1))
    group = await pairs_db.group_of(services.store, round_id, pair_no)
    if len(group) < 2:
        return []
    if member is not None and member.id not in {m.id for m, _ in group}:
        return []
    if delivery.kind == "pairs:intro":
        lang = member.language if member is not None else group[0][0].language
        pack = services.content.pack(lang)
        return intro_replies(
            pack, group, delivery.period_key, reader=member.id if member is not None else None
        )
    if delivery.kind == "pairs:ask" and member is not None:
        pack = services.content.pack(member.language)
        return ask_replies(pack, [m for m, _ in group if m.id != member.id], round_id)
    raise ValueError(f"cannot render {delivery.kind}")


# -- what a "yes" adds up to --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Meeting:
    """A pair meeting a member said happened: the local day they said so, and minutes."""

    day: date
    minutes: int


async def meetings(store: Store, member: Member, *, since: date) -> list[Meeting]:
    """The meetings a member confirmed on or after ``since`` (their local dates)."""
    tz = zone(member.timezone)
    start = local_instant(since, time(0), member.timezone) - timedelta(days=1)
    rows = await pairs_db.meetings_since(store, member.id, start)
    found = []
    for answered_at, minutes in rows:
        day = answered_at.astimezone(tz).date()
        if day >= since:
            found.append(Meeting(day, minutes))
    return found


async def stats_section(ctx: Ctx) -> Section | None:
    """The ``/mentor stats`` line: meetings in the last four weeks, for opted-in members
    or anyone who has met a pair."""
    today = local_date(ctx.now, ctx.member.timezone)
    recent = await meetings(ctx.store, ctx.member, since=today - timedelta(days=STATS_DAYS - 1))
    optin = await pairs_db.optin_of(ctx.store, ctx.member.id)
    if not recent and (optin is None or not optin.opted_in):
        return None
    total = await pairs_db.meetings_count(ctx.store, ctx.member.id)
    return Section(
        title=ctx.t("stats.pairs.title"),
        fields=(
            Field(
                ctx.t("stats.pairs.recent"),
                ctx.t(
                    "stats.pairs.line", count=len(recent), minutes=sum(m.minutes for m in recent)
                ),
            ),
            Field(ctx.t("stats.pairs.total"), str(total)),
        ),
    )


@dataclass(frozen=True, slots=True)
class MonthOfPairs:
    """A workspace's learning pairs in a month, for the digest: counts only."""

    pairs: int = 0
    met: int = 0
    #: Minutes of confirmed meetings, by the ISO week of the answer (workspace time).
    minutes_by_week: dict[str, int] | None = None

    @property
    def minutes(self) -> int:
        return sum((self.minutes_by_week or {}).values())


async def month_of_pairs(
    store: Store, workspace: Workspace, *, start: datetime, end: datetime
) -> MonthOfPairs:
    """Pairs of the rounds drawn in [start, end), how many met (anyone in the pair said
    yes), and the minutes members confirmed in that span: learning from others."""
    tz = zone(workspace.timezone)
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    pairs, answers = await pairs_db.month_rows(
        store, workspace.id, first=first, last=last, start=start, end=end
    )
    met: dict[tuple[int, int], bool] = {}
    for round_id, pair_no, said in pairs:
        met[(round_id, pair_no)] = met.get((round_id, pair_no), False) or bool(said)
    by_week: dict[str, int] = {}
    for answered_at, minutes in answers:
        week = week_key(answered_at.astimezone(tz).date())
        by_week[week] = by_week.get(week, 0) + minutes
    return MonthOfPairs(len(met), sum(met.values()), by_week)


# -- commands -----------------------------------------------------------------------------


async def current_pair(ctx: Ctx) -> tuple[str, list[Member]] | None:
    """The member's latest round and the others in their pair."""
    row = await pairs_db.latest_pair(ctx.store, ctx.member.id)
    if row is None:
        return None
    group = await pairs_db.group_of(ctx.store, row[0], row[1])
    return row[2], [m for m, _ in group if m.id != ctx.member.id]


@router.command(
    "pairs",
    aliases=("pair", "cap-doi", "cặp-đôi"),
    args=(Arg("switch", "choice", choices=SWITCH_CHOICES),),
)
async def pairs_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    if len(args) > 1:
        raise BadInput("error.usage", usage_line=Usage("pairs"))
    if args:
        word = args[0].lower()
        if word in ON_WORDS:
            await pairs_db.set_optin(ctx.store, ctx.member.id, True, now=ctx.now)
            return [Reply(text=ctx.t("pairs.on") + "\n" + await _rhythm_line(ctx))]
        if word in OFF_WORDS:
            await pairs_db.set_optin(ctx.store, ctx.member.id, False, now=ctx.now)
            return [Reply(text=ctx.t("pairs.off"))]
        raise BadInput("error.usage", usage_line=Usage("pairs"))
    optin = await pairs_db.optin_of(ctx.store, ctx.member.id)
    joined = optin is not None and optin.opted_in
    lines = [ctx.t("pairs.status_on" if joined else "pairs.status_off"), await _rhythm_line(ctx)]
    current = await current_pair(ctx)
    if current is not None and current[1]:
        lines.append(ctx.t("pairs.current", week=current[0], names=_names(ctx.pack, current[1])))
    if joined and optin is not None and optin.waiting:
        lines.append(ctx.t("pairs.waiting"))
    return [
        Reply(
            title=ctx.t("pairs.title"),
            text="\n".join(lines),
            sections=(Section(text=ctx.t("pairs.rules")),),
        )
    ]


async def _rhythm_line(ctx: Ctx) -> str:
    rhythm = await pairs_db.rhythm_of(ctx.store, ctx.workspace.id)
    if rhythm is None:
        return ctx.t("pairs.rhythm_off")
    when = next_round(rhythm, ctx.workspace.timezone, ctx.now).astimezone(
        zone(ctx.workspace.timezone)
    )
    return ctx.t(
        "pairs.rhythm_on",
        weeks=rhythm.every_weeks,
        date=when.date().isoformat(),
        tz=ctx.workspace.timezone,
    )


@router.action(MET_ACTION)
async def met_action(ctx: Ctx, value: str) -> list[Reply]:
    """ "Did you meet?": stored on the member's own row of that round, whoever clicks."""
    round_raw, _, choice = value.partition(":")
    round_id = text.whole_number(round_raw, 1, text.MAX_ROW_ID)
    if round_id is None or choice not in (*MET_MINUTES, "no"):
        raise BadInput("error.stale_action")
    answered = await pairs_db.answer_met(
        ctx.store,
        round_id,
        ctx.member.id,
        met=choice != "no",
        minutes=MET_MINUTES.get(choice),
        now=ctx.now,
    )
    if not answered:
        raise BadInput("pairs.unknown_pair")
    if choice == "no":
        return [Reply(text=ctx.t("pairs.met_no") + "\n" + await _rhythm_line(ctx))]
    return [Reply(text=ctx.t("pairs.met_yes", minutes=MET_MINUTES[choice]))]


async def team_pairs(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    """``/mentor team pairs [every 2w|4w | off]`` (admins): the rhythm, and per round how
    many pairs met; never who said what."""
    if not ctx.actor.is_admin:
        raise NotAllowed("team.admin_only")
    words = [a.lower() for a in args]
    if words and words[0] in ("every", "moi", "mỗi") and len(words) == 2 and words[1] in RHYTHMS:
        words = words[1:]
    if len(words) == 1 and words[0] in RHYTHMS:
        anchor = first_round(ctx.now, ctx.workspace.timezone)
        weeks = RHYTHMS[words[0]]
        await pairs_db.set_rhythm(
            ctx.store, ctx.workspace.id, every_weeks=weeks, anchor=anchor, now=ctx.now
        )
        return [
            Reply(
                text=ctx.t(
                    "team.pairs.set",
                    weeks=weeks,
                    date=anchor.isoformat(),
                    tz=ctx.workspace.timezone,
                )
            )
        ]
    if words in (["off"], ["tat"], ["tắt"]):
        await pairs_db.delete_rhythm(ctx.store, ctx.workspace.id)
        return [Reply(text=ctx.t("team.pairs.off"))]
    if words:
        raise BadInput("error.usage", usage_line=Usage("team"))
    return [await team_overview(ctx)]


async def team_overview(ctx: Ctx) -> Reply:
    opted, waiting, rounds, rows = await pairs_db.overview(ctx.store, ctx.workspace.id, rounds=6)
    met: dict[tuple[int, int], bool] = {}
    for round_id, pair_no, said in rows:
        met[(round_id, pair_no)] = met.get((round_id, pair_no), False) or bool(said)
    fields = []
    for r in rounds:
        pairs = [k for k in met if k[0] == r.id]
        fields.append(
            Field(
                r.round_key,
                ctx.t("team.pairs.round", count=len(pairs), met=sum(met[k] for k in pairs)),
            )
        )
    lines = [
        await _rhythm_line(ctx),
        ctx.t("team.pairs.opted", count=opted, waiting=waiting),
    ]
    sections = (
        [Section(fields=tuple(fields))] if fields else [Section(text=ctx.t("team.pairs.none"))]
    )
    sections.append(Section(text=ctx.t("team.pairs.privacy")))
    return Reply(title=ctx.t("team.pairs.title"), text="\n".join(lines), sections=tuple(sections))
