"""Learning pairs: who meets whom this round, as a pure function.

The seeds say a fifth of learning comes from other people, and name the lone wolf as a
pitfall. A round of learning pairs puts two people of one workspace together: a mentor
one or two levels above the other, on the same or a neighbouring track, sharing a
language, with working hours that overlap in their time zones, and not paired with each
other in the last rounds. :func:`pair_up` does only that: no database, no clock (the
round's date is passed in), so every rule is pinned by a test with hand-made candidates
(``tests/bot/test_pairing.py``). ``bot/features/pairs.py`` reads the candidates, stores
the round and sends the introductions; ``docs/pairs.md`` states the rules for members.

Matching is greedy, with the hardest to place first: members who waited last round,
then those with the fewest possible partners. Each takes the best partner left (a gap of
one level over two, the same track over a neighbouring one, more shared hours). An odd
one out joins a pair as a trio when the trio's most senior member can mentor both others
and all three share a language and hours; otherwise they wait and go first next round.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The career ladder, lowest first (``bot/content/*/levels.yaml``).
LADDER: tuple[str, ...] = ("intern", "junior", "mid", "senior", "staff")
#: A member who never set a level is treated as this one.
DEFAULT_LEVEL = "junior"
#: How many levels above the mentee a mentor may be.
MIN_GAP, MAX_GAP = 1, 2
#: Tracks close enough to learn from each other; the relation is symmetric.
NEIGHBOURS: dict[str, frozenset[str]] = {
    "mle": frozenset({"ds", "genai", "mlops"}),
    "ds": frozenset({"mle", "research"}),
    "genai": frozenset({"mle", "mlops", "research"}),
    "mlops": frozenset({"mle", "genai"}),
    "research": frozenset({"ds", "genai"}),
}
#: Local working hours on the round's day, and the least they must share.
WORK_START, WORK_END = time(9, 0), time(18, 0)
MIN_OVERLAP = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A member as pairing sees them. ``waiting``: left without a partner last round."""

    id: int
    level: str | None
    track: str | None
    language: str
    timezone: str
    opted_in: bool = True
    paused: bool = False
    waiting: bool = False

    @property
    def rank(self) -> int:
        level = self.level if self.level in LADDER else DEFAULT_LEVEL
        return LADDER.index(level)


@dataclass(frozen=True, slots=True)
class Pair:
    """One learning pair (or trio): the mentor and the one or two they meet."""

    mentor: int
    mentees: tuple[int, ...]

    @property
    def members(self) -> tuple[int, ...]:
        return (self.mentor, *self.mentees)


@dataclass(frozen=True, slots=True)
class Round:
    pairs: tuple[Pair, ...]
    #: Opted-in members left without a partner, who go first next round.
    waiting: tuple[int, ...]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def working_hours(tz: str, day: date) -> tuple[datetime, datetime]:
    """A member's working day on ``day`` (their local date), in UTC."""
    zone = _zone(tz)
    start = datetime.combine(day, WORK_START, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day, WORK_END, tzinfo=zone).astimezone(UTC)
    return start, end


def overlap(a: str, b: str, day: date) -> timedelta:
    """How much of two time zones' working days on ``day`` coincide.

    Each side's day is its own local ``day``; a pair twelve hours apart has none.
    """
    a_start, a_end = working_hours(a, day)
    b_start, b_end = working_hours(b, day)
    return max(timedelta(0), min(a_end, b_end) - max(a_start, b_start))


def tracks_fit(a: str | None, b: str | None) -> bool:
    """Same track, or neighbours; a member without a track fits any."""
    if a is None or b is None or a == b:
        return True
    return b in NEIGHBOURS.get(a, frozenset())


def key(a: int, b: int) -> frozenset[int]:
    return frozenset((a, b))


def can_meet(a: Candidate, b: Candidate, *, day: date, recent: Collection[frozenset[int]]) -> bool:
    """Everything but the levels: a shared language, shared hours, not paired lately."""
    return (
        a.id != b.id
        and a.language == b.language
        and overlap(a.timezone, b.timezone, day) >= MIN_OVERLAP
        and key(a.id, b.id) not in recent
    )


