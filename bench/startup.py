"""Start-up cost of Mentorbot's core against a bare interpreter, in one run.

Measures, each in a fresh process (best of --repeat): importing the core
(``bot.mentor``, storage, the console), loading and validating the content packs, and
the peak RSS after both; the baseline is ``python -c pass``. Prints a table, or one JSON
object with --json.

    python bench/startup.py [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PROBE = r"""
import resource, sys, time, json
t0 = time.perf_counter()
{body}
t1 = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
names = ("slack_bolt", "slack_sdk", "discord", "matplotlib", "PIL")
heavy = sorted(m for m in names if m in sys.modules)
print(json.dumps({{"seconds": t1 - t0, "rss_mb": rss, "heavy": heavy}}))
"""

CASES = {
    "baseline (python -c pass)": "pass",
    "import core": (
        "import bot.mentor, bot.features.level, storage.repo, adapters.console, mentorbot.cli"
    ),
    "import + load content": (
        "import bot.mentor, storage.repo, adapters.console, mentorbot.cli\n"
        "from bot.content import load_library; load_library()\n"
        "from bot.mentor import default_features; default_features()"
    ),
}


def measure(body: str, repeat: int) -> dict[str, float | list[str]]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(body=body)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        )
        runs.append(json.loads(out.stdout))
    best = min(runs, key=lambda r: r["seconds"])
    return {"seconds": best["seconds"], "rss_mb": best["rss_mb"], "heavy": best["heavy"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {name: measure(body, args.repeat) for name, body in CASES.items()}
    base = results["baseline (python -c pass)"]
    if args.json:
        print(json.dumps(results))
        return
    print(f"{'case':32} {'seconds':>9} {'RSS MB':>8} {'RSS x base':>10}  heavy modules")
    for name, r in results.items():
        ratio = float(r["rss_mb"]) / float(base["rss_mb"])
        heavy = ", ".join(r["heavy"]) or "-"
        print(f"{name:32} {r['seconds']:9.3f} {r['rss_mb']:8.1f} {ratio:10.2f}  {heavy}")


if __name__ == "__main__":
    main()
