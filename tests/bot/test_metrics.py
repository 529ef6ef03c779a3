"""Career metrics: ``/mentor log`` with aliases and units, per quarter, fed by check-ins,
and shown by ``/mentor stats`` this quarter against the last (with the calendar PNG)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.features.metrics import (
    ALIASES,
    METRICS,
    MetricValueError,
    calendar_levels,
    derive,
    parse_value,
    show,
)
from storage.models import CheckIn, MetricEntry
from tests.conftest import Chat

SEEDS = {
    "projects_shipped",
    "users_impacted",
    "cost_saved",
    "performance_improved",
    "people_mentored",
    "presentations",
    "design_docs",
    "papers_read",
    "blog_posts",
    "github_stars",
    "followers",
    "new_skills",
    "certifications",
}


def test_every_metric_of_the_seeds_is_tracked() -> None:
    assert set(METRICS) == SEEDS
    for key in SEEDS:
        assert ALIASES[key.replace("_", "-")] == key


@pytest.mark.parametrize(
    ("kind", "raw", "unit_word", "expected"),
    [
        ("count", "3", None, (3.0, "")),
        ("count", "1.5m", None, (1_500_000.0, "")),
        ("count", "1,500", None, (1500.0, "")),
        ("count", "1,5", None, (1.5, "")),
        ("count", "0.125", None, (0.125, "")),
        ("count", "2", "k", (2000.0, "")),
        ("count", "-1", None, (-1.0, "")),
        ("money", "2k", None, (2000.0, "")),
        ("money", "$2k", None, (2000.0, "usd")),
        ("money", "500", "usd", (500.0, "usd")),
        ("money", "50tr", "vnd", (50_000_000.0, "vnd")),
        ("money", "1.500.000đ", None, (1_500_000.0, "vnd")),
        ("change", "-40%", None, (-40.0, "%")),
        ("change", "2x", None, (2.0, "x")),
        ("change", "-120ms", None, (-120.0, "ms")),
        ("change", "15", None, (15.0, "%")),
        ("total", "120", None, (120.0, "")),
    ],
)
def test_values_are_read_with_their_units(kind, raw, unit_word, expected) -> None:
    assert parse_value(kind, raw, unit_word) == expected


@pytest.mark.parametrize(
    ("kind", "raw", "key"),
    [
        ("count", "three", "metrics.bad_number"),
        ("count", "3%", "metrics.no_unit.count"),
        ("count", "$3", "metrics.no_unit.count"),
        ("money", "2kg", "metrics.no_unit.money"),
        ("change", "40usd", "metrics.no_unit.change"),
        ("total", "-5", "metrics.negative_total"),
        ("count", "1.50.0", "metrics.bad_number"),
        ("count", "9" * 20, "metrics.bad_number"),
    ],
)
def test_unreadable_values_name_the_problem(kind, raw, key) -> None:
    with pytest.raises(MetricValueError) as info:
        parse_value(kind, raw)
    assert info.value.key == key


def test_values_are_shown_as_members_read_them() -> None:
    assert show(2000, "usd", "money", "en") == "$2,000"
    assert show(-40, "%", "change", "en") == "-40%"
    assert show(1500.5, "", "count", "vi") == "1.500,5"
    assert show(50_000_000, "vnd", "money", "vi") == "50.000.000 VND"


async def test_log_with_aliases_units_and_a_note(chat: Chat) -> None:
    out = await chat.say("/mentor log cost 2k GPU spot instances")
    assert "Logged *Cost saved*: 2,000. 2027-Q1 so far: 2,000." in chat.last[-1].text
    await chat.say("/mentor log savings $500")
    assert "2027-Q1 so far: 2,000 + $500." in chat.text
    out = await chat.say("/mentor log latency -40% p95 after batching")
    assert "Performance improvements*: -40%" in out
    out = await chat.say("/mentor log users 1.5m")
    assert "1,500,000" in out
    await chat.say("/mentor log design docs 1 retrieval service")
    assert "Design docs*: 1" in chat.text
    async with chat.mentor.services.store.session() as s:
        rows = list(await s.scalars(select(MetricEntry).order_by(MetricEntry.id)))
    assert [(r.metric, r.value, r.unit, r.quarter) for r in rows] == [
        ("cost_saved", 2000.0, "", "2027-Q1"),
        ("cost_saved", 500.0, "usd", "2027-Q1"),
        ("performance_improved", -40.0, "%", "2027-Q1"),
        ("users_impacted", 1_500_000.0, "", "2027-Q1"),
        ("design_docs", 1.0, "", "2027-Q1"),
    ]
    assert rows[0].note == "GPU spot instances"
    assert rows[2].note == "latency: p95 after batching"
    assert rows[4].note == "retrieval service"


async def test_unknown_metric_gets_a_did_you_mean(chat: Chat) -> None:
    out = await chat.say("/mentor log papres 2")
    assert "`papres` is not a metric I track. Did you mean `papers`?" in out
    out = await chat.say("/mentor log zzzz 2")
    assert "`zzzz` is not a metric I track. I know: projects_shipped" in out
    out = await chat.say("/mentor log papers")
    assert "Use: `/mentor log METRIC N [NOTE]`" in out
    out = await chat.say("/mentor log papers 3%")
    assert "plain count" in out


async def test_log_alone_lists_every_metric_in_both_languages(chat: Chat) -> None:
    out = await chat.say("/mentor log")
    assert "Technical impact" in out and "GitHub stars: `github-stars`" in out
    await chat.say("/mentor lang vi")
    out = await chat.say("/mentor log")
    assert "Tác động kỹ thuật" in out and "GitHub star" in out
    out = await chat.say("/mentor log bai-bao 2")
    assert "Đã ghi *Paper đã đọc*: 2." in out


def checkin_row(cadence: str, period: str, *activities: str, member_id: int = 1) -> CheckIn:
    now = datetime(2027, 3, 30, tzinfo=UTC)
    return CheckIn(
        member_id=member_id,
        cadence=cadence,
        period_key=period,
        activities=list(activities),
        answered_at=now,
        updated_at=now,
    )


def test_checkins_imply_papers_and_posts_once_each() -> None:
    rows = [
        checkin_row("daily", "2027-03-01", "read"),
        checkin_row("daily", "2027-03-02", "read", "shared"),
        checkin_row("weekly", "2027-W09", "read", "shared"),  # daily ones cover the reading
        checkin_row("weekly", "2027-W10", "read"),
        checkin_row("monthly", "2027-03", "read"),  # finer answers this month: not again
        checkin_row("monthly", "2027-04", "shared"),
        checkin_row("daily", "2027-03-03", "built", "course"),
    ]
    found = sorted((d.metric, d.source_key, d.quarter) for d in derive(rows))
    assert found == [
        ("blog_posts", "daily:2027-03-02", "2027-Q1"),
        ("blog_posts", "monthly:2027-04", "2027-Q2"),
        ("papers_read", "daily:2027-03-01", "2027-Q1"),
        ("papers_read", "daily:2027-03-02", "2027-Q1"),
        ("papers_read", "weekly:2027-W10", "2027-Q1"),
    ]


async def test_stats_shows_this_quarter_against_the_last_with_checkins_counted(
    chat: Chat, clock
) -> None:
    clock.set(datetime(2026, 12, 10, 12, 0, tzinfo=UTC))
    await chat.say("/mentor log papers 2")
    await chat.say("/mentor log stars 40")
    clock.set(datetime(2027, 3, 12, 12, 0, tzinfo=UTC))
    await chat.say("/mentor log papers 1")
    await chat.say("/mentor log stars 120")
    await chat.act("checkin:answer", "weekly:2027-W10:read")
    await chat.act("checkin:answer", "weekly:2027-W10:shared")
    out = await chat.say("/mentor stats")
    assert "Career metrics: 2027-Q1 (against 2026-Q4)" in out
    assert "- Papers read: *2* (last quarter 2) =" in out
    assert "- Blog posts: *1* (last quarter 0) ↑" in out
    assert "- GitHub stars: *120* (last quarter 40) ↑" in out
    [reply] = chat.last
    [path] = reply.files
    assert Path(path).read_bytes().startswith(b"\x89PNG")
    # Answering again does not count twice; removing the activity removes the paper.
    await chat.act("checkin:answer", "weekly:2027-W10:read")
    assert "Papers read: *2*" in await chat.say("/mentor stats")
    await chat.act("checkin:answer", "weekly:2027-W10:skipped")
    out = await chat.say("/mentor stats")
    assert "Papers read: *1*" in out and "Blog posts" not in out


async def test_stats_without_metrics_says_how_to_start(chat: Chat) -> None:
    out = await chat.say("/mentor stats")
    assert "Nothing logged in these two quarters yet." in out


def test_calendar_shades_days_by_activity() -> None:
    rows = [
        checkin_row("daily", "2027-03-01", "built"),
        checkin_row("daily", "2027-03-02", "built", "read", "shared"),
        checkin_row("daily", "2027-03-03", "skipped"),
        checkin_row("weekly", "2027-W13", "others"),  # answered on 2027-03-30
    ]
    levels = calendar_levels(rows, "UTC")
    assert levels == {
        datetime(2027, 3, 1).date(): 2,
        datetime(2027, 3, 2).date(): 4,
        datetime(2027, 3, 3).date(): 1,
        datetime(2027, 3, 30).date(): 2,
    }


async def test_metric_entries_are_exported_and_forgotten(chat: Chat) -> None:
    await chat.say("/mentor log papers 2 attention is all you need")
    await chat.say("/mentor export")
    assert '"metric": "papers_read"' in (chat.last[-1].document or "")
    await chat.say("/mentor forget")
    await chat.click("Yes")
    async with chat.mentor.services.store.session() as s:
        assert list(await s.scalars(select(MetricEntry))) == []


async def test_a_negative_count_only_corrects_and_never_goes_below_zero(chat: Chat) -> None:
    out = await chat.say("/mentor log users -5")
    assert "would take *Users impacted* below zero" in out and "Logged" not in out
    await chat.say("/mentor log users 10")
    out = await chat.say("/mentor log users -4")
    assert out.startswith("Corrected *Users impacted* by -4.") and "so far: 6" in out
    await chat.say("/mentor lang vi")
    out = await chat.say("/mentor log users -7")
    assert "sẽ làm *" in out and "xuống dưới 0" in out