def can_mentor(
    mentor: Candidate, mentee: Candidate, *, day: date, recent: Collection[frozenset[int]]
) -> bool:
    return (
        MIN_GAP <= mentor.rank - mentee.rank <= MAX_GAP
        and tracks_fit(mentor.track, mentee.track)
        and can_meet(mentor, mentee, day=day, recent=recent)
    )


def _roles(a: Candidate, b: Candidate) -> tuple[Candidate, Candidate]:
    return (a, b) if a.rank >= b.rank else (b, a)


def _score(mentor: Candidate, mentee: Candidate, day: date) -> tuple[int, int, timedelta]:
    """Higher is better: one level apart, then the same track, then more shared hours."""
    return (
        int(mentor.rank - mentee.rank == MIN_GAP),
        int(mentor.track is not None and mentor.track == mentee.track),
        overlap(mentor.timezone, mentee.timezone, day),
    )


def pair_up(
    candidates: Iterable[Candidate],
    *,
    day: date,
    recent: Collection[frozenset[int]] = (),
) -> Round:
    """This round's pairs and who waits. ``recent`` holds the pairs (as ``key(a, b)``) of
    the last rounds, which must not meet again yet; ``day`` is the round's date."""
    people = {c.id: c for c in candidates if c.opted_in and not c.paused}

    def fits(a: Candidate, b: Candidate) -> bool:
        mentor, mentee = _roles(a, b)
        return can_mentor(mentor, mentee, day=day, recent=recent)

    options = {
        pid: {q for q in people if q != pid and fits(person, people[q])}
        for pid, person in people.items()
    }
    order = sorted(people, key=lambda pid: (not people[pid].waiting, len(options[pid]), pid))
    free = set(people)
    pairs: list[Pair] = []
    for pid in order:
        if pid not in free:
            continue
        choices = [q for q in options[pid] if q in free]
        if not choices:
            continue

        def preference(q: int, pid: int = pid) -> tuple[object, ...]:
            mentor, mentee = _roles(people[pid], people[q])
            return (*_score(mentor, mentee, day), people[q].waiting, -len(options[q]), -q)

        best = max(choices, key=preference)
        mentor, mentee = _roles(people[pid], people[best])
        pairs.append(Pair(mentor.id, (mentee.id,)))
        free -= {pid, best}

    waiting: list[int] = []
    for pid in sorted(free, key=order.index):
        trio = _best_trio(people, pairs, people[pid], day=day, recent=recent)
        if trio is None:
            waiting.append(pid)
            continue
        index, grown = trio
        pairs[index] = grown
    return Round(pairs=tuple(pairs), waiting=tuple(waiting))


def _best_trio(
    people: dict[int, Candidate],
    pairs: list[Pair],
    odd: Candidate,
    *,
    day: date,
    recent: Collection[frozenset[int]],
) -> tuple[int, Pair] | None:
    """The pair ``odd`` can join: the trio's most senior member mentors both others, and
    all three can meet each other."""
    found: tuple[tuple[int, timedelta], int, Pair] | None = None
    for index, pair in enumerate(pairs):
        if len(pair.mentees) != 1:
            continue
        three = [people[m] for m in pair.members] + [odd]
        if not all(
            can_meet(a, b, day=day, recent=recent)
            for i, a in enumerate(three)
            for b in three[i + 1 :]
        ):
            continue
        top = max(three, key=lambda c: (c.rank, c.id == pair.mentor))
        others = [c for c in three if c is not top]
        if not all(can_mentor(top, c, day=day, recent=recent) for c in others):
            continue
        shared = min(
            overlap(a.timezone, b.timezone, day) for a in three for b in three if a is not b
        )
        rank = (int(top.id == pair.mentor), shared)
        if found is None or rank > found[0]:
            found = (rank, index, Pair(top.id, tuple(sorted(c.id for c in others))))
    return None if found is None else (found[1], found[2])
