"""The numbers that decide when a late prompt is still worth sending and how hard to retry.

Kept apart from the engine so the documentation (``docs/scheduling.md``) and the tests
can point at one place, and so a change of policy is a one-line diff.

Grace windows: how late a routine's prompt may still go out. Past it, the row is kept
with status ``missed`` instead of being sent, so a restart after downtime never delivers
a burst of stale prompts.

* ``daily``: 6 hours. A 09:00 prompt that arrives by 15:00 still belongs to the same
  working day and can be answered about it; later it lands in the evening or at night
  and asks about a day that is nearly over.
* ``weekly``: 2 days. Friday 16:00 plus two days is Sunday 16:00, still the same ISO
  week, so "what did you do this week" still has the week it asks about.
* ``monthly``: 7 days. Planning the month in its first week is still useful; in the
  second week the member has already started without it.

Each window is well under the shortest gap between two occurrences of its cadence, so a
late prompt can never arrive after the next one is due.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

GRACE: dict[str, timedelta] = {
    "daily": timedelta(hours=6),
    "weekly": timedelta(days=2),
    "monthly": timedelta(days=7),
}
#: Kinds that are not a routine's prompt (nudges, digests): useful for about a day.
DEFAULT_GRACE = timedelta(days=1)

#: How long a claim holds a row without its worker: each worker beats its heartbeat row
#: every quarter of this while it ticks, and another worker takes a claimed row only once
#: the row's lease has run out and its owner has stopped beating (``schedules.heartbeat``),
#: so only a dead worker's rows ever expire.
LEASE = timedelta(minutes=2)

#: Outcomes (sends as receipts, DM channels opened, retries) are written at least this
#: often while a tick sends, and as soon as ``FLUSH_SENDS`` sends are waiting: a crash
#: re-sends at most about a second of sends (``schedules.dispatch.Recorder``).
FLUSH_EVERY_S = 1.0
FLUSH_SENDS = 500

#: Send attempts (claims) before a row is given up as ``failed``. Claims count, not only
#: errors, so a row that crashes its worker every time cannot loop forever.
MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(minutes=30)

#: How far back to look for the latest occurrence of an overdue routine: at least the
#: longest gap between two occurrences (weekdays-only daily: Friday to Monday, plus a
#: day a time zone skipped; monthly: 31 days, plus a DST hour).
LOOKBACK: dict[str, timedelta] = {
    "daily": timedelta(days=5),
    "weekly": timedelta(days=8),
    "monthly": timedelta(days=32),
}


@cache
def grace_for(kind: str) -> timedelta:
    """Grace for an outbox kind: ``prompt:<cadence>`` and ``snooze:<cadence>`` use their
    cadence's window (a snooze is measured from the time it was snoozed to)."""
    family, _, cadence = kind.partition(":")
    if family in ("prompt", "snooze") and cadence in GRACE:
        return GRACE[cadence]
    return DEFAULT_GRACE


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Delay before the next try after ``attempts`` tries: 30 s, 1 min, 2 min, 4 min,
    capped at 30 min; never shorter than what the platform asked for (Retry-After)."""
    delay = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay
