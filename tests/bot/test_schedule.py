"""``/mentor schedule`` as a member meets it: every command, every error, both languages.

The clock starts on Monday 2027-03-01 at 09:00 UTC; the member starts in UTC.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.events import Actor
from storage.models import Member, Routine
from tests.conftest import Chat


async def routines(chat: Chat) -> dict[str, Routine]:
    store = chat.mentor.services.store
    async with store.session() as s:
        member = await s.scalar(select(Member).where(Member.external_user == chat.actor.user))
        assert member is not None
        rows = await s.scalars(select(Routine).where(Routine.member_id == member.id))
        return {r.cadence: r for r in rows}


async def test_first_contact_creates_the_default_routines(chat: Chat) -> None:
    await chat.say("/mentor help")
    found = await routines(chat)
    assert set(found) == {"daily", "weekly", "monthly"}
    daily, weekly, monthly = found["daily"], found["weekly"], found["monthly"]
    assert (daily.hour, daily.minute, daily.weekdays_only) == (9, 0, True)
    assert (weekly.weekday, weekly.hour) == (4, 16)
    assert (monthly.day_of_month, monthly.hour) == (1, 10)
    assert all(r.enabled and r.next_due_at is not None for r in found.values())


async def test_schedule_shows_routines_zone_and_next_three_in_local_time(chat: Chat) -> None:
    out = await chat.say("/mentor schedule")
    assert "Your check-in schedule" in out
    assert "Daily: Monday to Friday at 09:00" in out
    assert "Weekly: every Friday at 16:00" in out
    assert "Monthly: on day 1 of each month at 10:00" in out
    assert "Time zone: UTC" in out
    # Monday 09:00 now: the monthly routine at 10:00 today comes first, then the dailies.
    assert (
        "Next up\n- Mon 2027-03-01 10:00: Monthly\n"
        "- Tue 2027-03-02 09:00: Daily\n- Wed 2027-03-03 09:00: Daily"
    ) in out
    assert "`/mentor schedule daily 08:30`" in out


async def test_daily_time_and_days(chat: Chat) -> None:
    out = await chat.say("/mentor schedule daily 08:30")
    assert "Done: your daily check-in now comes Monday to Friday at 08:30." in out
    assert "- Tue 2027-03-02 08:30: Daily" in out
    out = await chat.say("/mentor schedule daily everyday")
    assert "now comes every day at 08:30" in out
    out = await chat.say("/mentor schedule daily weekdays 7:05")
    assert "now comes Monday to Friday at 07:05" in out
    daily = (await routines(chat))["daily"]
    assert (daily.hour, daily.minute, daily.weekdays_only) == (7, 5, True)


async def test_weekly_and_monthly(chat: Chat) -> None:
    out = await chat.say("/mentor schedule weekly fri 16:00")
    assert "now comes every Friday at 16:00" in out
    out = await chat.say("/mentor schedule weekly Monday 10:15")
    assert "now comes every Monday at 10:15" in out
    out = await chat.say("/mentor schedule monthly 1 10:00")
    assert "now comes on day 1 of each month at 10:00" in out
    out = await chat.say("/mentor schedule monthly 31 18:00")
    assert "on day 31 of each month (the last day in shorter months) at 18:00" in out
    monthly = (await routines(chat))["monthly"]
    assert (monthly.day_of_month, monthly.hour) == (31, 18)
    # March has 31 days; April's falls on the 30th.
    await chat.say("/mentor schedule off daily")
    out = await chat.say("/mentor schedule off weekly")
    assert (
        "- Wed 2027-03-31 18:00: Monthly\n- Fri 2027-04-30 18:00: Monthly\n"
        "- Mon 2027-05-31 18:00: Monthly"
    ) in out


async def test_timezone_moves_every_next_due_time(chat: Chat) -> None:
    out = await chat.say("/mentor schedule tz Asia/Ho_Chi_Minh")
    assert "Done: your time zone is now *Asia/Ho_Chi_Minh*" in out
    assert "Time zone: Asia/Ho_Chi_Minh" in out
    # 09:00 UTC is 16:00 in Ho Chi Minh City: the monthly 10:00 has passed there.
    assert "Next up\n- Tue 2027-03-02 09:00: Daily" in out
    daily = (await routines(chat))["daily"]
    assert daily.next_due_at is not None
    assert daily.next_due_at.isoformat() == "2027-03-02T02:00:00+00:00"


async def test_set_tz_in_profile_reschedules_too(chat: Chat) -> None:
    await chat.say("/mentor set tz Europe/Berlin")
    daily = (await routines(chat))["daily"]
    assert daily.next_due_at is not None
    assert daily.next_due_at.isoformat() == "2027-03-02T08:00:00+00:00"


async def test_off_and_on(chat: Chat) -> None:
    out = await chat.say("/mentor schedule off weekly")
    assert "Your weekly check-in is off. `/mentor schedule on weekly` brings it back." in out
    assert "Weekly: off (was every Friday at 16:00)" in out
    assert (await routines(chat))["weekly"].next_due_at is None
    assert "already off; nothing changed" in await chat.say("/mentor schedule off weekly")
    out = await chat.say("/mentor schedule on weekly")
    assert "Your weekly check-in is on again: every Friday at 16:00." in out
    assert "already on" in await chat.say("/mentor schedule on weekly")
    assert "is off" in await chat.say("/mentor schedule weekly off")
    for cadence in ("daily", "monthly"):
        await chat.say(f"/mentor schedule off {cadence}")
    out = await chat.say("/mentor schedule")
    assert "Nothing is scheduled: every routine is off." in out


async def test_pause_shows_in_the_schedule(chat: Chat) -> None:
    await chat.say("/mentor pause until 2027-03-10")
    out = await chat.say("/mentor schedule")
    assert "⏸ Paused until 2027-03-10: nothing arrives before that day." in out
    assert "Next up\n- Wed 2027-03-10 09:00: Daily" in out
    await chat.say("/mentor pause")
    out = await chat.say("/mentor schedule")
    assert "⏸ Paused: nothing arrives until you type `/mentor resume`." in out
    assert "Next up" not in out and "Nothing is scheduled" not in out
    await chat.say("/mentor resume")
    assert "Next up\n- Mon 2027-03-01 10:00: Monthly" in await chat.say("/mentor schedule")


async def test_errors_show_the_valid_form(chat: Chat) -> None:
    cases = {
        "/mentor schedule daily 8:3": (
            "`8:3` is not a time I can read. Write it as HH:MM on a 24-hour clock, for example "
            "`08:30` or `16:00`. Use: `/mentor schedule daily [weekdays|everyday] [HH:MM]`"
        ),
        "/mentor schedule daily 25:00": "`25:00` is not a time I can read.",
        "/mentor schedule daily 9am": "`9am` is not a time I can read.",
        "/mentor schedule weekly fryday 16:00": (
            "`fryday` is not a day of the week. Did you mean `fri`? "
            "Use: `/mentor schedule weekly [mon|tue|wed|thu|fri|sat|sun] [HH:MM]`"
        ),
        "/mentor schedule weekly blah": (
            "`blah` is not a day of the week. Write mon, tue, wed, thu, fri, sat or sun."
        ),
        "/mentor schedule monthly 32": (
            "`32` is not a day of the month. Write a number from 1 to 31; 29 to 31 fall on "
            "the last day of shorter months. Use: `/mentor schedule monthly [1-31] [HH:MM]`"
        ),
        "/mentor schedule monthly 0 10:00": "`0` is not a day of the month.",
        "/mentor schedule monthly first": "I don't know what `first` means here.",
        "/mentor schedule daily sometimes": (
            "I don't know what `sometimes` means here. "
            "Use: `/mentor schedule daily [weekdays|everyday] [HH:MM]`"
        ),
        "/mentor schedule daily everydya": "Did you mean `everyday`?",
        "/mentor schedule dialy 09:00": (
            "I don't know what `dialy` means here. Did you mean `daily`? "
            "Use: `/mentor schedule [on|off] [daily|weekly|monthly]"
            " [weekdays|everyday|mon|tue|wed|thu|fri|sat|sun] [1-31] [HH:MM] [tz ZONE]`"
        ),
        "/mentor schedule daily 08:00 09:00": (
            "Use: `/mentor schedule daily [weekdays|everyday] [HH:MM]`"
        ),
        "/mentor schedule tz Mars/Olympus_Mons": "is not a time zone I know. Give a city",
        "/mentor schedule tz europe/berln": "Did you mean `Europe/Berlin`?",
        "/mentor schedule tz": "Use: `/mentor schedule tz ZONE`",
        "/mentor schedule off": "Use: `/mentor schedule off|on daily|weekly|monthly`",
        "/mentor schedule off yearly": "I don't know what `yearly` means here.",
    }
    await chat.say("/mentor schedule")
    before = {
        c: (r.hour, r.minute, r.weekday, r.day_of_month) for c, r in (await routines(chat)).items()
    }
    for line, expected in cases.items():
        out = await chat.say(line)
        assert expected in out, (line, out)
    after = {
        c: (r.hour, r.minute, r.weekday, r.day_of_month) for c, r in (await routines(chat)).items()
    }
    assert before == after, "a rejected command changed nothing"


async def test_options_in_the_order_discord_writes_them(chat: Chat) -> None:
    """Discord writes a sub-command's options back in their declared order (switch,
    cadence, days, day, time, tz ZONE), whichever of them the member filled in."""
    await chat.say("/mentor schedule off weekly")
    out = await chat.say("/mentor schedule on weekly thu 17:00")
    assert "now comes every Thursday at 17:00" in out
    weekly = (await routines(chat))["weekly"]
    assert (weekly.enabled, weekly.weekday, weekly.hour) == (True, 3, 17)
    out = await chat.say("/mentor schedule fri 17:30")  # a weekday names the routine
    assert "weekly check-in now comes every Friday at 17:30" in out
    out = await chat.say("/mentor schedule everyday")
    assert "daily check-in now comes every day at 09:00" in out
    out = await chat.say("/mentor schedule monthly 15 09:00 tz Asia/Tokyo")
    assert "Time zone: Asia/Tokyo" in out
    monthly = (await routines(chat))["monthly"]
    assert monthly.next_due_at is not None  # 09:00 in Tokyo is 00:00 UTC
    assert monthly.next_due_at.isoformat() == "2027-03-15T00:00:00+00:00"
    out = await chat.say("/mentor schedule off daily tz Europe/Berlin")
    assert "Time zone: Europe/Berlin" in out and "Your daily check-in is off" in out
    before = {c: (r.hour, r.enabled) for c, r in (await routines(chat)).items()}
    out = await chat.say("/mentor schedule weekly 08:00 tz Mars/Olympus_Mons")
    assert "is not a time zone I know" in out
    assert "Time zone: Europe/Berlin" in await chat.say("/mentor schedule")
    after = {c: (r.hour, r.enabled) for c, r in (await routines(chat)).items()}
    assert before == after, "a refused zone changed no routine"
    assert "Use: `/mentor schedule tz ZONE`" in await chat.say("/mentor schedule daily tz")


async def test_timezone_names_are_case_insensitive(chat: Chat) -> None:
    out = await chat.say("/mentor schedule tz asia/ho_chi_minh")
    assert "Time zone: Asia/Ho_Chi_Minh" in out


async def test_vietnamese_schedule_and_errors(chat: Chat) -> None:
    await chat.say("/mentor lang vi")
    out = await chat.say("/mentor schedule weekly t6 17:30")
    assert "Xong: check-in hằng tuần của bạn giờ sẽ đến mỗi Thứ Sáu lúc 17:30." in out
    assert "Hằng ngày: từ Thứ Hai đến Thứ Sáu, lúc 09:00" in out
    assert "- T3 2027-03-02 09:00: Hằng ngày" in out
    out = await chat.say("/mentor schedule daily 8:3")
    assert "Mình không đọc được giờ `8:3`" in out
    assert "Cách dùng: `/mentor schedule daily [weekdays|everyday] [HH:MM]`" in out
    out = await chat.say("/mentor schedule weekly fryday")
    assert "Có phải ý bạn là `fri`?" in out


async def test_help_lists_schedule(chat: Chat) -> None:
    out = await chat.say("/mentor help schedule")
    assert (
        "/mentor schedule [on|off] [daily|weekly|monthly]"
        " [weekdays|everyday|mon|tue|wed|thu|fri|sat|sun] [1-31] [HH:MM] [tz ZONE]"
    ) in out


async def test_export_has_a_deliveries_list_even_when_empty(chat: Chat) -> None:
    await chat.say("/mentor export")
    document = json.loads(next(r.document for r in chat.last if r.document))
    assert document["deliveries"] == []
    assert {r["cadence"] for r in document["routine"]} == {"daily", "weekly", "monthly"}


def _other(chat: Chat, user: str) -> Chat:
    return Chat(chat.mentor, Actor(platform="console", workspace="W1", user=user, timezone="UTC"))


async def test_each_member_has_their_own_routines(chat: Chat) -> None:
    other = _other(chat, "U2")
    await chat.say("/mentor schedule daily 06:00")
    out = await other.say("/mentor schedule")
    assert "Daily: Monday to Friday at 09:00" in out
