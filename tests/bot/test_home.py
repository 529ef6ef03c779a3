"""The home page (Slack's App Home): what it shows, and that it renders whatever fails."""

from __future__ import annotations

import logging

import pytest

from bot import home
from bot.context import Ctx, Services
from bot.mentor import Mentor, default_features
from bot.reply import Section
from tests.conftest import Chat, make_actor


def with_home(services: Services) -> Mentor:
    assert home.RUN_ACTION in {a for r in default_features() for a in r.actions}
    return Mentor(services)


async def test_home_shows_profile_streaks_goals_next_prompts_and_quick_buttons(
    services: Services,
) -> None:
    mentor = with_home(services)
    chat = Chat(mentor, make_actor("U1", platform="slack"))
    await chat.say("/mentor set level mid")
    await chat.say("/mentor goals")
    page = await home.home_view(services, chat.actor)
    text = page.plain_text()
    assert page.title and "Mid-level" in text
    titles = [s.title for s in page.sections if s.title]
    assert "Your profile" in titles and "Next check-ins" in titles
    assert any(t.startswith("Goals for 2027-Q1") for t in titles)
    assert "Daily" in text  # streaks and the next prompts name their cadence
    commands = [b.value for b in page.buttons if b.action_id == home.RUN_ACTION]
    assert commands == ["checkin", "goals", "stats", "level", "assess", "help"]

    answer = await chat.act(home.RUN_ACTION, "stats")
    assert answer == await chat.say("/mentor stats")


async def test_first_visit_welcomes_and_creates_the_member(services: Services) -> None:
    with_home(services)
    page = await home.home_view(services, make_actor("U2", platform="slack"))
    assert "Hi, I'm *Mentorbot*" in page.text


async def test_a_failing_part_is_left_out_and_the_rest_renders(services: Services) -> None:
    with_home(services)

    async def broken(ctx: Ctx) -> list[Section]:
        raise RuntimeError("boom")

    async def extra(ctx: Ctx) -> list[Section]:
        return [Section(title="Extra", text="from a later feature")]

    page = await home.home_view(services, make_actor(platform="slack"), parts=(broken, extra))
    assert [s.title for s in page.sections] == ["Extra"]


async def test_home_shows_the_streaks_stats_shows(services: Services) -> None:
    """The streaks part calls ``checkin.streak_sections`` itself: it once fell back to a
    ``streak_section`` that does not exist, and the AttributeError was hidden."""
    chat = Chat(with_home(services), make_actor("U3", platform="slack"))
    await chat.say("/mentor profile")
    page = await home.home_view(services, chat.actor)
    [streaks] = [s for s in page.sections if s.title == "Streaks"]
    assert [f.label for f in streaks.fields] == ["Daily", "Weekly", "Monthly"]
    assert all("best" in f.value for f in streaks.fields)
    stats = await chat.say("/mentor stats")
    assert all(f.label in stats and f.value in stats for f in streaks.fields)


async def test_a_part_with_a_bug_is_logged_with_its_traceback_not_hidden(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """An AttributeError or ImportError in a part is a bug, not an optional feature:
    it is logged as an error with its traceback, and the rest of the page renders."""
    with_home(services)

    async def buggy(ctx: Ctx) -> list[Section]:
        raise AttributeError("module 'bot.features.checkin' has no attribute 'x'")

    with caplog.at_level(logging.DEBUG, logger="bot.home"):
        page = await home.home_view(
            services, make_actor(platform="slack"), parts=(buggy, *home.PARTS)
        )
    [record] = [r for r in caplog.records if "buggy" in r.getMessage()]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "Streaks" in [s.title for s in page.sections]


async def test_run_action_refuses_what_is_not_a_command(services: Services) -> None:
    chat = Chat(with_home(services), make_actor(platform="slack"))
    assert "older message" in await chat.act(home.RUN_ACTION, "no-such-command")
    assert "older message" in await chat.act(home.RUN_ACTION, "")
