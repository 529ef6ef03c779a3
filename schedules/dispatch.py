"""Steps 2-4 of a tick: claimed rows are rendered, handed to outlets, and recorded.

Per batch: recipients and workspaces are read; each row is checked by the one rule of
``schedules.eligibility`` (workspace disabled, member paused or unreachable, too late,
too many attempts), rendered through the render cache, and sent by a fixed pool of
``max_in_flight`` coroutines. Outcomes are not written per batch but by the tick's
:class:`Recorder`, at least every second and every few hundred sends: at a platform's
pace a batch is minutes of sends, and a crash re-sends only what was not yet written.
Rows are ``NamedTuple`` values rather than SQLAlchemy rows or ORM objects: at fan-out
the per-row cost has to stay in single microseconds.

Outcomes: sent (message id; a new DM channel is cached on the member); a transient
platform error or an unexpected exception is retried with backoff until
``max_attempts``; a permanent one fails the row and marks the member unreachable (or,
with ``scope="workspace"`` in the error's values, disables the workspace), which stops
their routines; a renderer error fails the row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection

from bot import telemetry
from bot.context import Services
from bot.delivery import Outlet, Presence, Target
from bot.errors import PlatformUnreachable
from bot.reply import Reply
from schedules import collector, eligibility, policy
from schedules.render import RenderCache, render_key
from storage import outbox
from storage.writer import Writer

log = logging.getLogger(__name__)


class Job(NamedTuple):
    """A claimed outbox row, in the order of ``storage.outbox.CLAIM_COLUMNS``."""

    id: int
    workspace_id: int
    member_id: int | None
    channel: str | None
    target: str
    kind: str
    period_key: str
    status: str
    due_at: datetime
    attempts: int
    #: JSON text, as stored.
    payload: str | None


class Recipient(NamedTuple):
    """A member as the outbox needs them, in the order of ``RECIPIENT_COLUMNS``; the
    fields from ``language`` on are the render inputs (``RENDER_INPUTS``)."""

    id: int
    workspace_id: int
    external_user: str
    display_name: str | None
    dm_channel: str | None
    paused: bool
    unreachable: str | None
    language: str
    level: str | None
    track: str | None
    timezone: str
    digest_opt_in: bool
    diet_sources: str | None


RENDER_INPUTS = slice(Recipient._fields.index("language"), None)


class Space(NamedTuple):
    """A workspace as the outbox needs it, in the order of ``WORKSPACE_COLUMNS``."""

    id: int
    platform: str
    external_id: str
    language: str
    disabled_reason: str | None


class Fresh(NamedTuple):
    """Routine rows created claimed by one statement at fan-out: one plan (kind,
    period, due instant), each row on its first attempt, so the checks that depend on
    the row are made once for all of them (:meth:`Dispatcher.deliver_fresh`)."""

    kind: str
    period_key: str
    due_at: datetime
    #: [row id, member id] per row.
    rows: list[list[int]]


class Addresses(NamedTuple):
    """The members of a chunk of fresh rows, as :meth:`Dispatcher.look_up` read them:
    groups of (paused, unreachable, render inputs, [member id, workspace id, external
    user, dm channel] per member), and the workspaces by id."""

    groups: list[tuple[bool, str | None, tuple[Any, ...], list[list[Any]]]]
    spaces: dict[int, Space]


@dataclass
class Outcomes:
    """Results not yet written; the :class:`Recorder` writes them in one transaction."""

    sent: list[tuple[int, str]] = field(default_factory=list)
    dm_channels: dict[int, str] = field(default_factory=dict)
    retry: list[tuple[int, datetime, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    missed: list[tuple[int, str]] = field(default_factory=list)
    cancelled: list[tuple[int, str]] = field(default_factory=list)
    unreachable: dict[int, str] = field(default_factory=dict)
    disabled: dict[int, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)

    def merge(self, other: Outcomes) -> None:
        """Add ``other``'s results to these."""
        for name in ("sent", "retry", "failed", "missed", "cancelled"):
            getattr(self, name).extend(getattr(other, name))
        for name in ("dm_channels", "unreachable", "disabled"):
            getattr(self, name).update(getattr(other, name))


