"""The clock of Mentorbot: one APScheduler job drives :meth:`Scheduler.tick`; there is no
job per member, because routines live in the database with their next due instant.

Each tick, with ``now`` read once from ``services.clock``:

1. Members whose ``pause until`` date has come (in their own zone) are resumed.
2. Due routines become outbox rows (``schedules.materialise``): one row per member,
   routine and period, made exactly-once by the outbox's unique constraint; after
   downtime only the latest missed period gets a row, ``pending`` inside its grace window
   (``schedules.policy``) and ``missed`` after it. Rows for platforms this worker serves
   are created already claimed and sent straight away, in chunks.
3. Features' tick hooks run (``Services.tick_hooks``: nudges, digests), then pending
   rows and rows whose lease expired are claimed in batches (``FOR UPDATE SKIP LOCKED``
   on PostgreSQL, so several workers can share the outbox).
4. Claimed rows are rendered through the core, handed to the outlet of their
   workspace's platform with bounded concurrency, and their outcomes recorded
   (``schedules.dispatch``): sends as receipts, which the tick folds into ``sent``
   rows at its end (``storage.outbox.fold_receipts``).

Leases follow the worker (``schedules.heartbeat``): while a tick runs, the worker beats
its ``worker`` row, and none of the rows it holds (sending, or queued behind) is taken
by another worker however long the platform's pace makes them wait.

Faults: a worker that dies after claiming leaves rows that another worker takes once
the dead one's heartbeat has lapsed, and a worker restarted on the same machine takes
at once (its predecessor's pid no longer runs); one that dies after sending and before
its receipts were written causes at most one duplicate of those rows, and outcomes are
written at least every second (``schedules.dispatch.Recorder``), so that is about a
second of sends; one that dies after writing receipts and before folding them sends
nothing again, since a row with a receipt is never claimed, and the next tick folds
them. Claims count as attempts, so a row that kills its worker every time is given up
after ``policy.MAX_ATTEMPTS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Connection
from sqlalchemy.orm import configure_mappers

from bot import telemetry
from bot.context import Services
from bot.delivery import Outlet
from schedules import collector, policy
from schedules.dispatch import Addresses, Dispatcher, Fresh, Job, Tally
from schedules.heartbeat import Heartbeat, Identity
from schedules.materialise import Due, plan_due, read_due, write_due
from schedules.plans import Plans
from schedules.render import Render, RenderCache, default_render
from schedules.timing import is_valid_timezone
from storage import outbox
from storage.repo import Store
from storage.writer import Writer, writer_for

log = logging.getLogger(__name__)

#: How often a scheduled tick is looked at for a stall (``Scheduler._watch``): the
#: warning comes at most this long after ``telemetry.STALL_AFTER_S`` without progress.
STALL_CHECK_S = 10.0


@dataclass
class TickReport:
    """What one tick did, for logs, tests and the console's ``:advance``."""

    now: datetime
    resumed: int = 0
    #: Outbox rows created from routines to be sent.
    created: int = 0
    #: Rows recorded as missed: too late when created, or when finally claimed.
    missed: int = 0
    #: Routine periods skipped because the member was paused or unreachable.
    skipped: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    #: Distinct renderings built (the rest were shared).
    rendered: int = 0
    #: From the start of the tick until every prompt was handed over and its receipt
    #: written; ``elapsed_s`` adds folding the receipts into their rows.
    handed_over_s: float = 0.0
    elapsed_s: float = 0.0

    def add(self, tally: Tally) -> None:
        self.sent += tally.sent
        self.retried += tally.retried
        self.failed += tally.failed
        self.missed += tally.missed
        self.cancelled += tally.cancelled


