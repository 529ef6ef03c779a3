"""Outbox rows become check-in prompts here, and cheaply.

The scheduler hands every due ``Delivery`` to :func:`render_delivery`. At fan-out it
renders tens of thousands of prompts a second, so nothing here touches the database and
almost nothing is built per member: the parts that depend only on (language, cadence)
are built once, and the whole prompt for (language, cadence, period) is built once and
shared by every member of that language due in that period. A member's own diet sources
are the only per-member part, swapped into the shared reply.

Every button carries its cadence and period in its value (``daily:2027-03-28:built``),
so an answer given after a restart, or days late, is stored against the period the
prompt was for, and nothing about the prompt has to be remembered in memory.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import text
from bot.content import Library, Pack
from bot.periods import period_start
from bot.reply import Button, Choice, Option, Reply, Section

if TYPE_CHECKING:
    from bot.context import Services
    from storage.models import Delivery, Member

CADENCES: tuple[str, ...] = ("daily", "weekly", "monthly")
#: What a member can say they did; stored in ``CheckIn.activities``.
ACTIVITIES: tuple[str, ...] = ("built", "others", "course", "read", "shared", "skipped")
#: The "later" choices; ``morning`` is 09:00 local on the next day.
SNOOZES: tuple[str, ...] = ("1h", "3h", "morning")
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

ANSWER_ACTION = "checkin:answer"
LATER_ACTION = "checkin:later"
DETAILS_ACTION = "checkin:details"

#: Entries kept per cache before it is emptied: a fan-out touches a handful of periods,
#: so this bound only matters for a process that runs for years.
MAX_CACHED_PROMPTS = 4096


class UnknownDeliveryKind(ValueError):
    """The outbox holds a kind this renderer does not know: a bug or a newer writer,
    never something to show a member."""


def period_label(pack: Pack, cadence: str, key: str) -> str:
    """A period as a member reads it: ``Sun 2027-03-28``, ``week 12 of 2027``."""
    start = period_start(cadence, key)
    if cadence == "daily":
        weekday = pack.t(f"weekday_short.{WEEKDAYS[start.weekday()]}")
        return pack.t("period.daily", weekday=weekday, date=key)
    if cadence == "weekly":
        year, week = key.split("-W")
        return pack.t("period.weekly", week=int(week), year=year)
    return pack.t("period.monthly", year=start.year, month=f"{start.month:02d}")


def answer_value(cadence: str, period: str, choice: str) -> str:
    """The value of a check-in button or snooze option: cadence, period, choice."""
    return f"{cadence}:{period}:{choice}"


@dataclass(frozen=True, slots=True)
class _Parts:
    """Everything in a prompt that depends only on (language, cadence)."""

    pack: Pack
    intro: str
    steps: Section
    default_sources: Section
    own_sources_title: str
    ask: Section
    activity_labels: tuple[str, ...]
    later_placeholder: str
    later_labels: tuple[str, ...]


def _parts(pack: Pack, cadence: str) -> _Parts:
    routine = getattr(pack.diet, cadence)
    return _Parts(
        pack=pack,
        intro=pack.t("checkin.intro", routine=routine.title, minutes=routine.minutes),
        steps=Section(text=text.bullets(routine.steps)),
        default_sources=Section(
            title=pack.t("diet.sources_default"), text=text.bullets(routine.default_sources)
        ),
        own_sources_title=pack.t("diet.sources_own"),
        ask=Section(text=pack.t(f"checkin.ask.{cadence}")),
        activity_labels=tuple(pack.t(f"checkin.activity.{a}") for a in ACTIVITIES),
        later_placeholder=pack.t("checkin.later"),
        later_labels=tuple(pack.t(f"checkin.later.{s}") for s in SNOOZES),
    )


class PromptCache:
    """Prompts built once per (language, cadence, period, snoozed, with "later") and
    shared; see the module docstring for why."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._parts: dict[tuple[str, str], _Parts] = {}
        self._prompts: dict[tuple[str, str, str, bool, bool], Reply] = {}

    def parts(self, lang: str, cadence: str) -> _Parts:
        key = (lang, cadence)
        found = self._parts.get(key)
        if found is None:
            found = self._parts[key] = _parts(self.library.pack(lang), cadence)
        return found

    def prompt(
        self,
        lang: str,
        cadence: str,
        period: str,
        *,
        snoozed: bool = False,
        later: bool = True,
        sources: list[str] | None = None,
    ) -> Reply:
        """The check-in prompt; ``sources`` replaces the suggested diet sources."""
        key = (lang, cadence, period, snoozed, later)
        reply = self._prompts.get(key)
        if reply is None:
            if len(self._prompts) >= MAX_CACHED_PROMPTS:
                self._prompts.clear()
            reply = self._prompts[key] = self._build(
                self.parts(lang, cadence), cadence, period, snoozed=snoozed, later=later
            )
        if sources:
            parts = self.parts(lang, cadence)
            own = Section(title=parts.own_sources_title, text=text.bullets(sources))
            reply = dataclasses.replace(
                reply, sections=(reply.sections[0], own, *reply.sections[2:])
            )
        return reply

    @staticmethod
    def _build(parts: _Parts, cadence: str, period: str, *, snoozed: bool, later: bool) -> Reply:
        pack = parts.pack
        label = period_label(pack, cadence, period)
        intro = parts.intro
        if snoozed:
            intro = f"{pack.t('checkin.snoozed', period=label)}\n\n{intro}"
        buttons = tuple(
            Button(name, action_id=ANSWER_ACTION, value=answer_value(cadence, period, activity))
            for name, activity in zip(parts.activity_labels, ACTIVITIES, strict=True)
        )
        if cadence == "monthly":  # the monthly routine includes the review (goals.py)
            from bot.features.goals import review_button

            buttons = (*buttons, review_button(pack, period))
        choices: tuple[Choice, ...] = ()
        if later:
            options = tuple(
                Option(name, answer_value(cadence, period, snooze))
                for name, snooze in zip(parts.later_labels, SNOOZES, strict=True)
            )
            choices = (Choice(LATER_ACTION, parts.later_placeholder, options),)
        return Reply(
            title=pack.t(f"checkin.title.{cadence}", period=label),
            text=intro,
            sections=(parts.steps, parts.default_sources, parts.ask),
            buttons=buttons,
            choices=choices,
        )


