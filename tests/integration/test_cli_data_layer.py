"""The ``referral`` console's database commands run on the data layer alone: they never build the
web app nor load the API or the pages (issue 15), and they still do their work."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.builders import FIXTURES, MINI

ROOT = Path(__file__).resolve().parents[2]
# Runs the commands in one fresh interpreter, then prints the app, API and page modules it loaded.
SCRIPT = """
import json, sys
from referral.cli import main
for args in json.loads(sys.argv[1]):
    try:
        main(args, standalone_mode=False)
    except SystemExit as stop:
        print("exit", args[0], stop.code)
web = [m for m in sys.modules if m == "referral.app" or m.startswith(("referral.api", "referral.web."))
       or m == "referral.web"]
print("LOADED", json.dumps(sorted(web)))
"""


def run_console(tmp_path: Path, *commands: list[str]) -> tuple[list[str], str]:
    env = {**os.environ, "REFERRAL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "REFERRAL_ENV": "test"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(list(commands))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    loaded = next(line for line in done.stdout.splitlines() if line.startswith("LOADED "))
    return json.loads(loaded[len("LOADED ") :]), done.stdout


def test_init_db_seed_import_export_keys_and_match_never_load_the_app_the_api_or_the_pages(tmp_path: Path) -> None:
    region = tmp_path / "region"
    region.mkdir()
    for name in ("places.json", "organizations.json"):
        (region / name).write_text((MINI / name).read_text(encoding="utf-8"), encoding="utf-8")
    exported = tmp_path / "out.json"
    loaded, output = run_console(
        tmp_path,
        ["init-db", "--taxonomy", str(MINI / "needs.json")],
        ["seed", str(region)],
        ["import-hsds", str(FIXTURES / "hsds" / "harbour-city"), "--dry-run"],
        ["export-hsds", str(exported)],
        ["create-key", "--role", "admin", "--name", "cli test"],
        ["match", "--place", "T1", "--age", "9", "--need", "mental_health.counseling", "--language", "en", "--json"],
    )
    assert loaded == []
    assert "exit" not in output, output
    with sqlite3.connect(tmp_path / "cli.db") as db:
        organizations = db.execute("select count(*) from organizations").fetchone()[0]
        admins = db.execute("select name from accounts where role = 'admin'").fetchall()
    assert organizations == len(json.loads((MINI / "organizations.json").read_text("utf-8"))["organizations"])
    assert admins == [("cli test",)]
    assert len(json.loads(exported.read_text(encoding="utf-8"))) == organizations  # the seeded ones, not the dry run
    answer = json.loads(output[output.index("{") : output.rindex("}") + 1])  # match --json: the API's answer
    assert answer["results"][0]["service"]["name"] == "Child counselling"


def test_a_refused_import_exits_1_and_still_loads_no_web_module(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    loaded, output = run_console(
        tmp_path, ["init-db", "--taxonomy", str(MINI / "needs.json")], ["import-hsds", str(broken)]
    )
    assert loaded == []
    assert "exit import-hsds 1" in output
    assert "is not well-formed JSON" in output
