"""adapters/common/ serves every adapter, so it imports none of them and no SDK."""

from __future__ import annotations

from pathlib import Path

from tests.bot.test_platform_neutral import imported_modules

COMMON = Path(__file__).resolve().parents[3] / "adapters" / "common"
FORBIDDEN = ("slack_bolt", "slack_sdk", "discord", "aiohttp", "mentorbot")


def test_common_imports_no_platform_and_no_adapter() -> None:
    offenders = {
        path.name: sorted(
            m
            for m in imported_modules(path)
            if m.split(".")[0] in FORBIDDEN
            or (m.startswith("adapters.") and not m.startswith("adapters.common"))
        )
        for path in COMMON.glob("*.py")
    }
    assert len(offenders) >= 5  # the checker read the package
    assert not {k: v for k, v in offenders.items() if v}
