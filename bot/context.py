"""Everything a feature handler needs for one inbound event, built once per event, and
the long-lived ``Services`` it reaches through.

``Services`` names every collaborator as a typed field. The core does not import the
scheduler, the language model or the features that plug in; it names what it asks of
them here (``Scheduler``, ``AnswerWriter``, the hook types), and the entry point
(``mentorbot.cli.wire``) fills the fields and calls :meth:`Services.check`, so a
collaborator that was never wired stops the start instead of a conversation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from tempfile import gettempdir
from typing import TYPE_CHECKING, Any, Protocol

from bot.clock import Clock
from bot.content import Library, Pack
from bot.events import Actor
from bot.prompts import PromptCache
from storage.models import Member, Workspace
from storage.repo import Store

if TYPE_CHECKING:
    from bot.delivery import Outlet
    from bot.nudges import Vocab
    from bot.reply import Reply
    from bot.router import Router
    from bot.talk.index import Passage
    from storage.models import Delivery


class WiringError(RuntimeError):
    """A collaborator the running bot needs was not wired: raised at start by
    :meth:`Services.check`, so it never surfaces as a failure mid-conversation."""


class Scheduler(Protocol):
    """What features ask of the outbox scheduler (``schedules.engine.Scheduler``)."""

    @property
    def outlets(self) -> Mapping[str, Outlet]:
        """The platforms this process sends to, by name (pairs ask for presence)."""
        ...

    async def enqueue(
        self,
        *,
        member_id: int | None = None,
        workspace_id: int,
        channel: str | None = None,
        kind: str,
        period_key: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """Queue one outbox row; False when that (target, kind, period) exists."""
        ...


class AnswerWriter(Protocol):
    """Writes an answer from retrieved passages (``bot.talk.llm.GroundedWriter``); None
    means "no answer", and the passages are shown as they are."""

    async def write(self, ctx: Ctx, question: str, passages: Sequence[Passage]) -> Reply | None: ...


#: Called by every scheduler tick with the scheduler and the tick's instant.
TickHook = Callable[[Scheduler, datetime], Awaitable[None]]
#: The next instant a tick hook has work at (a simulated clock stops there), or None.
WakeupHook = Callable[[datetime], Awaitable[datetime | None]]
#: Turns one outbox row of a kind family (``nudge``, ``digest``…) into replies.
Renderer = Callable[["Services", "Delivery", Member | None], Awaitable[list["Reply"]]]
#: Something to do for a member at a moment of their life (first contact, new zone).
MemberHook = Callable[["Ctx"], Awaitable[None]]
#: Extra top-level sections of ``/mentor export``.
ExportSections = Callable[["Ctx"], Awaitable[dict[str, Any]]]


def _chart_dir() -> Path:
    return Path(gettempdir()) / "mentorbot-charts"


@dataclass
class Services:
    """Long-lived resources built at the entry point and shared by every event."""

    store: Store
    content: Library
    clock: Clock
    # -- wired by the entry point (``mentorbot.cli.wire``) --------------------------------
    #: Queues snoozes and plan check-ups; None where no scheduler runs (a snooze says so).
    scheduler: Scheduler | None = None
    #: Writes answers with a language model when one is configured.
    answer_writer: AnswerWriter | None = None
    #: Where ``bot.charts`` writes its PNGs.
    chart_dir: Path = field(default_factory=_chart_dir)
    # -- provided by the features (``Mentor``, ``bot.mentoring.install``) ----------------
    #: Every command, action and form the mentor answers (the help, the home page's
    #: buttons and free text look commands up here).
    router: Router | None = None
    on_first_contact: MemberHook | None = None
    on_timezone_change: MemberHook | None = None
    export_sections: ExportSections | None = None
    tick_hooks: list[TickHook] = field(default_factory=list)
    wakeup_hooks: list[WakeupHook] = field(default_factory=list)
    renderers: dict[str, Renderer] = field(default_factory=dict)
    # -- per-process caches ---------------------------------------------------------------
    #: Prompts built once per language, cadence and period (``bot.prompts``).
    prompt_cache: PromptCache = field(init=False, repr=False)
    #: The nudges' vocabulary of every language, built on first use (``bot.features.nudges``).
    nudge_vocab: Vocab | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.prompt_cache = PromptCache(self.content)

    @property
    def routes(self) -> Router:
        """The mentor's merged router; a clear error when no ``Mentor`` was built."""
        if self.router is None:
            raise WiringError("Services.router is not set: build a Mentor on these services")
        return self.router

    def check(self, *, scheduler: bool = True) -> Services:
        """Every collaborator a running bot needs is wired, or one ``WiringError`` that
        names all that are missing. ``scheduler=False`` for a process that sends nothing."""
        needed: dict[str, object] = {
            "router": self.router,
            "on_first_contact": self.on_first_contact,
            "on_timezone_change": self.on_timezone_change,
            "export_sections": self.export_sections,
        }
        if scheduler:
            needed["scheduler"] = self.scheduler
        missing = [name for name, value in needed.items() if value is None]
        if scheduler and not self.tick_hooks:
            missing.append("tick_hooks")
        if missing:
            raise WiringError(
                "not wired: "
                + ", ".join(f"Services.{name}" for name in missing)
                + " (build them with mentorbot.cli.wire)"
            )
        return self


@dataclass
class Ctx:
    services: Services
    actor: Actor
    member: Member
    workspace: Workspace
    now: datetime
    first_contact: bool = False
    channel: str | None = None

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def lang(self) -> str:
        return self.member.language

    @property
    def pack(self) -> Pack:
        return self.services.content.pack(self.member.language)

    def t(self, key: str, /, **values: object) -> str:
        return self.pack.t(key, **values)

    def refresh(self, member: Member) -> None:
        """Swap in an updated member row (after ``set lang``, the reply is in the new
        language)."""
        self.member = member

    def option_labels(self, prefix: str, keys: Mapping[str, Any] | list[str]) -> dict[str, str]:
        return {k: self.t(f"{prefix}.{k}") for k in keys}
