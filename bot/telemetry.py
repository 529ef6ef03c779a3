"""What an operator can watch: the process's Prometheus metrics and its tick clock.

The scheduler and the outlets call the small functions here (one line each at the place
the thing happens); ``mentorbot.server`` exposes ``REGISTRY`` at ``/metrics`` and asks
``ticking_recently`` for ``/readyz``. Counts are per process: Prometheus sums them
over workers. The outbox lag is not counted here but read from the database at each
scrape (``mentorbot.server``), since it is the same for every worker.

A tick that stops moving is a stall: :func:`warn_if_stalled` logs, once per stall,
where every task of the process waits (``bot.stacks``), so the next one says where it
waited instead of being a process that merely sits there.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

from bot import stacks

log = logging.getLogger(__name__)

#: A running tick that has not moved (written a chunk, recorded sends) for this long is
#: stalled; so is a process whose last tick ended this long ago (``/readyz``).
STALL_AFTER_S = 120.0

#: The process's own registry (not prometheus_client's global one), so importing a
#: library that registers metrics of its own adds nothing to ``/metrics`` unasked.
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

PROMPTS_CREATED = Counter(
    "mentorbot_prompts_created",
    "Outbox rows created from routines (one per member, routine and period).",
    registry=REGISTRY,
)
PROMPTS_SENT = Counter(
    "mentorbot_prompts_sent",
    "Deliveries the platform accepted (prompts, nudges, digests).",
    registry=REGISTRY,
)
PROMPTS_FAILED = Counter(
    "mentorbot_prompts_failed",
    "Deliveries given up: refused for good by the platform, or out of attempts.",
    registry=REGISTRY,
)
PROMPTS_RETRIED = Counter(
    "mentorbot_prompts_retried",
    "Deliveries that failed for now and were put back with a backoff.",
    registry=REGISTRY,
)
PROMPTS_MISSED = Counter(
    "mentorbot_prompts_missed",
    "Deliveries recorded as missed: past their grace window when created or claimed.",
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "mentorbot_rate_limited",
    "HTTP 429 answers from a platform's API (retried ones included).",
    ["platform"],
    registry=REGISTRY,
)
TICK_SECONDS = Histogram(
    "mentorbot_tick_duration_seconds",
    "How long one scheduler tick took, from start to its receipts folded.",
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
    registry=REGISTRY,
)
LAST_TICK = Gauge(
    "mentorbot_last_tick_timestamp_seconds",
    "Unix time at which this process's scheduler last finished a tick.",
    registry=REGISTRY,
)
OUTBOX_LAG = Gauge(
    "mentorbot_outbox_lag_seconds",
    "Age of the oldest delivery that is due and not yet sent (0 when none waits).",
    registry=REGISTRY,
)

_clock = time.monotonic
_finished_at: float | None = None
_running = 0
#: When a running tick last moved: started, wrote a chunk of rows, or recorded sends.
#: A tick that is running but has not moved for long is a stall, not a long fan-out.
_progress_at: float | None = None
#: The ``_progress_at`` of the stall last warned about: one warning per stall.
_warned_for: float | None = None


class Outcomes(Protocol):
    """What a chunk of sends came to (``schedules.dispatch.Outcomes``)."""

    sent: list
    failed: list
    retry: list
    missed: list


def count_outcomes(out: Outcomes) -> None:
    """Called once per chunk of sends, as soon as its outcomes are known."""
    if out.sent or out.failed or out.retry or out.missed:
        _moved()
    PROMPTS_SENT.inc(len(out.sent))
    PROMPTS_FAILED.inc(len(out.failed))
    PROMPTS_RETRIED.inc(len(out.retry))
    PROMPTS_MISSED.inc(len(out.missed))


def count_created(created: int, missed: int) -> None:
    """Called once per chunk of outbox rows written from due routines."""
    _moved()
    PROMPTS_CREATED.inc(created)
    PROMPTS_MISSED.inc(missed)


def rate_limited(platform: str) -> None:
    """Called by an outlet (or its HTTP client) for every 429 it meets."""
    RATE_LIMITED.labels(platform=platform).inc()


def tick_started() -> None:
    global _running
    _running += 1
    _moved()


def _moved() -> None:
    global _progress_at
    _progress_at = _clock()


def tick_finished(seconds: float) -> None:
    """Called when a tick ends, however it ended (a failed tick has ticked too)."""
    global _running, _finished_at
    _running = max(0, _running - 1)
    _finished_at = _clock()
    TICK_SECONDS.observe(seconds)
    LAST_TICK.set_to_current_time()


def quiet_for() -> float | None:
    """Seconds since the running tick last moved; None when no tick runs."""
    if not _running:
        return None
    return _clock() - _progress_at if _progress_at is not None else 0.0


def warn_if_stalled(within_s: float = STALL_AFTER_S) -> bool:
    """Whether a tick is running and has not moved for more than ``within_s`` seconds;
    the first time a stall is seen (by ``/readyz`` or by the scheduler's own watch),
    one warning with the stacks of the process's tasks says where they wait."""
    global _warned_for
    quiet = quiet_for()
    if quiet is None or quiet <= within_s:
        return False
    if _warned_for != _progress_at:
        _warned_for = _progress_at
        log.warning(
            "a scheduler tick has not moved for %.0f s (more than %.0f s); its tasks wait"
            " here:\n%s",
            quiet,
            within_s,
            stacks.all_task_stacks(),
        )
    return True


def ticking_recently(within_s: float) -> tuple[bool, str]:
    """Whether the scheduler is alive, with the reason: a tick is running and has
    moved (written rows, recorded sends) within ``within_s`` seconds, so a long fan-out
    is not a stall but a tick stuck mid-way is; or one finished that recently."""
    quiet = quiet_for()
    if quiet is not None:
        if quiet <= within_s:
            return True, "a tick is running"
        return False, (
            f"a tick is running but has not moved for {quiet:.0f} s (more than {within_s:.0f} s)"
        )
    if _finished_at is None:
        return False, "no tick has finished yet"
    age = _clock() - _finished_at
    if age <= within_s:
        return True, f"last tick {age:.0f} s ago"
    return False, f"last tick {age:.0f} s ago (more than {within_s:.0f} s)"
