"""Where the time of one ``POST /v1/match`` goes, part by part, through the whole app in process.

Imports the HTTP benchmark's synthetic directory (bench/served.py, ``--services`` of them) into a
temporary SQLite file, builds the app as a worker runs it (rate limits counted in the shared SQLite
file with limits too high to bite, the index built and frozen before traffic) and sends ``--requests``
match requests with the Flask test client, ``--rounds`` times. Each part is timed by wrapping its
function with ``perf_counter`` (no profiler: cProfile inflates code made of many small calls); the
round with the least time inside the app is printed, as milliseconds per request and as a share of it.
"Flask, werkzeug and the rest" is the app's time less every named part. Not a test: asserts nothing.

    .venv/bin/python bench/request_split.py [--services 10000] [--requests 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from served import match_body, prepare

from referral import matchmaking
from referral.api import match as match_view
from referral.api import routing
from referral.app import create_app
from referral.matching import engine

# (module, function, part): the functions timed, each counted in its part
TIMED = [
    (engine, "candidates", "core: candidate search (candidates.py, cells.py, scoring.py)"),
    (engine, "_result", "core: explaining the results (cards, reasons, caveats, distances)"),
    (engine, "make_bundle", "core: bundle"),
    (matchmaking, "match", None),  # the whole core: its rest is "core: needs, unmet, urgent, rules"
    (matchmaking, "build_query", "query: place of the point, core query"),
    (matchmaking, "settings_from", "query: settings from config"),
    (routing, "_inputs", "body: JSON, text checks, marshmallow"),
    (match_view, "present", "presenting (presenting.py)"),
    (routing, "_respond", "JSON encoding and the response"),
]


def timed(counter: Counter, name: str, fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            counter[name] += time.perf_counter() - started

    return wrapper


def instrumented_app(url: str, folder: Path, counter: Counter):
    for module, name, _part in TIMED:
        setattr(module, name, timed(counter, f"{module.__name__}.{name}", getattr(module, name)))
    app = create_app(
        {
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
            "RATELIMIT_PER_ADDRESS": "10000000 per minute",
            "RATELIMIT_PER_KEY": "10000000 per minute",
            "RATELIMIT_STORAGE_URI": f"referral+sqlite:///{folder / 'ratelimits.sqlite3'}",  # as `referral serve`
        }
    )
    for funcs in app.before_request_funcs.values():
        funcs[:] = [timed(counter, f"before:{getattr(f, '__qualname__', f)}", f) for f in funcs]
    for funcs in app.after_request_funcs.values():
        funcs[:] = [timed(counter, f"after:{getattr(f, '__qualname__', f)}", f) for f in funcs]
    app.wsgi_app = timed(counter, "app", app.wsgi_app)  # type: ignore[method-assign]
    app.extensions["referral.index"].warm()
    return app


def parts(seconds: dict[str, float]) -> list[tuple[str, float]]:
    """The timed functions grouped into the parts of a request; the app's rest last."""
    grouped: Counter = Counter()
    for module, name, part in TIMED:
        if part:
            grouped[part] += seconds.get(f"{module.__name__}.{name}", 0.0)
    inner = {f"referral.matching.engine.{n}" for n in ("candidates", "_result", "make_bundle")}
    core_named = sum(v for k, v in seconds.items() if k in inner)
    grouped["core: needs, unmet, urgent, rules"] = seconds["referral.matchmaking.match"] - core_named
    for name, value in seconds.items():
        if name.startswith("before:") or name.startswith("after:"):
            part = (
                "rate limiter (Flask-Limiter, per address)" if "Limiter" in name else "key check, per-key limit, hooks"
            )
            grouped[part] += value
    grouped["Flask, werkzeug and the rest"] = seconds["app"] - sum(grouped.values())
    return sorted(grouped.items(), key=lambda item: -item[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        directory = prepare(folder, args.services)
        counter: Counter = Counter()
        app = instrumented_app(directory.url, folder, counter)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {directory.worker_key}"}
        rng = random.Random(7)
        bodies = [match_body(rng, directory.codes) for _ in range(args.requests)]
        for body in bodies[:30]:  # warm up
            client.post("/v1/match", json=body, headers=headers)
        best: dict[str, float] | None = None
        for _round in range(args.rounds):
            counter.clear()
            for body in bodies:
                if client.post("/v1/match", json=body, headers=headers).status_code != 200:
                    raise SystemExit("a benchmark request failed")
            if best is None or counter["app"] < best["app"]:
                best = dict(counter)
        app.extensions["referral.index"].stop()
    assert best is not None
    n, total = len(bodies), best["app"]
    print(f"POST /v1/match at {args.services} services, in process (best of {args.rounds} rounds of {n}):")
    for part, seconds in parts(best):
        print(f"  {part:68s} {seconds / n * 1000:6.3f} ms {seconds / total:6.1%}")
    print(f"  {'the whole request inside the app':68s} {total / n * 1000:6.3f} ms")


if __name__ == "__main__":
    main()
