"""The answer benchmark runs end to end and reports every figure (no timing assertions:
figures from a shared machine say nothing; docs/benchmarks.md holds the real ones)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


async def test_the_answer_benchmark_reports_every_figure() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "answer.py"),
        "--repeat",
        "1",
        "--limit",
        "12",
        "--json",
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0
    result = json.loads(out)
    assert result["questions"] == 12
    for name in ("index", "naive scan", "whole answer", "whole answer CPU"):
        assert set(result[name]) == {"p50_ms", "p95_ms", "p99_ms", "max_ms"}
    assert result["build_ms"] > 0 and result["naive_over_index_p50"] > 0
    assert result["statements_per_answer"] >= 1
    assert set(result["gc"]) == {"collections", "longest_ms", "one_full_collection_ms"}
