"""How long answering a question takes, against a naive scan, in one run.

For every question of the labelled set (``tests/data/questions.yaml``, both languages):

- ``index``: ``ContentIndex.search`` (in-memory SQLite FTS5, BM25), what a member waits for;
- ``naive scan``: the baseline without an index: fold every passage of the member's
  language at question time and score it by how often it contains the question's words;
- ``whole answer``: ``Mentor.handle`` of the question as a message on a SQLite file
  (member look-up, search, reply), on the simulated clock, in services opened the way
  the process opens them (``mentorbot.cli.open_app``: index built, heap settled);
  ``whole answer CPU`` is the processor time it used (every thread of the process):
  the work itself, without the waits for the database's thread and for a busy machine.

Also the one-off cost of building the index, the SQL statements each whole answer
sends, the garbage collector's pauses during the whole answers, and what one full
collection costs afterwards (the pause a full collection puts on the event loop).
Reports p50 / p95 / p99 / max per question in milliseconds, and the ratio of the
baseline's p50 to the index's (the machine is noisy; ratios from one run compare
fairly).

    python bench/answer.py [--repeat 3] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
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

from sqlalchemy import event  # noqa: E402

from bot.clock import SimClock  # noqa: E402
from bot.content import load_library  # noqa: E402
from bot.events import Actor, Message  # noqa: E402
from bot.talk.fold import fold, words  # noqa: E402
from bot.talk.index import ContentIndex, Passage, query_terms  # noqa: E402
from mentorbot.cli import open_app  # noqa: E402


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


def percentile(ordered: list[float], share: float) -> float:
    return ordered[max(0, int(len(ordered) * share) - 1)]


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(percentile(ordered, 0.95) * 1000, 3),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


class GcPauses:
    """The garbage collector's pauses while installed (``gc.callbacks``), by generation."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(time.perf_counter() - self._started)

    def report(self) -> dict[str, object]:
        every = [p for pauses in self.pauses.values() for p in pauses]
        return {
            "collections": {f"gen{g}": len(p) for g, p in self.pauses.items()},
            "longest_ms": round(max(every, default=0.0) * 1000, 3),
        }


async def whole_answers(questions: list[dict[str, str]], repeat: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        clock = SimClock(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
        async with open_app(f"sqlite:///{tmp}/bench.db", clock) as app:
            services, mentor = app.services, app.mentor
            actors = {
                lang: Actor("console", "W1", f"bench-{lang}", timezone="UTC", language=lang)
                for lang in ("en", "vi")
            }
            for actor in actors.values():  # first contact outside the measurement
                await mentor.handle(Message(actor=actor, text="hello"))
            statements = 0

            def count(*_: object) -> None:
                nonlocal statements
                statements += 1

            event.listen(services.store.bind.sync_engine, "before_cursor_execute", count)
            pauses = GcPauses()
            gc.callbacks.append(pauses)
            samples, cpu = [], []
            try:
                for _ in range(repeat):
                    for q in questions:
                        start, used = time.perf_counter(), time.process_time()
                        await mentor.handle(Message(actor=actors[q["lang"]], text=q["q"]))
                        samples.append(time.perf_counter() - start)
                        cpu.append(time.process_time() - used)
            finally:
                gc.callbacks.remove(pauses)
            start = time.perf_counter()
            gc.collect()
            full = time.perf_counter() - start
        return {
            "samples": samples,
            "cpu": cpu,
            "statements_per_answer": round(statements / len(samples), 2),
            "gc": {**pauses.report(), "one_full_collection_ms": round(full * 1000, 3)},
        }


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
    whole = asyncio.run(whole_answers(questions, repeat))
    timings["whole answer"] = whole.pop("samples")  # type: ignore[assignment]
    timings["whole answer CPU"] = whole.pop("cpu")  # type: ignore[assignment]
    result: dict[str, object] = {
        "questions": len(questions),
        "repeat": repeat,
        "passages": {lang: len(p) for lang, p in passages.items()},
        "build_ms": round(build * 1000, 1),
        **{name: summary(samples) for name, samples in timings.items()},
        **whole,
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
    print(f"{'':16} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name in ("index", "naive scan", "whole answer", "whole answer CPU"):
        row = result[name]
        assert isinstance(row, dict)
        cells = " ".join(f"{row[k]:>8}" for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms"))
        print(f"{name:16} {cells}")
    print(f"naive scan / index (p50): {result['naive_over_index_p50']}×")
    print(f"SQL statements per whole answer: {result['statements_per_answer']}")
    print(f"garbage collector during the whole answers: {result['gc']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
