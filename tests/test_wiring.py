"""The composition root: ``mentorbot.cli.wire`` puts the collaborators together in one
place, and one that is missing stops the start, not a member's conversation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import mentoring
from bot.clock import SimClock
from bot.content import load_library
from bot.context import Services, WiringError
from mentorbot import cli
from storage.db import sessionmaker
from storage.repo import Store


def store_of(engine) -> Store:
    return Store(sessionmaker(engine))


async def test_wire_builds_services_mentor_and_scheduler_wired_to_each_other(
    engine, clock: SimClock
) -> None:
    app = cli.wire(store_of(engine), load_library(), clock)
    services = app.services
    assert services.scheduler is app.scheduler and app.scheduler.services is services
    assert app.mentor.services is services and services.routes is app.mentor.router
    assert {"nudge", "goals", "digest", "pairs", "plan"} <= set(services.renderers)
    assert len(services.tick_hooks) == 4 and services.wakeup_hooks
    assert services.on_first_contact and services.on_timezone_change
    assert services.export_sections and services.answer_writer is None
    assert services.check() is services


async def test_check_names_every_missing_collaborator_at_once(engine, clock: SimClock) -> None:
    bare = Services(store=store_of(engine), content=load_library(), clock=clock)
    with pytest.raises(WiringError) as failed:
        bare.check()
    for name in ("router", "on_first_contact", "on_timezone_change", "export_sections"):
        assert f"Services.{name}" in str(failed.value)
    assert "Services.scheduler" in str(failed.value)
    assert "Services.tick_hooks" in str(failed.value)
    with pytest.raises(WiringError) as without:
        bare.check(scheduler=False)
    assert "scheduler" not in str(without.value) and "tick_hooks" not in str(without.value)


async def test_a_feature_set_that_plugs_nothing_in_fails_the_wiring(
    engine, clock: SimClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Features that forgot their hooks: ``wire`` refuses, where before a member's first
    message would have met a missing key."""
    monkeypatch.setattr(mentoring, "install", lambda services: None)
    with pytest.raises(WiringError, match=r"Services\.on_first_contact"):
        cli.wire(store_of(engine), load_library(), clock)


async def test_routes_without_a_mentor_is_a_clear_error(services: Services) -> None:
    with pytest.raises(WiringError, match="build a Mentor"):
        services.routes  # noqa: B018


def test_a_wiring_error_ends_the_start_with_exit_2_and_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(mentoring, "install", lambda services: None)
    monkeypatch.chdir(tmp_path)  # no stray .env
    url = f"sqlite:///{tmp_path / 'mentorbot.db'}"
    code = cli.main(["console", "--db", url, "--clock", "sim", "--now", "2027-03-01T08:00"])
    err = capsys.readouterr().err
    assert code == 2
    [line] = [line for line in err.splitlines() if line.strip()]
    assert line.startswith("mentorbot: not wired:") and "Services.on_first_contact" in line
