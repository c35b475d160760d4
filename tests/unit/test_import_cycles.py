"""No module of the package imports itself round a circle: the import graph of ``referral/`` is acyclic.

Read with ``ast`` from the source, so every import counts: at the top, inside a function (the usual
way to hide a circle), and under ``if TYPE_CHECKING``. ``from package import name`` is an import of
``package.name`` when that is a module, else of the package. Issue 15 removed the circles there
were (the HSDS import's four modules, app and cli, seeding and seeding_safety, the pages' base and
errors); none may come back.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "referral"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.Module, name: str, is_package: bool, modules: set[str]) -> Iterator[str]:
    """The modules of ``modules`` that a module's every import statement names."""
    here = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")[: len(here.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    modules = set(files)
    return {
        name: set(imported(ast.parse(path.read_text(encoding="utf-8")), name, path.name == "__init__.py", modules))
        for name, path in files.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            nxt = next(edges, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def test_no_module_of_the_package_imports_itself_round_a_circle() -> None:
    assert cycles(import_graph()) == []


def test_the_circles_the_hsds_import_had_would_be_found() -> None:
    # the shape issue 15 removed: importer -> passes -> sites -> passes, gazetteer -> passes -> gazetteer
    graph = {
        "importer": {"passes"},
        "passes": {"sites", "gazetteer", "importer"},
        "sites": {"passes"},
        "gazetteer": {"passes"},
        "state": set(),
    }
    assert cycles(graph) == [["gazetteer", "importer", "passes", "sites"]]


def test_a_function_level_import_counts() -> None:
    tree = ast.parse("def late():\n    from referral.hsds import passes\n")
    assert list(imported(tree, "referral.hsds.sites", False, {"referral.hsds", "referral.hsds.passes"})) == [
        "referral.hsds.passes"
    ]