def prompt_cache(services: Services) -> PromptCache:
    """The cache of this ``Services`` (one per process), created on first use.

    Kept on the ``Services`` rather than in a module global so two test mentors with
    different content never share prompts.
    """
    if services.prompt_cache.library is not services.content:
        services.prompt_cache = PromptCache(services.content)
    return services.prompt_cache


async def render_delivery(
    services: Services, delivery: Delivery, member: Member | None
) -> list[Reply]:
    """The replies to send for one outbox row.

    ``prompt:<cadence>`` is the routine's check-in for ``delivery.period_key``;
    ``snooze:<cadence>`` is the same prompt coming back after "later", still for its
    original period, without a second "later". Other kind families (``nudge:…``,
    ``digest``) go to the renderer registered for them in ``services.renderers``,
    so features that send through the outbox plug in without editing this module.
    A kind nobody renders raises :class:`UnknownDeliveryKind`.
    """
    family, _, cadence = delivery.kind.partition(":")
    if family not in ("prompt", "snooze"):
        other = services.renderers.get(family)
        if other is None:
            raise UnknownDeliveryKind(f"cannot render delivery kind {delivery.kind!r}")
        return list(await other(services, delivery, member))
    if cadence not in CADENCES:
        raise UnknownDeliveryKind(f"cannot render delivery kind {delivery.kind!r}")
    if member is None:
        raise UnknownDeliveryKind(f"{delivery.kind} needs a member (delivery {delivery.id})")
    own = (member.diet_sources or {}).get(cadence) or None
    snoozed = family == "snooze"
    reply = prompt_cache(services).prompt(
        # A snoozed prompt comes back once, so it offers no second "later".
        member.language,
        cadence,
        delivery.period_key,
        snoozed=snoozed,
        later=not snoozed,
        sources=own,
    )
    return [reply]