@dataclass
class Tally:
    """How many outcomes of each kind a tick has written."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    missed: int = 0
    cancelled: int = 0

    def add(self, out: Outcomes) -> None:
        telemetry.count_outcomes(out)
        self.sent += len(out.sent)
        self.retried += len(out.retry)
        self.failed += len(out.failed)
        self.missed += len(out.missed)
        self.cancelled += len(out.cancelled)


class Recorder:
    """Writes a tick's outcomes as they come: at least every ``every_s`` seconds and
    whenever ``sends`` sends are waiting, one transaction at a time.

    A send is a fact once the platform has it; until its receipt is written, a crash
    makes it a duplicate (the row is claimed again and re-sent). Writing per chunk made
    that up to 5,000 rows, minutes at a platform's pace; here it is about a second's
    worth. The count keeps a fast outlet's window as short, and the flushes do not
    stack: one waits for the previous, so at full speed each carries whatever arrived
    meanwhile and the number of transactions stays what the writer can do. DM channels
    a send opened go out with the same flush, so a restart does not open them again.
    """

    def __init__(
        self,
        write: Callable[[Outcomes], Awaitable[None]],
        *,
        every_s: float = policy.FLUSH_EVERY_S,
        sends: int = policy.FLUSH_SENDS,
    ) -> None:
        self._write = write
        self.every_s = every_s
        self.sends = sends
        #: Appended to by the dispatcher; swapped for an empty one at each flush, so
        #: read it afresh for every append (never across an ``await``).
        self.out = Outcomes()
        self.tally = Tally()
        self._due = asyncio.Event()
        self._flushing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        #: Set by :meth:`close`: the loop's next flush is its last.
        self._stopping = False

    def take(self, out: Outcomes) -> None:
        """Add results gathered elsewhere (a batch's checks) to the next flush."""
        self.out.merge(out)
        self.noted()

    def noted(self) -> None:
        """Call after adding sends: flush early once ``sends`` are waiting."""
        if len(self.out.sent) >= self.sends:
            self._due.set()

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="mentorbot-recorder")

    async def _run(self) -> None:
        """Flush when due, until :meth:`close` asks it to stop; then flush once more
        and return. It is never cancelled: a cancelled write could be written twice
        (SQLite's thread commits anyway, and the batch went back into the buffer), and
        on Python 3.11 a cancellation arriving as ``asyncio.wait_for`` finishes is
        swallowed, so the loop went on and ``close()`` waited for it forever."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.every_s):
                    await self._due.wait()
            self._due.clear()
            stopping = self._stopping
            try:
                await self.flush()
            except Exception:
                # Kept in the buffer; the next flush (at the latest, the tick's last)
                # tries again, and the tick fails if that one cannot write either.
                log.exception("writing delivery outcomes failed; retrying")
            if stopping:
                return

    async def flush(self) -> None:
        async with self._flushing:
            out, self.out = self.out, Outcomes()
            if not out:
                return
            try:
                await self._write(out)
            except BaseException:
                out.merge(self.out)
                self.out = out
                raise
            self.tally.add(out)

    async def close(self) -> None:
        """Stop the clock and write what is left: the write in progress finishes (it is
        not cancelled), the loop writes whatever came meanwhile and returns, and a last
        flush here raises if something is still unwritten (the loop only logs)."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping = True
            self._due.set()
            # ``wait``, not ``await task``: a caller cancelled meanwhile gets its
            # CancelledError, and it is not passed on to the write.
            await asyncio.wait({task})
        await self.flush()


#: What a send needs, flat: row id, attempts, member id, the member's cached DM channel
#: and language (None for a channel row), workspace, target, replies, outlet.
_Sendable = tuple[
    int, int, int | None, str | None, str | None, Space, Target, Sequence[Reply], Outlet
]


