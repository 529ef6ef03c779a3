"""Render cache benchmark: one daily prompt to N members through the real Discord outlet
and discord.py against FakeDiscord, rendered per delivery (as before the outlet shared
``adapters.common.renders.RenderCache``) and through the cache, alternating in one run.

    python bench/outlet.py                     # 1,000 members, 3 rounds of each
    python bench/outlet.py --members 200 --rounds 1 --json

The outbox hands every member of a language the same ``Reply`` objects, as here. Each
round is N fresh members (each DM opened, then one message: two requests), 16 deliveries
in flight as the outbox's workers, no pacing or limit (the render is what is measured).
Reported per variant (median of the rounds): renders, CPU seconds inside ``render``,
stash writes, and the wall time, which the fake in the same process mostly decides.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)

import adapters.discord.outlet as outlet_module  # noqa: E402
from adapters.common.renders import RenderCache  # noqa: E402
from bot.clock import SimClock  # noqa: E402
from bot.content import load_library  # noqa: E402
from bot.context import Services  # noqa: E402
from bot.delivery import Target  # noqa: E402
from bot.mentor import Mentor  # noqa: E402
from bot.prompts import prompt_cache  # noqa: E402
from storage.db import create_engine, sessionmaker  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.repo import Store  # noqa: E402
from tests.adapters.discord.conftest import make_adapter, running  # noqa: E402
from tests.fakes.discord_fake import FakeDiscord  # noqa: E402

IN_FLIGHT = 16


class NoCache(RenderCache[Any]):
    """Every delivery renders: the outlet before it shared the cache."""

    def get(self, replies: Any, *, context: Any = None) -> Any:
        return None


class Counts:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.renders, self.render_s, self.stashes = 0, 0.0, 0


async def fan_out(outlet: Any, targets: list[Target], prompt: list[Any]) -> float:
    """Seconds to deliver ``prompt`` to every target, ``IN_FLIGHT`` at a time."""
    pending = iter(targets)

    async def worker() -> None:
        for target in pending:
            await outlet.deliver(target, prompt)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return time.perf_counter() - started


async def run(members: int, rounds: int) -> dict[str, dict[str, float]]:
    counts = Counts()
    real_render = outlet_module.render

    def render(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real_render(*args, **kwargs)
        finally:
            counts.renders += 1
            counts.render_s += time.perf_counter() - started

    outlet_module.render = render  # type: ignore[assignment]
    folder = tempfile.mkdtemp()
    engine = create_engine(f"sqlite:///{folder}/outlet.db")
    await migrate(engine)
    clock = SimClock(datetime(2027, 3, 1, 9, tzinfo=UTC))
    services = Services(store=Store(sessionmaker(engine)), content=load_library(), clock=clock)
    prompt = [
        prompt_cache(services).prompt(
            "en", "daily", "2027-03-01", snoozed=False, later=True, sources=None
        )
    ]
    rows: dict[str, list[tuple[float, int, float, int]]] = {"per delivery": [], "cached": []}
    async with FakeDiscord(heartbeat_interval_ms=500) as fake:
        restore = fake.configure_discord_client()
        try:
            guild = fake.add_guild()
            fake.bucket_limit = 1_000_000
            adapter = make_adapter(services, fake, mentor=Mentor(services), rate_per_s=1e6)
            async with running(adapter):
                outlet = adapter.outlet
                stash = outlet.state.stash

                async def counted_stash(values: Any) -> None:
                    counts.stashes += 1
                    await stash(values)

                outlet.state.stash = counted_stash  # type: ignore[method-assign]
                for _ in range(rounds):
                    for name, cache in (("per delivery", NoCache()), ("cached", RenderCache())):
                        outlet.renders = cache
                        targets = [
                            Target("discord", str(guild.id), user=str(fake.add_user().id))
                            for _ in range(members)
                        ]
                        counts.reset()
                        wall = await fan_out(outlet, targets, prompt)
                        rows[name].append((wall, counts.renders, counts.render_s, counts.stashes))
        finally:
            restore()
    await engine.dispose()
    return {
        name: {
            "members": members,
            "wall_s": statistics.median(r[0] for r in found),
            "renders": statistics.median(r[1] for r in found),
            "render_cpu_s": statistics.median(r[2] for r in found),
            "stash_writes": statistics.median(r[3] for r in found),
        }
        for name, found in rows.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.members, args.rounds))
    if args.json:
        print(json.dumps(result))
        return
    for name, row in result.items():
        print(
            f"{name:>12}: {row['members']} DMs in {row['wall_s']:.2f} s, "
            f"{row['renders']:.0f} renders ({row['render_cpu_s'] * 1000:.0f} ms CPU), "
            f"{row['stash_writes']:.0f} stash writes"
        )
    before, after = result["per delivery"], result["cached"]
    print(
        f"ratios per delivery / cached: renders {before['renders'] / after['renders']:.0f}x, "
        f"render CPU {before['render_cpu_s'] / max(after['render_cpu_s'], 1e-9):.0f}x, "
        f"wall {before['wall_s'] / after['wall_s']:.2f}x"
    )


if __name__ == "__main__":
    main()
