"""The time-off rule: which statuses mean a member is away (``bot/timeoff.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.timeoff import status_says_away

NOW = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "emoji"),
    [
        ("Vacationing", ":palm_tree:"),
        ("", ":palm_tree:"),
        ("OOO until Monday", ""),
        ("ooo", None),
        ("On vacation 🌴", ""),
        ("Nghỉ phép đến thứ Hai", ""),
        ("nghi phep", ""),
        ("NGHỈ PHÉP", ""),
        ("Out sick", ":face_with_thermometer:"),
        ("PTO", ""),
    ],
)
def test_these_statuses_mean_away(text: str, emoji: str | None) -> None:
    assert status_says_away(text, emoji, expires=None, now=NOW)


@pytest.mark.parametrize(
    ("text", "emoji"),
    [
        ("", ""),
        (None, None),
        ("In a meeting", ":spiral_calendar_pad:"),
        ("Commuting", ":bus:"),
        ("Looking at a zoo of models", ""),  # "ooo" only as a word
        ("Laptop repair", ""),  # not "pto"
    ],
)
def test_these_do_not(text: str | None, emoji: str | None) -> None:
    assert not status_says_away(text, emoji, expires=None, now=NOW)


def test_an_expired_status_means_nothing() -> None:
    assert not status_says_away("OOO", ":palm_tree:", expires=NOW - timedelta(hours=1), now=NOW)
    assert status_says_away("OOO", ":palm_tree:", expires=NOW + timedelta(days=3), now=NOW)
