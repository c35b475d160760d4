"""Every repository path the README names exists: in backquotes (``referral/data/target_groups.json``,
``matching/messages.py`` under referral/) and in the Layout block's name column."""

from __future__ import annotations

import re

from referral.config import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
ROOTS = ("referral", "seeds", "tests", "bench", "config", "tools", ".ci")  # a path starting here is ours
SUBPACKAGES = {p.name for p in (PROJECT_ROOT / "referral").iterdir() if p.is_dir() and not p.name.startswith("_")}
NOT_A_PATH = re.compile(r"[<>*…{}|:=\s]")  # placeholders, globs, URLs, assignments


def quoted_paths() -> set[str]:
    """Backquoted names that are repository paths: under a root, or under a subpackage of referral/."""
    found = set()
    for token in re.findall(r"`([^`\n]+)`", README):
        token = token.rstrip("/.,;")
        if NOT_A_PATH.search(token) or "/" not in token:
            continue
        first = token.split("/")[0]
        if first in ROOTS:
            found.add(token)
        elif first in SUBPACKAGES:
            found.add(f"referral/{token}")
    return found


def layout_paths() -> set[str]:
    """The Layout block's names: at the root, or (indented) under referral/."""
    block = README.split("## Layout", 1)[1].split("```")[1]
    found = set()
    for line in block.splitlines():
        if not line.strip() or line.startswith(" " * 4):  # blank, or a description going on
            continue
        names = re.split(r"\s{2,}", line.strip())[0].split()
        base = "referral/" if line.startswith("  ") else ""
        found |= {base + name.rstrip("/") for name in names}
    return found


def test_the_readme_names_paths_at_all():
    assert {"referral/default.toml", "referral/data/target_groups.json"} <= quoted_paths()
    assert {"wsgi.py", "referral/app.py", "referral/matching", "tools/lint.py"} <= layout_paths()


def test_every_path_the_readme_names_exists():
    missing = sorted(p for p in quoted_paths() | layout_paths() if not (PROJECT_ROOT / p).exists())
    assert missing == []
