"""The fan-out benchmark runs end to end at CI size and reports what the issue asks for.

No timing assertions: figures from a shared CI machine say nothing; docs/benchmarks.md
holds the real ones.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = (
    "members",
    "prompts_per_s",
    "startup_s",
    "peak_rss_mb",
    "rss_growth_mb",
    "baseline_prompts_per_s",
    "baseline_startup_s",
    "baseline_peak_rss_mb",
    "baseline_rss_growth_mb",
)


async def test_the_benchmark_reports_every_figure() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "fanout.py"),
        "--members",
        "200",
        "--json",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, stderr.decode()[-3000:]
    result = json.loads(stdout)
    assert set(KEYS) <= set(result)
    assert all(isinstance(result[key], int | float) and result[key] >= 0 for key in KEYS)
    assert result["prompts_per_s"] > 0 and result["baseline_prompts_per_s"] > 0
    assert result["members"] == result["sent"] == 200
    assert result["backend"] == "sqlite"
