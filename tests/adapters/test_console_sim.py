"""The console on a simulated clock: ``--clock sim --now``, ``:advance``, answering a
delivered prompt by number, and ``mentorbot demo``; run as real processes with piped
input, the way a newcomer tries it."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter, ConsoleOutlet, local_stamp
from bot.clock import SimClock
from bot.delivery import Target
from bot.events import Action, Inbound
from bot.reply import Button, Reply
from mentorbot.simulation import parse_duration, run_until
from tests.adapters.test_console import run_cli
from tests.conftest import make_actor

DST_NIGHT = (
    "/mentor schedule tz Europe/Berlin\n"
    "/mentor schedule daily 02:30 everyday\n"
    "/mentor schedule off weekly\n"
    ":advance 12h\n"
    ":advance 2d\n"
    ":advance 30m\n"
    ":advance 1d\n"
    "/mentor export\n"
)


@pytest.fixture
async def sim_db(tmp_path: Path, migrated_sqlite: Callable[[Path], Awaitable[str]]) -> str:
    """An empty database already at every migration: these processes are about the
    simulated clock, not the first start's migration, and a start on a database at every
    head skips Alembic (most of a second of CPU a process)."""
    return await migrated_sqlite(tmp_path / "sim.db")


@pytest.fixture
async def other_sim_db(tmp_path: Path, migrated_sqlite: Callable[[Path], Awaitable[str]]) -> str:
    return await migrated_sqlite(tmp_path / "other.db")


def export_of(out: str) -> dict:  # type: ignore[type-arg]
    start = out.index("{", out.index("Here is everything I store about you"))
    return json.loads(out[start:])


def test_done_when_berlin_0230_across_spring_forward(sim_db: str) -> None:
    """The issue's session: one prompt on each local day, at 02:30, except on the night
    the clocks jump from 02:00 to 03:00, when it comes at the first real instant, 03:00;
    and the export lists the same deliveries."""
    result = run_cli(
        "console",
        "--db",
        sim_db,
        "--clock",
        "sim",
        "--now",
        "2027-03-26T08:00",
        stdin=DST_NIGHT,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    stamps = re.findall(r"📬 (\w{3} \d{4}-\d{2}-\d{2} \d{2}:\d{2}) Europe/Berlin · to you", out)
    assert stamps == [
        "Sat 2027-03-27 02:30",
        "Sun 2027-03-28 03:00",
        "Mon 2027-03-29 02:30",
    ]
    titles = re.findall(r"^Daily check-in · (.+)$", out, re.M)
    assert titles == ["Sat 2027-03-27", "Sun 2027-03-28", "Mon 2027-03-29"]
    assert "⏩ now Fri 2027-03-26 21:00 Europe/Berlin: 0 delivered" in out
    assert "⏩ now Sun 2027-03-28 22:00 Europe/Berlin: 2 delivered" in out
    assert "⏩ now Mon 2027-03-29 22:30 Europe/Berlin: 1 delivered" in out

    deliveries = export_of(out)["deliveries"]
    assert [(d["kind"], d["period"], d["sent_at"]) for d in deliveries] == [
        ("prompt:daily", "2027-03-27", "2027-03-27T01:30:00+00:00"),
        ("prompt:daily", "2027-03-28", "2027-03-28T01:00:00+00:00"),
        ("prompt:daily", "2027-03-29", "2027-03-29T00:30:00+00:00"),
    ]


def test_a_delivered_prompt_is_answered_by_number(sim_db: str) -> None:
    script = (
        "/mentor schedule daily 07:00\n"
        ":advance 1d\n"
        "1\n"
        "1\n"
        "30\n"
        "Read the vLLM scheduler code\n"
        "2\n"
        "/mentor stats\n"
    )
    result = run_cli(
        "console",
        "--db",
        sim_db,
        "--clock",
        "sim",
        "--now",
        "2027-03-01T12:00",
        stdin=script,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "📬 Tue 2027-03-02 07:00 UTC · to you" in out
    assert "✅ Saved for Tue 2027-03-02: built or deployed something." in out
    assert "Minutes spent (optional): 30" in out
    assert "Share the note with your team? (optional): 2" in out
    assert "✅ Details saved for Tue 2027-03-02." in out
    assert "Shared with your team: yes" in out
    assert "Daily: 1 in a row (best 1)" in out


def test_advance_refuses_what_is_not_a_duration(sim_db: str) -> None:
    result = run_cli(
        "console",
        "--db",
        sim_db,
        "--clock",
        "sim",
        "--now",
        "2027-03-01T12:00",
        stdin=":advance soon\n:advance 5x\n:now\n",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("! not a duration") == 2
    assert "write e.g. 30m, 12h, 3d or 2w" in result.stdout
    assert "🕑 Mon 2027-03-01 12:00 UTC" in result.stdout


def test_now_needs_the_simulated_clock(tmp_path: Path) -> None:
    result = run_cli("console", "--now", "2027-03-01T12:00", stdin="")
    assert result.returncode == 2
    assert "--now needs --clock sim" in result.stderr
    result = run_cli("console", "--clock", "sim", "--now", "next tuesday", stdin="")
    assert result.returncode == 2
    assert "not a date-time" in result.stderr


def test_demo_plays_a_month_for_a_team(sim_db: str) -> None:
    result = run_cli("demo", "--db", sim_db)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Mentorbot demo: 4 members, 2027-03-01 to 2027-04-02")
    # Berlin moves to summer time on 2027-03-28: 09:00 local is 08:00Z, then 07:00Z.
    assert "2027-03-26 08:00Z  ana   Fri 09:00 Europe/Berlin     📬 Daily check-in" in out
    assert "2027-03-29 07:00Z  ana   Mon 09:00 Europe/Berlin     📬 Daily check-in" in out
    # New York moves on 2027-03-14: 10:00 local is 15:00Z, then 14:00Z.
    assert "2027-03-12 15:00Z  carla Fri 10:00 America/New_York  📬" in out
    assert "2027-03-19 14:00Z  carla Fri 10:00 America/New_York  📬" in out
    # Kolkata is UTC+05:30; Vietnamese for binh.
    assert "13:15Z  dev   Mon 18:45 Asia/Kolkata      📬 Daily check-in" in out
    assert "binh  Mon 08:30 Asia/Ho_Chi_Minh  📬 Check-in hằng ngày · T2 2027-03-01" in out
    # carla is paused from the 12th (evening) to the 19th: nothing reaches her between.
    carla = [line for line in out.splitlines() if "carla" in line and "📬" in line]
    days = {line[:10] for line in carla}
    assert not days & {f"2027-03-{d}" for d in range(13, 19)}
    assert "skipped while paused" in out
    assert "↳ later: ⏰" in out and "↳ ✅" in out
    assert out.count("/mentor stats") == 4
    # Issue 5: nudges, the monthly review, and one digest on the 1st in the workspace's
    # time zone (Berlin, the admin's: 09:00 CEST is 07:00Z) with only shared notes.
    assert "🧭" in out
    assert "Saved your review of 2027-03" in out
    assert out.count("📣 📬 Team digest") == 1
    assert "2027-04-01 07:00Z  ml-team" in out
    assert "Learnings shared with the team" in out
    assert "A held-out week caught leakage" in out
    # Issue 16: learning pairs every two weeks from Monday 2027-03-08, 10:00 Berlin; dev
    # (Kolkata) shares no hours with carla (New York), so waits and goes first next time.
    assert "2027-03-08 09:00Z  ana   Mon 10:00 Europe/Berlin     📬 🤝 Your learning pair" in out
    assert "This round ana (Senior Engineer, ML engineer) mentors you." in out
    assert "2027-03-22 09:00Z  dev   Mon 14:30 Asia/Kolkata      📬 🤝 Your learning pair" in out
    assert "📬 🤝 Did you meet?" in out and "↳ Yes, an hour or more" in out
    assert "Meetings in all: 2" in out
    # Ana's status says "Vacationing" on Wednesday and Thursday: no prompt, streak kept.
    assert "2027-03-17 08:00Z  ana   Wed 09:00 Europe/Berlin     🌴 status" in out
    assert "2027-03-18 08:00Z  ana   Thu 09:00 Europe/Berlin     🌴 status" in out
    assert "2 held while away" in out
    # Issue 16: an if-then plan for Ana's goal names Friday, so it is checked that Friday
    # at 17:00 Berlin; Binh plans from a nudge in Vietnamese; saved streaks; the packet.
    assert "↳ 📝 ✅ Plan saved: When the Friday demo ends, I will write down" in out
    assert "2027-03-05 16:00Z  ana   Fri 17:00 Europe/Berlin     📬 📝 Your if-then plan" in out
    assert "↳ 📝 ✅ Đã lưu kế hoạch: Khi mình xem xong một video hướng dẫn" in out
    assert "📬 📝 Kế hoạch nếu-thì của bạn" in out
    assert "1 plan made: 1 happened" in out
    assert "🛟 Your daily streak was saved on" in out
    assert "🩹 Chuỗi hằng ngày của bạn được nối lại vào" in out
    assert "ana   /mentor packet  →  mentorbot-packet-staff-2027-04-02.md" in out
    assert "│ # Promotion evidence packet: Mid-level Engineer" in out
    assert "│ ✓ " in out and "│ ✗ " in out
    # Issue 14: the digest reads as the console prints it, once, with its chart named.
    digest = out.split("📣 📬 Team digest · March 2027\n", 1)[1].split("\n2027-04-01 08:00Z", 1)[0]
    assert "Team digest" not in digest  # the title is the headline, not repeated
    assert "*" not in digest and "`" not in digest
    assert "minutes logged (target 70/20/10)" in digest
    assert "│ 📊 chart saved to " in digest and "team-" in digest
    assert "the team's learning minutes per ISO week" in digest
    assert "Projects shipped (logged with /mentor log projects): 1" in digest
    notes = [line for line in digest.splitlines() if line.strip().startswith("│ • ")]
    assert len(notes) == len(set(notes))
    assert out.count("📊 chart saved to ") == 5  # the digest and four calendars in stats
    assert "this member's check-ins over the last 12 weeks" in out
    for member in ("ana", "carla"):
        reviews = [ln for ln in out.splitlines() if member in ln and "review of 2027-03" in ln]
        assert len(reviews) == 1, reviews
    assert " 1 sources" not in out and " 1 activities" not in out
    assert "`" not in "".join(line for line in out.splitlines() if "↳" in line)


def test_demo_is_deterministic(sim_db: str, other_sim_db: str) -> None:
    # The two runs at once, each on its own database: they share nothing, and the wait
    # is one demo's rather than two.
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(
            lambda url: run_cli("demo", "--days", "5", "--db", url),
            [sim_db, other_sim_db],
        )
    assert first.returncode == 0, first.stderr
    assert "2027-03-01 to 2027-03-06" in first.stdout
    assert first.stdout == second.stdout


# -- in-process pieces --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("12h", timedelta(hours=12)),
        ("3d", timedelta(days=3)),
        ("2w", timedelta(weeks=2)),
        ("1d12h", timedelta(days=1, hours=12)),
        (" 2W ", timedelta(weeks=2)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "5x", "-3d", "3", "d3", "1.5h"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


class FakeScheduler:
    """Work at fixed instants; records when it ticked."""

    def __init__(self, clock: SimClock, due: Sequence[datetime]) -> None:
        self.clock = clock
        self.due = sorted(due)
        self.ticks: list[datetime] = []

    async def next_wakeup(self) -> datetime | None:
        return self.due[0] if self.due else None

    async def tick(self) -> str:
        now = self.clock.now()
        self.ticks.append(now)
        self.due = [d for d in self.due if d > now]
        return f"tick at {now:%H:%M}"


async def test_run_until_ticks_at_each_due_instant_in_order() -> None:
    start = datetime(2027, 3, 1, tzinfo=UTC)
    clock = SimClock(start)
    due = [start + timedelta(hours=h) for h in (5, 1, 3, 30)]
    fake = FakeScheduler(clock, due)
    reports: list[str] = []

    async def after(report: str) -> None:
        reports.append(report)

    ticks = await run_until(fake, clock, start + timedelta(days=1), after_tick=after)
    assert ticks == 3
    assert fake.ticks == [start + timedelta(hours=h) for h in (1, 3, 5)]
    assert reports == ["tick at 01:00", "tick at 03:00", "tick at 05:00"]
    assert clock.now() == start + timedelta(days=1)


async def test_run_until_moves_on_when_work_stays_due() -> None:
    start = datetime(2027, 3, 1, tzinfo=UTC)
    clock = SimClock(start)

    class Stuck(FakeScheduler):
        async def tick(self) -> str:
            self.ticks.append(self.clock.now())
            return "stuck"

    stuck = Stuck(clock, [start])
    await run_until(stuck, clock, start + timedelta(minutes=2))
    assert len(stuck.ticks) <= 9
    assert clock.now() == start + timedelta(minutes=2)


async def test_console_outlet_shows_local_time_and_only_own_prompts_are_answerable() -> None:
    clock = SimClock(datetime(2027, 3, 28, 1, 0, tzinfo=UTC))
    actor = make_actor()
    seen: list[Inbound] = []

    async def handler(inbound: Inbound) -> list[Reply]:
        seen.append(inbound)
        return []

    out = io.StringIO()
    adapter = ConsoleAdapter(handler=handler, actor=actor, stdin=io.StringIO(""), stdout=out)

    async def zone_of(target: Target) -> str:
        return "Europe/Berlin"

    outlet = ConsoleOutlet(adapter=adapter, clock=clock, zone_of=zone_of)
    prompt = Reply(title="Daily", buttons=(Button("Built", "checkin:answer", "daily:x:built"),))
    await outlet.deliver(Target("console", "W1", user="someone-else"), [prompt])
    assert not isinstance(adapter.inbound_for("1"), Action), "another's prompt is only shown"
    sent = await outlet.deliver(Target("console", "W1", user="U1"), [prompt])
    assert sent.message_id == "console-2"
    click = adapter.inbound_for("1")
    assert isinstance(click, Action), "the member's own prompt is answerable"
    assert (click.action_id, click.value) == ("checkin:answer", "daily:x:built")
    text = out.getvalue()
    assert "📬 Sun 2027-03-28 03:00 Europe/Berlin · to U1" in text
    assert "📬 Sun 2027-03-28 03:00 Europe/Berlin · to someone-else" in text
    assert local_stamp(clock.now(), "Asia/Kolkata") == "Sun 2027-03-28 06:30 Asia/Kolkata"
