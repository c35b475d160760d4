"""How long a match waits while its worker applies an edit (issue 16, item 1: "no request waits more
than 50 ms for it"), in one process as a worker runs it: one thread matches without pause while
another applies edits to the same index (``delta.apply_changes``, then the per-day parts and cell
bounds a new index computes before it serves), as a worker's index thread does.

A request never takes the index thread's lock; what it can lose is the GIL, which the update thread
holds in turns. So each match overlapping an update is compared with the same query's time when
nothing else runs (its best of three rounds before): the difference is its wait. Edits: a rename (the
common edit: columns and one chunk of records rewritten), a site moved 1 km (a splice of every array
and of the site-name tables) and a new site listed, with a name and an address no site had (the
site-name tables also gain texts and trigrams: the longest splice); then one full rebuild, as after a
bulk import (outside the target, which is about writes; shown for what it costs), as a worker makes
it: from a snapshot of its own, freed a piece at a time, then the old index freed the same way
(matchmaking.rebuild, memory.retire); then again as a serving worker makes one of 20,000 services or
more ("aside"): built in another process and received a field at a time (referral/buildaside.py), then
prepared and swapped in the same way. Asserts nothing.

    .venv/bin/python bench/update_wait_bench.py [--services 100000] [--edits 4]
"""

from __future__ import annotations

import argparse
import gc
import sys
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from synthetic import make_directory, make_queries, synthetic_index  # noqa: E402
from targets import verdict  # noqa: E402

from referral import memory  # noqa: E402
from referral.buildaside import run_aside  # noqa: E402
from referral.matching import cellbound  # noqa: E402
from referral.matching.delta import apply_changes  # noqa: E402
from referral.matching.engine import MatchSettings, match  # noqa: E402
from referral.matching.index import build_index  # noqa: E402
from referral.matchmaking import rebuild, sharing_the_gil  # noqa: E402

SEED = 20261130


KINDS = ("rename", "move", "new site")


def edited(service, kind: str, k: int):
    """``service`` renamed, with its first site moved ~1 km north or south (``k`` odd or even), or
    listing one more site, new to the directory, named and addressed as no other."""
    site = service.sites[0]
    if kind == "rename":
        return replace(service, name=f"{service.name} ({k})")
    if kind == "move":
        return replace(service, sites=(replace(site, lat=site.lat + 0.009 * (1 if k % 2 else -1)), *service.sites[1:]))
    extra = replace(site, id=f"{site.id}-annex-{k}", name=f"Annex {k} of {site.name}", address=f"{k} Quayside Lane")
    return replace(service, sites=(*service.sites, extra))


def prepare(index, today: date, settings: MatchSettings) -> None:
    """What a worker's index thread does to a new index before it serves (matchmaking.IndexCache._update,
    with the app's prepare): the text reader, the day's row parts and cell bounds, and the site-name
    tables (built in a worker once some query named a site; here always, the slower case)."""
    index.taxonomy.reader  # noqa: B018
    cellbound.prepare(index, today, settings)
    index.gazetteer.names.sites  # noqa: B018


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--edits", type=int, default=4)
    args = parser.parse_args()
    directory = make_directory(args.services, SEED)
    queries = make_queries(directory, 300, SEED + 1)
    today, settings = queries[0].today, MatchSettings()  # the day the queries ask on, as a server prepares for its own
    current = [build_index(directory)]
    prepare(current[0], today, settings)
    gc.collect()
    gc.freeze()
    alone = np.full(len(queries), np.inf)
    for _round in range(3):
        for i, q in enumerate(queries):
            started = time.perf_counter()
            match(current[0], q)
            alone[i] = min(alone[i], time.perf_counter() - started)
    stop, spans, timed = threading.Event(), [], []

    def load() -> None:
        i = 0
        while not stop.is_set():
            k = i % len(queries)
            started = time.perf_counter()
            match(current[0], queries[k])
            timed.append((started, time.perf_counter(), k))
            i += 1

    taken = [
        replace(make_directory(args.services, SEED), version="rebuilt")
    ]  # a snapshot of its own, as a worker reads
    worker = threading.Thread(target=load)
    worker.start()
    time.sleep(0.5)
    victim = directory.services[len(directory.services) // 2]
    for k in range(args.edits):
        for kind in KINDS:
            fresh = edited(victim, kind, k)
            started = time.perf_counter()
            gc.disable()  # as the index thread does: no collection walks the new objects amid the update
            index = apply_changes(current[0], f"v{k}{kind}", [victim.id], [fresh])
            prepare(index, today, settings)
            current[0] = index
            gc.freeze()  # then they leave the collector
            gc.enable()
            spans.append((kind, started, time.perf_counter()))
            victim = fresh
            time.sleep(0.5)
    started = time.perf_counter()  # then a full rebuild, as after a bulk import, the old index serving meanwhile
    gc.disable()  # as a worker's index thread does (matchmaking.IndexCache._update):
    index = rebuild(taken, previous=current[0])  # build, then free the snapshot a piece at a time
    with sharing_the_gil():
        prepare(index, today, settings)
    retired, current[0] = [current[0]], index
    gc.freeze()
    memory.retire(retired)  # the old index's site tables, freed a piece at a time once no match holds it
    memory.trim()  # as a worker does after a rebuild (not after a delta: the next one reuses those pages)
    gc.enable()
    spans.append(("rebuild", started, time.perf_counter()))
    time.sleep(0.5)
    started = time.perf_counter()  # and as a serving worker now makes it: in another process (buildaside.py)
    gc.disable()
    index = run_aside(synthetic_index, args.services, SEED, "aside")[0]
    with sharing_the_gil():
        prepare(index, today, settings)
    retired, current[0] = [current[0]], index
    gc.freeze()
    memory.retire(retired)
    memory.trim()
    gc.enable()
    spans.append(("aside", started, time.perf_counter()))
    time.sleep(0.5)
    stop.set()
    worker.join()
    print(f"{args.services:,} services, {args.edits} edits of each kind, one thread matching throughout:")
    print(f"  {'edit':>8} {'update ms p50 / max':>20} {'matches during':>15} {'extra wait p50 ms':>18} {'max ms':>7}")
    for kind in (*KINDS, "rebuild", "aside"):
        mine = [(a, b) for name, a, b in spans if name == kind]
        waits = [(end - start) - alone[k] for start, end, k in timed if any(start < b and end > a for a, b in mine)]
        took = [(b - a) * 1000 for a, b in mine]
        p50, top = (np.percentile(waits, 50) * 1000, max(waits) * 1000) if waits else (float("nan"),) * 2
        update = f"{np.median(took):.1f} / {max(took):.1f}"
        print(f"  {kind:>8} {update:>20} {len(waits):>15} {p50:>18.2f} {top:>7.2f}")
    quiet = [(end - start) - alone[k] for start, end, k in timed if not any(start < b and end > a for _, a, b in spans)]
    print(f"  {'none':>8} {'':>20} {len(quiet):>15} {np.percentile(quiet, 50) * 1000:>18.2f} {max(quiet) * 1000:>7.2f}")
    edits = [(a, b) for name, a, b in spans if name in KINDS]
    during = [(end - start) - alone[k] for start, end, k in timed if any(start < b and end > a for a, b in edits)]
    print("\nIssue 16's target (item 1: for the updates a write makes, not for a full rebuild):")
    print(verdict("longest extra wait of a match during an update", max(during) * 1000, 50, "ms"))


if __name__ == "__main__":
    main()
