"""How long answering a question takes, against a naive scan, in one run.

For every question of the labelled set (``tests/data/questions.yaml``, both languages):

- ``index``: ``ContentIndex.search`` (in-memory SQLite FTS5, BM25), what a member waits for;
- ``naive scan``: the baseline without an index: fold every passage of the member's
  language at question time and score it by how often it contains the question's words;
- ``whole answer``: ``Mentor.handle`` of the question as a message on a SQLite file
  (member look-up, open check-in look-up, search, reply), on the simulated clock.

Also the one-off cost of building the index. Reports p50 / p95 / max per question in
milliseconds, and the ratio of the baseline's p50 to the index's (the machine is noisy;
ratios from one run compare fairly).

    python bench/answer.py [--repeat 3] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.clock import SimClock  # noqa: E402
from bot.content import load_library  # noqa: E402
from bot.context import Services  # noqa: E402
from bot.events import Actor, Message  # noqa: E402
from bot.mentor import Mentor  # noqa: E402
from bot.talk.fold import fold, words  # noqa: E402
from bot.talk.index import ContentIndex, Passage, query_terms  # noqa: E402
from storage.db import create_engine, sessionmaker  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.repo import Store  # noqa: E402


def naive_search(passages: list[Passage], question: str, limit: int = 3) -> list[Passage]:
    """The baseline: no index, every passage folded and counted for every question."""
    terms = set(query_terms(question))
    scored = []
    for p in passages:
        found = words(fold(f"{p.heading} {p.text}"))
        score = sum(w in terms for w in found)
        if score:
            scored.append((score, p.id, p))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [p for _, _, p in scored[:limit]]


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


async def whole_answers(questions: list[dict[str, str]], repeat: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/bench.db")
        await migrate(engine)
        clock = SimClock(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
        services = Services(store=Store(sessionmaker(engine)), content=load_library(), clock=clock)
        mentor = Mentor(services)
        actors = {
            lang: Actor("console", "W1", f"bench-{lang}", timezone="UTC", language=lang)
            for lang in ("en", "vi")
        }
        for actor in actors.values():  # first contact outside the measurement
            await mentor.handle(Message(actor=actor, text="hello"))
        samples = []
        for _ in range(repeat):
            for q in questions:
                start = time.perf_counter()
                await mentor.handle(Message(actor=actors[q["lang"]], text=q["q"]))
                samples.append(time.perf_counter() - start)
        await engine.dispose()
        return samples


def run(repeat: int, limit: int | None = None) -> dict[str, object]:
    data = yaml.safe_load((REPO / "tests/data/questions.yaml").read_text(encoding="utf-8"))
    questions = data["questions"]
    if limit:  # every n-th question, so both languages stay in
        questions = questions[:: max(1, len(questions) // limit)][:limit]
    library = load_library()
    start = time.perf_counter()
    index = ContentIndex(library)
    build = time.perf_counter() - start
    passages = {lang: list(index.passages(lang)) for lang in index.languages}
    timings: dict[str, list[float]] = {"index": [], "naive scan": []}
    for _ in range(repeat):
        for q in questions:
            start = time.perf_counter()
            index.search(q["lang"], q["q"])
            timings["index"].append(time.perf_counter() - start)
            start = time.perf_counter()
            naive_search(passages[q["lang"]], q["q"])
            timings["naive scan"].append(time.perf_counter() - start)
    timings["whole answer"] = asyncio.run(whole_answers(questions, repeat))
    result: dict[str, object] = {
        "questions": len(questions),
        "repeat": repeat,
        "passages": {lang: len(p) for lang, p in passages.items()},
        "build_ms": round(build * 1000, 1),
        **{name: summary(samples) for name, samples in timings.items()},
    }
    index_p50 = statistics.median(timings["index"])
    result["naive_over_index_p50"] = round(statistics.median(timings["naive scan"]) / index_p50, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, help="only this many questions (a quick run)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(max(1, args.repeat), args.limit)
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"{result['questions']} questions × {result['repeat']}, passages {result['passages']}, "
        f"index built in {result['build_ms']} ms"
    )
    print(f"{'':14} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name in ("index", "naive scan", "whole answer"):
        row = result[name]
        assert isinstance(row, dict)
        print(f"{name:14} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8}")
    print(f"naive scan / index (p50): {result['naive_over_index_p50']}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
