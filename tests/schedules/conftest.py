"""Fixtures of the scheduler tests; the database ones come from ``tests/conftest.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.context import Services
from tests.schedules.helpers import Workers


@pytest.fixture
def workers(database_url: str, services: Services, tmp_path: Path) -> Workers:
    # ``services`` migrated the database; the workers only connect to it.
    return Workers(database_url, tmp_path / "platform.log")
