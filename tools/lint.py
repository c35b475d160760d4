"""``make lint``: ruff (lint and format), mypy and import-linter as pyproject.toml configures them,
run by ``make test``.

ruff's and mypy's findings are counted per file and rule and held to ``tools/lint_baseline.json``
(a ratchet): a file with more findings of a rule than the baseline records fails the run; fewer are
reported, so ``make lint-baseline`` (``--update``) can lower the bar after fixes such as
``ruff check --fix``. ``ruff format --check`` and import-linter's contracts have no baseline: every
file must be formatted (``ruff format``) and every contract kept.

Usage: python tools/lint.py [--update]
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tools" / "lint_baseline.json"
BIN = Path(sys.executable).parent  # the tools of the virtualenv that runs this script
RUFF_PATHS = ["referral", "tests", "bench", "tools", "wsgi.py"]
MYPY_ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+(?::\d+)?: error: .*\[(?P<code>[a-z-]+)\]$")


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True, check=False)


def ruff_findings() -> Counter[str]:
    """``path:RULE`` → how many times ruff finds it."""
    done = _run("ruff", "check", "--output-format", "json", "--exit-zero", *RUFF_PATHS)
    if done.returncode != 0:
        raise SystemExit(f"ruff could not run:\n{done.stderr}")
    return Counter(f"{Path(f['filename']).resolve().relative_to(ROOT)}:{f['code']}" for f in json.loads(done.stdout))


def mypy_findings() -> Counter[str]:
    """``path:error-code`` → how many times mypy reports it."""
    done = _run("mypy")
    if done.returncode not in (0, 1):
        raise SystemExit(f"mypy could not run:\n{done.stdout}{done.stderr}")
    found = (MYPY_ERROR.match(line) for line in done.stdout.splitlines())
    return Counter(f"{m['path']}:{m['code']}" for m in found if m)


def unformatted() -> list[str]:
    """The files ``ruff format`` would change."""
    done = _run("ruff", "format", "--check", *RUFF_PATHS)
    if done.returncode not in (0, 1):
        raise SystemExit(f"ruff format could not run:\n{done.stderr}")
    return [
        line.removeprefix("Would reformat: ")
        for line in done.stdout.splitlines()
        if line.startswith("Would reformat: ")
    ]


def compare(found: Mapping[str, int], allowed: Mapping[str, int]) -> tuple[list[str], list[str]]:
    """The keys found more often than allowed (new findings), and those found less (the bar can drop)."""
    worse = [
        f"{key}: {n} (baseline {allowed.get(key, 0)})" for key, n in sorted(found.items()) if n > allowed.get(key, 0)
    ]
    better = [
        f"{key}: {found.get(key, 0)} (baseline {n})" for key, n in sorted(allowed.items()) if found.get(key, 0) < n
    ]
    return worse, better


def main(argv: list[str]) -> int:
    found = {"ruff": ruff_findings(), "mypy": mypy_findings()}
    if "--update" in argv:
        BASELINE.write_text(
            json.dumps({tool: dict(sorted(c.items())) for tool, c in found.items()}, indent=1) + "\n", encoding="utf-8"
        )
        print(f"{BASELINE.relative_to(ROOT)}: " + ", ".join(f"{t} {sum(c.values())}" for t, c in found.items()))
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    failed = False
    for tool, counts in found.items():
        worse, better = compare(counts, baseline.get(tool, {}))
        print(f"{tool}: {sum(counts.values())} findings, baseline {sum(baseline.get(tool, {}).values())}")
        for line in better:
            print(f"  fewer than the baseline (run `make lint-baseline`): {line}")
        for line in worse:
            print(f"  NEW: {line}")
        failed |= bool(worse)
    messy = unformatted()
    print(f"ruff format: {len(messy)} files to reformat (run `.venv/bin/ruff format`)")
    for path in messy:
        print(f"  NEW: {path}")
    failed |= bool(messy)
    contracts = _run("lint-imports")
    print(contracts.stdout.strip().splitlines()[-1] if contracts.stdout.strip() else contracts.stderr)
    if contracts.returncode != 0:
        print(contracts.stdout)
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
