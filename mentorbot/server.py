"""The process's one HTTP server: health, readiness, metrics, and Slack's routes.

``mentorbot run`` serves it in every mode, on ``--port`` or ``PORT``:

* ``GET /healthz``: 200 while the process runs (a liveness probe: restart it if not).
* ``GET /readyz``: 200 when the database answers and the scheduler ticked recently,
  else 503 saying which is not; a load balancer sends traffic only to a ready process.
* ``GET /metrics``: Prometheus text (``bot.telemetry``), the outbox lag read at each
  scrape.
* Slack HTTP mode adds ``/slack/events`` (and OAuth installs ``/slack/install``) to the
  same application before it starts (``SlackRuntime(server=...)``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from bot import telemetry
from bot.context import Services
from mentorbot.settings import ConfigError
from mentorbot.startup import reason
from storage.models import Delivery

log = logging.getLogger("mentorbot")

#: The scheduler ticks every 15 s; this many seconds without a finished tick (and none
#: running), or a running one that has not moved, make the process not ready.
STALE_AFTER_S = telemetry.STALL_AFTER_S
#: How long ``/readyz`` and ``/metrics`` wait for the database.
DB_TIMEOUT_S = 3.0


class ProcessServer:
    """The aiohttp application and its listener; routes may be added until ``start``."""

    def __init__(
        self,
        services: Services,
        *,
        host: str = "0.0.0.0",
        port: int = 3000,
        stale_after: float = STALE_AFTER_S,
    ) -> None:
        self.services = services
        self.host = host
        self.port = port
        self.stale_after = stale_after
        self.bound_port: int | None = None
        self.app = web.Application()
        self.app.router.add_get("/healthz", self.healthz)
        self.app.router.add_get("/readyz", self.readyz)
        self.app.router.add_get("/metrics", self.metrics)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; a port that cannot be had is a setting to change (one line, exit 2)."""
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigError(
                f"PORT={self.port}: cannot listen there ({reason(exc)}); choose a free port "
                "with --port or PORT (0: any free port)"
            ) from None
        self._runner = runner
        self.bound_port = int(runner.addresses[0][1])

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ProcessServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- routes ------------------------------------------------------------------------

    async def healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(self, request: web.Request) -> web.Response:
        database = await self._database_problem()
        ticking, how = telemetry.ticking_recently(self.stale_after)
        if not ticking:
            # A tick stuck mid-way: say once where it waits (in the log, not the body).
            telemetry.warn_if_stalled(self.stale_after)
        lines = [
            f"database: {database or 'ok'}",
            f"scheduler: {'ok' if ticking else 'stalled'}, {how}",
        ]
        ready = database is None and ticking
        return web.Response(text="\n".join(lines) + "\n", status=200 if ready else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(DB_TIMEOUT_S):
                lag = await self.outbox_lag()
        except Exception as exc:  # the other metrics still say something
            log.warning("metrics: could not read the outbox lag (%s)", reason(exc))
        else:
            telemetry.OUTBOX_LAG.set(lag)
        body = generate_latest(telemetry.REGISTRY)
        response = web.Response(body=body)
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    # -- database ----------------------------------------------------------------------

    async def _database_problem(self) -> str | None:
        try:
            async with asyncio.timeout(DB_TIMEOUT_S), self.services.store.session() as s:
                await s.execute(text("SELECT 1"))
        except Exception as exc:
            return f"unreachable ({reason(exc)})"
        return None

    async def outbox_lag(self) -> float:
        """Seconds since the oldest delivery became sendable (``not_before``) and is
        still pending or claimed: how late the slowest waiting member's prompt is."""
        now = self.services.clock.now()
        oldest: datetime | None = None
        async with self.services.store.session() as s:
            for status in ("pending", "claimed"):
                found = await s.scalar(
                    select(func.min(Delivery.not_before)).where(
                        text(f"status = '{status}'"), Delivery.not_before <= now
                    )
                )
                if found is not None and (oldest is None or found < oldest):
                    oldest = found
        if oldest is None:
            return 0.0
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=now.tzinfo)
        return max(0.0, (now - oldest).total_seconds())
