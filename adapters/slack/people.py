"""Who is speaking: a Slack user as the core's ``Actor``.

The core needs three things Slack's payloads do not carry: whether the user is a
workspace admin or owner (Slack's own notion, for ``/mentor team …``), and their time
zone and locale (hints for first contact). ``users.info`` answers all three; it is
cached per user for a few minutes, so a burst of clicks costs one call, while a demoted
admin loses ``team`` rights within that time. When Slack cannot answer, the actor is a
non-admin with no hints rather than an error: the member still gets their reply.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.common.caches import Lru
from adapters.slack import PLATFORM
from adapters.slack.errors import SLACK_FAILURES
from bot.events import Actor

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Profile:
    display_name: str | None
    is_admin: bool
    timezone: str | None
    language: str | None


def profile_of(user: Mapping[str, Any]) -> Profile:
    profile = user.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or user.get("real_name")
    return Profile(
        display_name=str(name) if name else None,
        is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
        timezone=str(user["tz"]) if user.get("tz") else None,
        language=str(user.get("locale") or "") or None,  # the core reads the locale
    )


class People:
    """``users.info`` with a bounded, expiring cache."""

    def __init__(
        self,
        *,
        ttl: float = 300.0,
        size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._cache: Lru[tuple[str, str], tuple[float, Profile]] = Lru(size)

    async def profile(self, client: AsyncWebClient, team: str, user: str) -> Profile | None:
        key = (team, user)
        found = self._cache.get(key)
        now = self._clock()
        if found is not None and now - found[0] < self.ttl:
            return found[1]
        try:
            response = await client.users_info(user=user, include_locale=True)
        except SLACK_FAILURES as exc:
            log.warning(
                "slack: users.info for %s failed (%s); no admin rights, no hints", user, exc
            )
            return None
        profile = profile_of(response.get("user") or {})
        self._cache.put(key, (now, profile))
        return profile

    async def actor(self, client: AsyncWebClient, team: str, user: str) -> Actor:
        found = await self.profile(client, team, user)
        if found is None:
            return Actor(platform=PLATFORM, workspace=team, user=user)
        return Actor(
            platform=PLATFORM,
            workspace=team,
            user=user,
            display_name=found.display_name,
            is_admin=found.is_admin,
            timezone=found.timezone,
            language=found.language,
        )

    def forget_team(self, team: str) -> None:
        self._cache.drop(lambda key: key[0] == team)
