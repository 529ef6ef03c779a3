"""What goals, metrics, nudges and the team digest share: quarters, months, local days,
and ``install``, which plugs them into the scheduler and the outbox renderer.

The features stay units (each its own module and router); this module only fills the
``Services`` fields through which the core and the scheduler reach them:

- ``tick_hooks``: ``async (scheduler, now)`` called by every scheduler tick: nudges after
  new check-ins, the monthly digest on the 1st, the quarter-end goal question (their
  ``wakeup_hooks`` are registered by the same calls);
- ``renderers``: outbox kind family -> ``async (services, delivery, member) -> replies``
  (``nudge:*``, ``digest``, ``goals:*``, ``pairs:*``, ``plan:checkup``), asked by
  ``bot.prompts.render_delivery``;
- ``on_first_contact``, ``on_timezone_change``, ``export_sections``: the schedule
  feature's routines and the ``deliveries`` section of ``/mentor export``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.periods import period_of

if TYPE_CHECKING:
    from bot.context import Services


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_date(now: datetime, tz: str | None) -> date:
    return now.astimezone(zone(tz)).date()


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First and last day of ``2027-Q1``."""
    year, q = quarter.split("-Q")
    first = date(int(year), 3 * (int(q) - 1) + 1, 1)
    return first, next_month_start(next_month_start(next_month_start(first))) - timedelta(days=1)


def shift_quarter(quarter: str, by: int) -> str:
    year, q = quarter.split("-Q")
    index = int(year) * 4 + int(q) - 1 + by
    return f"{index // 4}-Q{index % 4 + 1}"


def month_of(day: date) -> str:
    """The month of a local day, ``2027-03``: the monthly period's key (``bot.periods``)."""
    return period_of("monthly", day)


def month_start(month: str) -> date:
    year, m = month.split("-")
    return date(int(year), int(m), 1)


def next_month_start(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def shift_month(month: str, by: int) -> str:
    start = month_start(month)
    index = start.year * 12 + start.month - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def local_instant(day: date, at: time, tz: str | None) -> datetime:
    """``day`` at wall time ``at`` in ``tz``, as UTC (a DST gap moves it forward)."""
    return datetime.combine(day, at).replace(tzinfo=zone(tz)).astimezone(UTC)


def install(services: Services) -> None:
    """Plug the features into ``services``; the ``Mentor`` calls it once, when it is the
    first on these services. Hooks a test or the entry point set already are kept."""
    from bot.features import goals, nudges, pairs, plans, schedule, team

    if services.on_first_contact is None:
        services.on_first_contact = schedule.on_first_contact
    if services.on_timezone_change is None:
        services.on_timezone_change = schedule.on_timezone_change
    if services.export_sections is None:
        services.export_sections = schedule.export_sections
    services.tick_hooks += [
        nudges.tick_hook(services),
        goals.tick_hook(services),
        team.tick_hook(services),
        pairs.tick_hook(services),
    ]
    renderers = services.renderers
    renderers.setdefault("nudge", nudges.render)
    renderers.setdefault("goals", goals.render)
    renderers.setdefault("digest", team.render)
    renderers.setdefault("pairs", pairs.render)
    renderers.setdefault("plan", plans.render)
