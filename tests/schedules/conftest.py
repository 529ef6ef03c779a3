"""Fixtures of the scheduler tests; the database ones come from ``tests/conftest.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.context import Services
from tests.schedules.helpers import Workers, Zygote


@pytest.fixture(scope="session")
def zygote() -> Iterator[Zygote]:
    """One fork server per test process, for every test that starts workers."""
    server = Zygote()
    yield server
    server.close()


@pytest.fixture
def workers(
    database_url: str, services: Services, tmp_path: Path, zygote: Zygote
) -> Iterator[Workers]:
    # ``services`` migrated the database; the workers only connect to it.
    started = Workers(database_url, tmp_path / "platform.log", zygote)
    yield started
    started.kill_all()
