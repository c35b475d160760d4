"""Benchmark of reading text: how well and how fast free-text needs and notes are understood, on the
development set ``tests/data/text_devset.jsonl``, beside the character-overlap matcher as a baseline.

Run: ``python bench/text_bench.py [--failures]`` (also part of ``make bench``). Builds the index from
the seed taxonomy and demo region the way the app does, reads every phrasing once to warm up, then
again timed, and prints one table per language and overall: top-1 and top-3 accuracy, refusals,
risk recall (a need flagged with a risk at severity 3; the exact category apart), false alarms and
time per text — the reader (``engine.read_needs`` where it exists, else ``needs.understand_needs``)
and the baseline (``PhraseMatcher`` over labels and synonyms) on the same items, with the targets.
Scoring lives in tests/textdev.py, shared with the tests. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from referral.matching.index import build_index  # noqa: E402
from tests.textdev import (  # noqa: E402
    Item,
    Reading,
    Summary,
    app_settings,
    baseline_reader,
    default_reader,
    load_devset,
    read_item,
    score,
    seeded_directory,
    somewhere,
)

TARGETS = "top-1 ≥ 92 %, top-3 ≥ 98 %, 0 refusals, risk recall 100 %, p95 ≤ 1 ms per text"
HEAD = (
    f"{'':<10} {'reader':<26} {'items':>5} {'top-1 %':>8} {'top-3 %':>8} {'refusals':>8} "
    f"{'risk recall %':>13} {'exact %':>8} {'false alarms':>12} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
)


def timed(read: Callable[[Item], Reading], items: list[Item]) -> tuple[list[Reading], list[float]]:
    """Each item's reading and its time in ms, after one warm-up pass over all of them."""
    for item in items:
        read(item)
    readings, ms = [], []
    for item in items:
        start = time.perf_counter_ns()
        readings.append(read(item))
        ms.append((time.perf_counter_ns() - start) / 1e6)
    return readings, ms


def row(label: str, name: str, items: list[Item], readings: list[Reading], ms: list[float]) -> str:
    """One line of the table for ``items`` (a language, or all) read by one reader."""
    s = Summary.of((i, score(i, r)) for i, r in zip(items, readings))
    p50, p95, p99 = np.percentile(ms, [50, 95, 99]) if ms else (0.0, 0.0, 0.0)
    return (
        f"{label:<10} {name:<26} {s.items:>5} {100 * s.rate(s.top1):>8.1f} {100 * s.rate(s.top3):>8.1f} "
        f"{s.refusals:>8} {100 * s.rate(s.recalled, s.risk_items):>13.1f} "
        f"{100 * s.rate(s.exact_risk, s.risk_items):>8.1f} {s.false_alarms:>12} {p50:>7.3f} {p95:>7.3f} {p99:>7.3f}"
    )


def table(items: list[Item], runs: dict[str, tuple[list[Reading], list[float]]]) -> str:
    lines = [HEAD, "-" * len(HEAD)]
    for label in (*sorted({i.lang for i in items}), "all"):
        keep = [k for k, i in enumerate(items) if label in ("all", i.lang)]
        for name, (readings, ms) in runs.items():
            lines.append(row(label, name, [items[k] for k in keep], [readings[k] for k in keep], [ms[k] for k in keep]))
    return "\n".join(lines)


def failures(items: list[Item], readings: list[Reading]) -> str:
    """Every item the reader got wrong (top-1, a refusal, a missed risk or a false alarm)."""
    lines = []
    for item, reading in zip(items, readings):
        s = score(item, reading)
        missed_risk = item.risk is not None and not s.flagged
        if s.top1 and not s.refusal and not missed_risk and not (item.risk is None and s.flagged):
            continue
        got = ", ".join(reading.codes) or ("refused" if reading.error else "nothing")
        flags = (
            f" risk {'/'.join(reading.flags) or '-'} (expected {item.risk or '-'})" if item.risk or s.flagged else ""
        )
        lines.append(
            f"{item.id} [{item.field}, {item.kind}] {item.text!r}\n"
            f"    expected {', '.join(item.expect) or 'nothing'}; got {got}{flags}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="print each miss of the reader")
    args = parser.parse_args()
    items, directory, settings = load_devset(), seeded_directory(), app_settings()
    index, location, reader = build_index(directory), somewhere(directory), default_reader()
    runs = {
        f"{reader.__module__.rsplit('.', 1)[-1]}.{reader.__name__}": timed(
            lambda item: read_item(reader, index, settings, item, location), items
        ),
        "baseline: PhraseMatcher": timed(baseline_reader(directory, settings), items),
    }
    print(f"Reading text: {len(items)} phrasings of tests/data/text_devset.jsonl, one read per text (ms)\n")
    print(table(items, runs))
    print(f"\nTargets: {TARGETS}.")
    if args.failures:
        print("\nMisses of the reader:\n" + failures(items, runs[next(iter(runs))][0]))


if __name__ == "__main__":
    main()
