"""Time zones from what a Vietnamese team types: city names in both languages, UTC+7 and
GMT+7 (said back with what they mean), abbreviations that ask for a city, and near
misses that are never "corrected" into a zone with another offset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.zones import Resolved, Unresolved, offset_of, resolve
from tests.conftest import Chat

WINTER = datetime(2027, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2027, 7, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Hà Nội", "Asia/Ho_Chi_Minh"),
        ("Hanoi", "Asia/Ho_Chi_Minh"),
        ("ha noi", "Asia/Ho_Chi_Minh"),
        ("Hồ Chí Minh", "Asia/Ho_Chi_Minh"),
        ("Ho Chi Minh", "Asia/Ho_Chi_Minh"),
        ("TP.HCM", "Asia/Ho_Chi_Minh"),
        ("Sài Gòn", "Asia/Ho_Chi_Minh"),
        ("Saigon", "Asia/Ho_Chi_Minh"),
        ("Đà Nẵng", "Asia/Ho_Chi_Minh"),
        ("Da Nang", "Asia/Ho_Chi_Minh"),
        ("Singapore", "Asia/Singapore"),
        ("Bangkok", "Asia/Bangkok"),
        ("Tokyo", "Asia/Tokyo"),
        ("Bắc Kinh", "Asia/Shanghai"),
        ("Bangalore", "Asia/Kolkata"),
        ("Berlin", "Europe/Berlin"),
        ("London", "Europe/London"),
        ("Luân Đôn", "Europe/London"),
        ("New York", "America/New_York"),
        ("San Francisco", "America/Los_Angeles"),
        ("Sydney", "Australia/Sydney"),
        ("asia/ho_chi_minh", "Asia/Ho_Chi_Minh"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("UTC", "UTC"),
    ],
)
def test_cities_in_english_and_vietnamese(typed: str, zone: str) -> None:
    found = resolve(typed)
    assert isinstance(found, Resolved) and found.zone == zone


@pytest.mark.parametrize(
    ("typed", "zone", "hours"),
    [
        ("UTC+7", "Etc/GMT-7", 7),
        ("GMT+7", "Etc/GMT-7", 7),
        ("utc +07:00", "Etc/GMT-7", 7),
        ("+7", "Etc/GMT-7", 7),
        ("UTC-5", "Etc/GMT+5", -5),
        ("GMT+0", "UTC", 0),
    ],
)
def test_whole_hour_offsets_mean_that_offset_all_year(typed: str, zone: str, hours: int) -> None:
    found = resolve(typed)
    assert isinstance(found, Resolved) and found.zone == zone
    assert offset_of(found.zone, WINTER) == offset_of(found.zone, SUMMER) == hours


@pytest.mark.parametrize("typed", ["EST", "PST", "CET", "IST", "ICT", "edt", "BST"])
def test_abbreviations_ask_for_a_city(typed: str) -> None:
    found = resolve(typed)
    assert isinstance(found, Unresolved) and found.reason == "abbreviation"
    assert found.cities and found.suggestion is None


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("UTC+7", "Etc/GMT-7"),
        ("GMT+7", "Etc/GMT-7"),
        ("UTC+5:30", None),
        ("GMT+13", "Etc/GMT-13"),
        ("UTC+99", None),
        ("UTC7", None),
        ("GMT7", None),
        ("Hanoii", "Asia/Ho_Chi_Minh"),
        ("Saigonn", "Asia/Ho_Chi_Minh"),
        ("Berlln", "Europe/Berlin"),
        ("Asia/Ho_Chi_Mihn", "Asia/Ho_Chi_Minh"),
        ("Kolkatta", "Asia/Kolkata"),
    ],
)
def test_did_you_mean_never_offers_another_offset(typed: str, meant: str | None) -> None:
    """Whatever comes back (a zone or a suggestion) keeps the offset the member meant;
    with nothing to go on, nothing is suggested (``UTC+7`` is never ``UTC``)."""
    found = resolve(typed)
    offered = found.zone if isinstance(found, Resolved) else found.suggestion
    if meant is None:
        assert offered is None, (typed, offered)
        return
    assert offered is not None, typed
    for moment in (WINTER, SUMMER):
        assert offset_of(offered, moment) == offset_of(meant, moment), (typed, offered)


async def test_a_vietnamese_member_sets_a_city_and_reads_what_it_means(chat: Chat) -> None:
    await chat.say("/mentor lang vi")
    out = await chat.say("/mentor set tz Hà Nội")
    assert "Asia/Ho_Chi_Minh" in out
    assert "Hà Nội thuộc múi giờ `Asia/Ho_Chi_Minh` (hiện là UTC+7)" in out
    out = await chat.say("/mentor schedule tz GMT+7")
    assert "GMT+7 nghĩa là UTC+7 quanh năm, không đổi giờ mùa hè" in out
    out = await chat.say("/mentor set tz EST")
    assert "`EST` là tên viết tắt" in out and "Bạn đang ở thành phố nào?" in out
    assert "`America/New_York`" in out


async def test_an_english_member_gets_the_same_answers(chat: Chat) -> None:
    out = await chat.say("/mentor schedule tz UTC+7")
    assert "UTC+7 means UTC+7 all year round, with no summer time" in out
    assert "Etc/GMT-7" in out
    out = await chat.say("/mentor set tz Ho Chi Minh")
    assert "your time zone is now *Asia/Ho_Chi_Minh*" in out
    out = await chat.say("/mentor set tz PST")
    assert "`PST` is an abbreviation" in out and "`America/Los_Angeles`" in out
    out = await chat.say("/mentor set tz UTC+5:30")
    assert "whole-hour offsets" in out and "Did you mean" not in out
    out = await chat.say("/mentor profile")
    assert "Asia/Ho_Chi_Minh" in out  # the refused inputs changed nothing
