"""The delivery benchmark runs end to end at smoke size, on PostgreSQL, one and two
workers on both paced platforms: every prompt arrives exactly once.

No timing assertions (figures from a shared machine say nothing here);
docs/benchmarks.md holds the real ones, at the platforms' pace.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_the_delivery_benchmark_sends_each_prompt_once(database_url: str) -> None:
    base = database_url.partition("?")[0]  # the benchmark makes its own scratch schema
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "delivery.py"),
        *("--prompts", "300", "--scale", "20", "--db", base, "--json"),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 180)
    assert proc.returncode == 0, stderr.decode()[-3000:]
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    assert result["scale"] == 20
    runs = {(r["platform"], r["workers"]): r for r in result["runs"]}
    assert set(runs) == {("discord", 1), ("discord", 2), ("slack", 1), ("slack", 2)}
    for run in runs.values():
        assert (run["duplicates"], run["missing"]) == (0, 0), run
        assert run["minimum_s"] > 0 and run["ratio"] > 0