class Dispatcher:
    """Delivers batches of claimed rows for one tick (it holds that tick's renders)."""

    def __init__(
        self,
        services: Services,
        outlets: Mapping[str, Outlet],
        cache: RenderCache,
        *,
        writing: contextlib.AbstractAsyncContextManager[Any],
        writer: Writer,
        owner: str,
        lease: timedelta,
        max_in_flight: int,
        max_attempts: int,
    ) -> None:
        self.recorder = Recorder(self._record)
        self.services = services
        self.outlets = outlets
        self.cache = cache
        self.writing = writing
        self.writer = writer
        self.owner = owner
        self.lease = lease
        self.max_in_flight = max_in_flight
        self.max_attempts = max_attempts
        #: Outlets that can tell whether a member is away (Slack's status).
        self.presence = frozenset(p for p, o in outlets.items() if isinstance(o, Presence))

    async def deliver(self, jobs: Sequence[Job], now: datetime) -> None:
        """Send claimed rows; the :attr:`recorder` writes what happened."""
        out = Outcomes()
        with collector.paused():
            async with self.services.store.session() as s:
                conn = await s.connection()
                members = {
                    row[0]: Recipient._make(row)
                    for row in await outbox.recipients(
                        conn, list({j.member_id for j in jobs if j.member_id is not None})
                    )
                }
                spaces = {
                    row.id: Space._make(row)
                    for row in await outbox.workspaces(conn, list({j.workspace_id for j in jobs}))
                }
            ready = await self._prepare(jobs, members, spaces, now, out)
        if self.presence:
            ready = await self._without_time_off(ready, {j.id: j.kind for j in jobs}, now, out)
        self.recorder.take(out)
        await self._send_all(ready)

    async def deliver_fresh(self, fresh: Sequence[Fresh], now: datetime) -> None:
        """Send rows the fan-out has just created claimed (``schedules.materialise``):
        the same outcomes as :meth:`deliver`, with members read grouped by their render
        inputs, so that checking and rendering happen once per group and each row is
        only addressed."""
        with collector.paused():
            addresses = await self.look_up(fresh)
        await self.send_fresh(fresh, addresses, now)

    async def look_up(self, fresh: Sequence[Fresh]) -> Addresses:
        """Read the members of fresh rows (grouped, see ``outbox.fresh_members``) and
        their workspaces, on a connection of its own. The fan-out does this for one
        chunk while the previous one is sent."""
        wanted = list({mid for part in fresh for _, mid in part.rows})
        async with self.services.store.session() as s:
            conn = await s.connection()
            groups = [
                (row[0], row[1], tuple(row[2:-1]), outbox.json_ids(row[-1]))
                for row in await outbox.fresh_members(conn, wanted)
            ]
            workspace_ids = {member[1] for *_, members in groups for member in members}
            spaces = {
                row.id: Space._make(row)
                for row in await outbox.workspaces(conn, list(workspace_ids))
            }
        return Addresses(groups, spaces)

    async def send_fresh(self, fresh: Sequence[Fresh], addresses: Addresses, now: datetime) -> None:
        """The rest of :meth:`deliver_fresh`, once :meth:`look_up` has read the rows'
        members: check and render (with the collector paused), then send (without)."""
        out = Outcomes()
        ready: list[_Sendable] = []
        with collector.paused():
            for part in fresh:
                await self._prepare_fresh(part, addresses.groups, addresses.spaces, now, out, ready)
        if self.presence:
            kinds = {did: part.kind for part in fresh for did, _ in part.rows}
            ready = await self._without_time_off(ready, kinds, now, out)
        self.recorder.take(out)
        await self._send_all(ready)

    async def _without_time_off(
        self, ready: list[_Sendable], kinds: Mapping[int, str], now: datetime, out: Outcomes
    ) -> list[_Sendable]:
        """Cancel the prompts of members their platform says are away today; the rest
        go on. A status that cannot be read is not time off: the prompt is sent."""
        checked = [
            item
            for item in ready
            if item[5].platform in self.presence
            and item[6].user
            and eligibility.quiet_while_away(kinds.get(item[0], ""))
        ]
        if not checked:
            return ready
        slots = asyncio.Semaphore(self.max_in_flight)

        async def away(item: _Sendable) -> bool:
            outlet = item[8]
            assert isinstance(outlet, Presence)
            async with slots:
                try:
                    return await outlet.is_away(item[6], now=now)
                except Exception:
                    log.warning("delivery %s: could not read the member's status", item[0])
                    return False

        found = await asyncio.gather(*(away(item) for item in checked))
        held = {item[0] for item, is_away in zip(checked, found, strict=True) if is_away}
        out.cancelled.extend((did, eligibility.MEMBER_AWAY.reason) for did in held)
        return [item for item in ready if item[0] not in held] if held else ready

    async def _prepare_fresh(
        self,
        fresh: Fresh,
        groups: Sequence[tuple[bool, str | None, tuple[Any, ...], list[list[Any]]]],
        spaces: Mapping[int, Space],
        now: datetime,
        out: Outcomes,
        ready: list[_Sendable],
    ) -> None:
        """:meth:`_prepare` for one :class:`Fresh`: the rule (``schedules.eligibility``)
        taken apart, so that the plan is checked once (too late, too many attempts), each
        group of members (paused, unreachable, render inputs) once and each workspace
        once, and each row is only addressed."""
        late = eligibility.timing_refusal(
            fresh.kind, fresh.due_at, 1, now=now, max_attempts=self.max_attempts
        )
        refused_spaces = {wid: eligibility.workspace_refusal(sp) for wid, sp in spaces.items()}
        row_of = {mid: did for did, mid in fresh.rows}
        cache, outlets = self.cache, self.outlets
        for paused, unreachable, inputs, members in groups:
            # [row id, member id, workspace id, external user, dm channel]
            rows = [[row_of.pop(m[0]), *m] for m in members if m[0] in row_of]
            if not rows:
                continue
            held = eligibility.held_member(paused, unreachable)
            sendable = []
            for row in rows:
                refused = eligibility.first(
                    refused_spaces.get(row[2], eligibility.WORKSPACE_GONE), held, late
                )
                if refused is None:
                    sendable.append(row)
                else:
                    getattr(out, refused.outcome).append((row[0], refused.reason))
            if not sendable:
                continue
            did, mid, wid, user, dm = sendable[0]
            job = Job(did, wid, mid, None, f"m:{mid}", fresh.kind, fresh.period_key,
                      "claimed", fresh.due_at, 1, "{}")  # fmt: skip
            key = render_key(job, inputs)
            replies = cache.get(key)
            if replies is None:
                # Any workspace of the group will do: the rendering does not depend on it
                # (the render cache's contract).
                member = Recipient(mid, wid, user, None, dm, False, None, *inputs)
                replies = await cache.fill(key, job, member, spaces[wid])
            if isinstance(replies, str):
                out.failed.extend((row[0], f"render: {replies}"[:300]) for row in sendable)
                continue
            if not replies:
                out.cancelled.extend((row[0], "nothing to send") for row in sendable)
                continue
            language = inputs[0]
            for did, mid, wid, user, dm in sendable:
                space = spaces[wid]
                target = Target(space.platform, space.external_id, user, None, dm)
                outlet = outlets[space.platform]
                ready.append((did, 1, mid, dm, language, space, target, replies, outlet))
        # Rows whose member was deleted after the fan-out made them.
        out.cancelled.extend((did, eligibility.MEMBER_GONE.reason) for did in row_of.values())

    async def _prepare(
        self,
        jobs: Sequence[Job],
        members: Mapping[int, Recipient],
        spaces: Mapping[int, Space],
        now: datetime,
        out: Outcomes,
    ) -> list[_Sendable]:
        """Check, render and address every row; what must not be sent is sorted into
        ``out`` with its reason."""
        ready: list[_Sendable] = []
        inputs = {mid: member[RENDER_INPUTS] for mid, member in members.items()}
        cache = self.cache
        for job in jobs:
            space = spaces.get(job.workspace_id)
            member = members.get(job.member_id) if job.member_id is not None else None
            refused = eligibility.refusal(
                kind=job.kind,
                due_at=job.due_at,
                attempts=job.attempts,
                now=now,
                max_attempts=self.max_attempts,
                space=space,
                to_member=job.member_id is not None,
                member=member,
            )
            if refused is not None:
                getattr(out, refused.outcome).append((job.id, refused.reason))
                continue
            assert space is not None  # the rule refuses rows without a workspace
            if member is not None:
                key = render_key(job, inputs[member.id])
            else:
                key = render_key(job, (job.workspace_id, space.language))
            replies = cache.get(key)
            if replies is None:
                replies = await cache.fill(key, job, member, space)
            if isinstance(replies, str):
                out.failed.append((job.id, f"render: {replies}"[:300]))
                continue
            if not replies:
                out.cancelled.append((job.id, "nothing to send"))
                continue
            target = Target(
                platform=space.platform,
                workspace=space.external_id,
                user=member.external_user if member is not None else None,
                channel=job.channel,
                dm_channel=member.dm_channel if member is not None else None,
            )
            ready.append(
                (
                    job.id,
                    job.attempts,
                    job.member_id,
                    member.dm_channel if member is not None else None,
                    member.language if member is not None else None,
                    space,
                    target,
                    replies,
                    self.outlets[space.platform],
                )
            )
        return ready

    async def _send_all(self, ready: Sequence[_Sendable]) -> None:
        """Send with at most ``max_in_flight`` deliveries waiting on platforms: a fixed
        pool of coroutines pulling from one iterator, not a task per row. Each outcome
        goes to the recorder's buffer as soon as the platform answers."""
        pending = iter(ready)
        recorder = self.recorder

        async def worker() -> None:
            for did, attempts, mid, dm, language, space, target, replies, outlet in pending:
                try:
                    receipt = await outlet.deliver(target, replies)
                except PlatformUnreachable as exc:
                    self._unreachable(did, attempts, mid, language, space, exc, recorder.out)
                except Exception as exc:
                    # An error the adapter did not translate: assume it may pass.
                    log.exception("delivery %s: unexpected error from the outlet", did)
                    error = f"{type(exc).__name__}: {exc}"
                    self._retry(did, attempts, error, None, recorder.out)
                else:
                    out = recorder.out
                    out.sent.append((did, receipt.message_id))
                    if mid is not None and receipt.dm_channel and receipt.dm_channel != dm:
                        out.dm_channels[mid] = receipt.dm_channel
                    if len(out.sent) >= recorder.sends:
                        recorder.noted()

        await asyncio.gather(*(worker() for _ in range(min(self.max_in_flight, len(ready)))))

    def _unreachable(
        self,
        did: int,
        attempts: int,
        member_id: int | None,
        language: str | None,
        space: Space,
        exc: PlatformUnreachable,
        out: Outcomes,
    ) -> None:
        if not exc.permanent:
            self._retry(did, attempts, f"transient: {exc.key}", exc.retry_after, out)
            return
        out.failed.append((did, f"permanent: {exc.key}"))
        if exc.values.get("scope") == "workspace":
            out.disabled[space.id] = self._explain(exc, space.language)
        elif member_id is not None:
            out.unreachable[member_id] = self._explain(exc, language or space.language)

    def _explain(self, exc: PlatformUnreachable, language: str) -> str:
        """The error in the member's words when the content has the key (``/mentor
        profile`` shows it), else the key itself."""
        try:
            return self.services.content.t(language, exc.key, **exc.values)
        except (KeyError, IndexError, ValueError):
            return exc.key

    def _retry(
        self, did: int, attempts: int, error: str, retry_after: float | None, out: Outcomes
    ) -> None:
        if attempts >= self.max_attempts:
            out.failed.append((did, f"{error}; gave up after {attempts} attempts"))
            return
        when = self.services.clock.now() + policy.backoff(attempts, retry_after)
        out.retry.append((did, when, error))

    async def _record(self, out: Outcomes) -> None:
        sent_at = self.services.clock.now()

        def transaction(conn: Connection) -> None:
            outbox.record_sent(conn, out.sent, sent_at=sent_at)
            outbox.cache_dm_channels(conn, out.dm_channels)
            outbox.mark_retry(conn, out.retry, owner=self.owner)
            for status in ("failed", "missed", "cancelled"):
                outbox.mark_final(conn, getattr(out, status), status=status, owner=self.owner)
            outbox.set_unreachable(conn, out.unreachable)
            outbox.disable_workspaces(conn, out.disabled)

        async with self.writing:
            await self.writer.run(transaction)
