"""Everything a feature handler needs for one inbound event, built once per event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.clock import Clock
from bot.content import Library, Pack
from bot.events import Actor
from storage.models import Member, Workspace
from storage.repo import Store


@dataclass
class Services:
    """Long-lived resources built at the entry point and shared by every event."""

    store: Store
    content: Library
    clock: Clock
    #: Optional collaborators added by later layers (scheduler, outbox, charts), by name,
    #: so the core does not import them.
    extras: dict[str, Any] = field(default_factory=dict)


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
