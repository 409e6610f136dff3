"""The layers hold (issue 21, ADR 0038, docs/architecture.md).

- import-linter's contracts in pyproject.toml pass on the source as it is;
- they fail when a platform module imports a domain (the contract is not a formality);
- the package graph, computed here from the source itself (every import: at module level, in
  functions and under ``TYPE_CHECKING``), has no cycle.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "chengxin"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(source_root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the project's contracts over the ``chengxin`` under ``source_root``."""
    return subprocess.run(  # noqa: S603 — the venv's own lint-imports, fixed arguments
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        env={**os.environ, "PYTHONPATH": str(source_root)},
        cwd=source_root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_layer_contracts_pass() -> None:
    result = _lint(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_a_platform_module_importing_a_domain_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(PACKAGE, tmp_path / "chengxin", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "chengxin" / "audit" / "probe.py").write_text(
        (
            '"""A platform module reaching up into a domain."""\n\n'
            "from chengxin.lists import service\n"
        ),
        encoding="utf-8",
    )
    result = _lint(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "chengxin.audit is not allowed to import chengxin.lists" in result.stdout
    assert "chengxin.audit.probe -> chengxin.lists.service" in result.stdout


def _imports(path: Path, module: list[str]) -> Iterator[str]:
    """Every ``chengxin`` module ``path`` imports, wherever the import statement is."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the importing module's package
                base = ["chengxin", *module[: len(module) - node.level]]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            if name == "chengxin":  # `from chengxin import a, b` imports the modules a and b
                yield from (f"chengxin.{alias.name}" for alias in node.names)
            else:
                yield name


def package_graph() -> dict[str, set[str]]:
    """Top-level package (or module) of ``chengxin`` → the top-level ones it imports."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[0] in {"migrations", "__init__"}:  # Alembic's scripts; the root's version
            continue
        own = parts[0]
        edges = graph.setdefault(own, set())
        for name in _imports(path, parts):
            target = name.split(".")
            if target[0] == "chengxin" and len(target) > 1 and target[1] != own:
                edges.add(target[1])
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_a_cycle_and_only_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": set(), "c": {"c2"}, "c2": {"c"}}) == ["c", "c2", "c"]


def test_the_package_graph_has_no_cycle() -> None:
    graph = package_graph()
    assert {"app", "audit", "records", "identity", "lists"} <= graph.keys()  # it read the tree
    assert "db" in graph["audit"]  # and its imports
    cycle = find_cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        # The platform imports no domain; the registry no record or use; the demo no face but cli.
        ("audit", {"identity", "records", "lists", "tasks", "runtime"}),
        ("jobs", {"identity", "tasks", "runtime"}),
        ("notifications", {"identity", "runtime"}),
        ("workdays", {"records"}),
        ("identity", {"records", "ingestion", "objections", "repair"}),
        ("records", {"ingestion"}),
        ("reports", {"demo"}),
    ],
)
def test_the_edges_issue_21_named_are_gone(package: str, forbidden: set[str]) -> None:
    assert not package_graph()[package] & forbidden