class Scheduler:
    """Drives the outbox for one process; several may share a PostgreSQL database.

    ``outlets`` maps a platform name to the adapter that sends there; a scheduler claims
    only rows of workspaces on those platforms, so a Slack process and a Discord process
    can share one database. ``render`` turns a row into replies; it defaults to the
    core's ``bot.prompts.render_delivery``, and its output is shared between rows that
    would render the same (``cache_renders``; see ``schedules.render`` for the contract).
    """

    def __init__(
        self,
        services: Services,
        *,
        outlets: Mapping[str, Outlet] | None = None,
        render: Render | None = None,
        batch_size: int = 5000,
        lease: timedelta = policy.LEASE,
        max_in_flight: int = 32,
        max_attempts: int = policy.MAX_ATTEMPTS,
        cache_renders: bool = True,
        owner: str | None = None,
        host: str | None = None,
        writers: int = 2,
    ) -> None:
        self.services = services
        self.outlets: dict[str, Outlet] = dict(outlets or {})
        self._render = render
        self.batch_size = batch_size
        self.lease = lease
        self.max_in_flight = max_in_flight
        self.max_attempts = max_attempts
        self.cache_renders = cache_renders
        #: Write transactions a fan-out runs at once on PostgreSQL (each on its own
        #: page of routines; see ``_fan_out``). SQLite has one writer.
        self.writers = writers
        #: Names this worker on the rows it claims (unique per instance) and says where
        #: it runs, so a restart on the same host can take back what it held.
        self.identity = Identity.of_this_process(owner, host)
        self.owner = self.identity.owner
        self._heartbeat: Heartbeat | None = None
        self._lock = asyncio.Lock()
        #: Serialises this process's write transactions on SQLite (one writer at a time
        #: anyway), so a writer waits here instead of in SQLite's sleeping busy handler.
        self._writing: asyncio.Lock | contextlib.nullcontext[None] = contextlib.nullcontext()
        #: Read pages of due routines ahead of writing them: on SQLite, where this
        #: process is the only writer (see ``_fan_out``).
        self._read_ahead = False
        self._writer: Writer | None = None
        self._folded = False
        #: Calls of :meth:`enqueue` under way and ended: a tick whose probe found
        #: nothing claimable still claims if one is under way or one ended since.
        self._enqueuing = 0
        self._enqueued = 0
        self._aps: AsyncIOScheduler | None = None
        self._running: asyncio.Task[Any] | None = None
        #: Seconds between looks at a running tick for a stall (``_watch``).
        self.stall_check_s = STALL_CHECK_S
        #: The last scheduled tick's report: for health checks and the benchmark.
        self.last_report: TickReport | None = None

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def writer(self) -> Writer:
        """Where this scheduler's write transactions run (``storage.writer``); made on
        first use and closed by :meth:`stop`."""
        if self._writer is None:
            self._writer = writer_for(self.store)
        return self._writer

    @property
    def render(self) -> Render:
        if self._render is None:
            self._render = default_render()
        return self._render

    def add_outlet(self, outlet: Outlet) -> None:
        self.outlets[outlet.platform] = outlet

    # --- the clock ------------------------------------------------------------------------

    def start(self, interval_s: float = 15.0) -> None:
        """Tick now and then every ``interval_s`` seconds, from one APScheduler job.

        The interval runs on the wall clock (APScheduler's own); each tick asks
        ``services.clock`` what time it is. Ticks never overlap: the job allows one
        instance and coalesces runs missed while the loop was busy.
        """
        if self._aps is not None:
            raise RuntimeError("scheduler already started")
        self._warm_up()
        aps = AsyncIOScheduler(timezone=UTC)
        aps.add_job(
            self._scheduled_tick,
            "interval",
            seconds=interval_s,
            id="mentorbot.tick",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )
        aps.start()
        self._aps = aps

    def _warm_up(self) -> None:
        """Pay at start what the first tick would otherwise pay in the middle of a
        fan-out: importing the renderers (every feature) and configuring the ORM
        mappers whose objects they read.

        Then everything alive is moved to the collector's permanent generation
        (``gc.freeze``): modules, content and mappers live as long as the process, and
        a fan-out allocates hundreds of thousands of short-lived tuples whose
        collections would otherwise walk all of them again and again (about a tenth of
        a 100,000-member tick, measured). Objects that die later are still freed by
        reference counting; only cycles among them would wait.
        """
        _ = self.render
        configure_mappers()
        gc.collect()
        gc.freeze()

    async def stop(self) -> None:
        """Stop ticking, letting a tick in progress finish recording what it sent.

        APScheduler's shutdown cancels running jobs, so the job is paused first, the
        running tick awaited, and only then the scheduler shut down.
        """
        aps, self._aps = self._aps, None
        if aps is not None:
            aps.pause()
        if self._running is not None:
            await asyncio.gather(self._running, return_exceptions=True)
        if aps is not None:
            aps.shutdown(wait=False)
            await asyncio.sleep(0)  # APScheduler shuts down on the loop's next turn
        if self._heartbeat is not None:
            try:
                await self._heartbeat.end()
            except Exception:
                log.exception("could not remove this worker's heartbeat; it lapses by itself")
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    async def _scheduled_tick(self) -> None:
        # Shielded: a cancelled job (APScheduler shutting down) must not stop a tick
        # between sending and recording.
        tick = self._running = asyncio.create_task(self.tick(), name="mentorbot-tick")
        telemetry.tick_started()
        started = perf_counter()
        watch = asyncio.create_task(self._watch(), name="mentorbot-stall-watch")
        try:
            report = self.last_report = await asyncio.shield(tick)
            if report.claimed or report.created or report.missed:
                log.info("tick: %s", report)
        except asyncio.CancelledError:
            log.info("tick job cancelled; the tick itself runs to the end")
        except Exception:
            log.exception("tick failed; the next one will retry")
        finally:
            watch.cancel()  # it only sleeps and reads the clock
            telemetry.tick_finished(perf_counter() - started)
            if tick.done():
                self._running = None

    async def _watch(self) -> None:
        """While a scheduled tick runs, look for a stall every :attr:`stall_check_s`:
        ``/readyz`` says a stuck tick is not ready only when something asks, and a
        benchmark or a worker without a probe would wait silently. The warning (once
        per stall, ``telemetry.warn_if_stalled``) carries the stacks of the tasks."""
        while True:
            await asyncio.sleep(self.stall_check_s)
            telemetry.warn_if_stalled()

    # --- the tick -------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """Do everything that is due at ``services.clock.now()``."""
        async with self._lock:
            started = perf_counter()
            now = self.services.clock.now()
            report = TickReport(now=now)
            enqueued = self._enqueued
            report.resumed, probe = await self._resume(now)
            heartbeat = self.heartbeat
            cache = RenderCache(self.services, self.render, enabled=self.cache_renders)
            dispatcher = Dispatcher(
                self.services,
                self.outlets,
                cache,
                writing=self._writing,
                writer=self.writer,
                owner=self.owner,
                lease=self.lease,
                max_in_flight=self.max_in_flight,
                max_attempts=self.max_attempts,
            )
            # The heartbeat holds everything this tick claims, sending or queued; its
            # first beat also takes back the rows of dead workers on this host.
            async with heartbeat.kept(take_back=True) as taken_back:
                # Claim unless the probe found nothing claimable and nothing since can
                # have made a row claimable: rows taken back, or rows enqueued (by the
                # hooks, or by anything else in this process meanwhile).
                def may_claim() -> bool:
                    return (
                        probe.claimable
                        or taken_back > 0
                        or self._enqueuing > 0
                        or self._enqueued != enqueued
                    )

                await self._deliver(
                    now, report, dispatcher, routines_due=probe.routines_due, may_claim=may_claim
                )
            report.add(dispatcher.recorder.tally)
            report.handed_over_s = perf_counter() - started
            # Receipts are written only by sends; a scheduler's first tick also folds
            # any left by a process that died before its fold.
            if report.sent or not self._folded:
                await self.fold()
                self._folded = True
            report.rendered = cache.misses
            report.elapsed_s = perf_counter() - started
            return report

    async def fold(self) -> int:
        """Fold every receipt into its row (``storage.outbox.fold_receipts``), one
        transaction per ``batch_size`` receipts, so that nothing waits on the fold for long: between
        chunks this process's other writes (SQLite) and the other workers' claims and
        receipts (PostgreSQL) go ahead. Returns how many receipts were folded."""
        folded, limit = 0, self.batch_size

        def fold(conn: Connection) -> int:
            return outbox.fold_receipts(conn, limit=limit)

        while True:
            async with self._writing:
                chunk = await self.writer.run(fold)
            folded += chunk or 0
            if not chunk or chunk < limit:
                return folded

    @property
    def heartbeat(self) -> Heartbeat:
        """This worker's heartbeat (``schedules.heartbeat``): ``beat_at`` is its last
        beat, for a readiness check. Made on first use, after the first tick has
        chosen how this process writes."""
        if self._heartbeat is None:
            self._heartbeat = Heartbeat(
                self.identity,
                writer=self.writer,
                writing=self._writing,
                clock=self.services.clock,
                lease=self.lease,
            )
        return self._heartbeat

    async def _deliver(
        self,
        now: datetime,
        report: TickReport,
        dispatcher: Dispatcher,
        *,
        routines_due: bool,
        may_claim: Callable[[], bool],
    ) -> None:
        """Steps 2-4, with the dispatcher's recorder writing outcomes as they come. If
        they fail midway, what this worker still holds goes back to ``pending`` (after
        the last outcomes are written), since no other worker takes a live one's rows.

        The fan-out runs only when the tick's first read found a routine due
        (``outbox.tick_probe``), the claim only when ``may_claim`` says a row may be
        claimable, and the recorder starts only when something is to be sent: an idle
        tick spawns none of their tasks or transactions. A fan-out makes no row
        claimable by this worker at ``now``: the rows it creates for this worker's
        platforms are created claimed (the others are another worker's to claim), and
        its retries wait at least ``policy.BACKOFF_BASE``."""
        recorder = dispatcher.recorder
        done = False
        try:
            if routines_due:
                recorder.start()
                await self._fan_out(now, report, dispatcher)
            await self._run_hooks(now)
            if self.outlets and may_claim():
                while jobs := await self._claim(now):
                    recorder.start()
                    report.claimed += len(jobs)
                    await dispatcher.deliver(jobs, now)
            done = True
        finally:
            try:
                await recorder.close()
            finally:
                if not done:
                    with contextlib.suppress(Exception):
                        await self.heartbeat.release_own("released: its tick failed")

    async def _fan_out(self, now: datetime, report: TickReport, dispatcher: Dispatcher) -> None:
        """Steps 2 and 4 for routines, as a pipeline: read a page of due routines,
        write its rows, send them.

        Each stage works on its own chunk at once: while chunk N is rendered and sent
        on the event loop, N+1 is written and (SQLite) N+2 read, on other connections
        whose threads run the database without the GIL; queues of one chunk bound the
        memory held. On SQLite, the one process's writer (creating rows, recording
        sends) is the stage that cannot be shared, so pages are read ahead by key and
        nothing else runs inside its transactions. On PostgreSQL, where workers may
        share the database, each write transaction reads its own page instead, locking
        its routines ``FOR UPDATE SKIP LOCKED``, and ``writers`` such transactions run
        at once on their own connections: each takes the next due routines nobody
        holds, so this worker's transactions and other workers' write disjoint pages
        side by side rather than one after another.

        The stages pause the garbage collector while they work on the database or
        render (``schedules.collector``), never while they wait on a queue or the
        platform.
        """
        pages: asyncio.Queue[Due | None] = asyncio.Queue(maxsize=1)
        chunks: asyncio.Queue[list[Fresh] | None] = asyncio.Queue(maxsize=1)
        plans = Plans(now)

        # The first page is small, so that sending starts after a fifth of a page's
        # read and write rather than a whole one's; the stages then overlap.
        first = max(1, self.batch_size // 5)

        # No sentinel in a ``finally``: if a later stage failed, its queue may be full
        # and nobody would take it; the task group cancels the others instead.
        async def read() -> None:
            after: tuple[datetime, int] | None = None
            limit = first
            while True:
                with collector.paused():
                    page = await read_due(
                        self.store, now=now, plans=plans, limit=limit, after=after
                    )
                await pages.put(page)
                if page.seen < limit:
                    break
                after, limit = page.last, self.batch_size
            await pages.put(None)

        async def write(first_limit: int) -> None:
            """Write pages until one comes back short. With read-ahead (SQLite) the
            pages come from ``read``; otherwise each transaction reads and locks its
            own (``plan_due`` with ``lock``), so several of these loops write at once."""
            claim = self._claim_for(now)
            limit = first_limit
            while not finished.is_set():
                page = await pages.get() if self._read_ahead else None
                if self._read_ahead and page is None:
                    break
                with collector.paused():
                    page, chunk = await write_due(
                        self.writer,
                        page,
                        now=now,
                        claim=claim,
                        writing=self._writing,
                        read=partial(read_locked, limit),
                    )
                report.created += chunk.created
                report.missed += chunk.missed
                report.skipped += chunk.skipped
                telemetry.count_created(chunk.created, chunk.missed)
                if chunk.fresh:
                    await chunks.put(chunk.fresh)
                if not self._read_ahead and page.seen < limit:
                    finished.set()
                limit = self.batch_size

        finished = asyncio.Event()
        #: The key of the last routine any loop has read: each page starts after it.
        #: Routines advanced earlier in this tick keep their old index entries until
        #: no snapshot can see them (any open transaction on the server holds that
        #: back), so re-reading from the start made each page walk every earlier
        #: page's routines again: quadratic over a fan-out, and as slow as the
        #: server's oldest transaction was old.
        read_after: tuple[datetime, int] | None = None

        def read_locked(limit: int, conn: Connection) -> Due:
            nonlocal read_after
            page = plan_due(conn, now=now, plans=plans, limit=limit, after=read_after, lock=True)
            if page.last is not None and (read_after is None or page.last > read_after):
                read_after = page.last
            return page

        async def write_until_done(limit: int) -> None:
            try:
                await write(limit)
            except BaseException:
                finished.set()  # the other loops stop after the write they are in
                raise

        async def write_all() -> None:
            # The first loop starts with the small page; the others with whole ones.
            writers = 1 if self._read_ahead else max(1, self.writers)
            limits = [first] + [self.batch_size] * (writers - 1)
            # Every loop is awaited to its end, even when one fails: ``gather`` does
            # not cancel the others, and a loop left running outlived the failed tick,
            # wrote rows claimed after the tick had put back what it held, and waited
            # forever on ``chunks``. Told to stop instead, each finishes its write (its
            # chunk still goes out while the other stages run) and returns.
            results = await asyncio.gather(
                *(write_until_done(limit) for limit in limits), return_exceptions=True
            )
            for result in results:
                if isinstance(result, BaseException):
                    raise result
            await chunks.put(None)

        # Members are read for chunk N+1 while chunk N is checked, rendered and sent.
        addressed: asyncio.Queue[tuple[list[Fresh], Addresses] | None] = asyncio.Queue(1)

        async def look_up() -> None:
            while (fresh := await chunks.get()) is not None:
                with collector.paused():
                    addresses = await dispatcher.look_up(fresh)
                await addressed.put((fresh, addresses))
            await addressed.put(None)

        async def send() -> None:
            while (item := await addressed.get()) is not None:
                fresh, addresses = item
                report.claimed += sum(len(part.rows) for part in fresh)
                await dispatcher.send_fresh(fresh, addresses, now)

        try:
            async with asyncio.TaskGroup() as group:
                if self._read_ahead:
                    group.create_task(read(), name="fan-out:read")
                group.create_task(write_all(), name="fan-out:write")
                group.create_task(look_up(), name="fan-out:look-up")
                group.create_task(send(), name="fan-out:send")
        except BaseExceptionGroup as failed:
            # Callers of tick() expect the error itself, not a group of one.
            raise failed.exceptions[0] from None

    async def _run_hooks(self, now: datetime) -> None:
        """Features that queue their own rows (nudges, digests, quarter-end questions)
        register ``async (scheduler, now)`` in ``Services.tick_hooks``; one failing
        must not stop the tick or the others."""
        for hook in list(self.services.tick_hooks):
            try:
                await hook(self, now)
            except Exception:
                log.exception("tick hook %r failed; the next tick runs it again", hook)

    async def _resume(self, now: datetime) -> tuple[int, outbox.Probe]:
        """Clear ``paused`` once the member's local date reaches ``paused_until``;
        returns how many were resumed and the tick's probe (whether any routine is due,
        whether any row is claimable), all read by one statement
        (``outbox.tick_probe``)."""
        async with self.store.session() as s:
            conn = await s.connection()
            if conn.dialect.name == "sqlite" and not isinstance(self._writing, asyncio.Lock):
                self._writing = asyncio.Lock()
                self._read_ahead = True
            probe = await outbox.tick_probe(
                conn,
                now=now,
                on_or_before=now.date() + timedelta(days=1),
                platforms=tuple(self.outlets),
            )
            due = [
                row.id
                for row in probe.paused
                if now.astimezone(_zone(row.timezone)).date() >= row.paused_until
            ]
            await outbox.resume_members(conn, due)
        return len(due), probe

    def _claim_for(self, now: datetime) -> outbox.Claim:
        return outbox.Claim(
            owner=self.owner, lease_until=now + self.lease, platforms=tuple(self.outlets)
        )

    async def _claim(self, now: datetime) -> list[Job]:
        async with self.store.session() as s:
            rows = await outbox.claim(
                await s.connection(), self._claim_for(now), now=now, limit=self.batch_size
            )
        return [Job._make(row) for row in rows]

    # --- for features and the console -----------------------------------------------------

    async def next_wakeup(self) -> datetime | None:
        """The earliest instant at which a tick would have something to do.

        Besides the outbox, each ``Services.wakeup_hooks`` entry (``async (now) ->
        datetime | None``) may name an instant its tick hook has work at (the digest at
        09:00 on the 1st), so a simulated clock stops there too."""
        async with self.store.session() as s:
            conn = await s.connection()
            found = await outbox.next_wakeup(conn, platforms=list(self.outlets))
        for hook in list(self.services.wakeup_hooks):
            at = await hook(self.services.clock.now())
            if at is not None and (found is None or at < found):
                found = at
        return found

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
        """Put one row in the outbox (a snooze, a nudge, a digest); False if that
        (target, kind, period) exists already, so callers can enqueue without checking.

        The row goes to the member's DM when ``member_id`` is given, else to ``channel``.
        """
        if due_at.tzinfo is None:
            raise ValueError("due_at must be timezone-aware")
        if member_id is not None:
            target = outbox.member_target(member_id)
        elif channel:
            target = outbox.channel_target(workspace_id, channel)
        else:
            raise ValueError("enqueue needs a member_id or a channel")
        values = {
            "workspace_id": workspace_id,
            "member_id": member_id,
            "channel": channel,
            "target": target,
            "kind": kind,
            "period_key": period_key,
            "status": "pending",
            "due_at": due_at,
            "not_before": due_at,
            "attempts": 0,
            "payload": payload or {},
            "created_at": self.services.clock.now(),
        }
        # Counted for a tick that read nothing claimable (``tick``): it claims anyway
        # while an enqueue is under way or once one has ended since its read.
        self._enqueuing += 1
        try:
            async with self.store.session() as s:
                return await outbox.insert_delivery(await s.connection(), values)
        finally:
            self._enqueuing -= 1
            self._enqueued += 1


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name if is_valid_timezone(name) else "UTC")
