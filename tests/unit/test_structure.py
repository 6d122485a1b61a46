"""The package's shape: imports flow one way (no cycle), only the hooks module imports
pytest, and functions stay short."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pytest_deppolicy"
HOOKS_MODULE = "pytest_deppolicy.plugin"
LONGEST_FUNCTION = 50  # lines, docstring included


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def runtime_imports(path: Path) -> Iterator[str]:
    """Every module ``path`` imports when it runs (at module level or in a function),
    leaving out ``if TYPE_CHECKING:`` blocks."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return imports_of(path.read_text(encoding="utf-8"), package)


def imports_of(source: str, package: str) -> Iterator[str]:
    """The modules ``source``, a module of ``package``, imports when it runs."""
    for node in _runtime_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield submodule if submodule in MODULES else base


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def graph() -> dict[str, set[str]]:
    return {
        name: {target for target in runtime_imports(path) if target in MODULES and target != name}
        for name, path in MODULES.items()
    }


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def test_the_package_has_modules_in_every_stage() -> None:
    stages = {name.split(".")[1] for name in MODULES if name.count(".") >= 2}
    assert {"config", "sources", "environment", "checks", "report", "cache"} <= stages


def test_no_import_cycle() -> None:
    assert find_cycle(graph()) is None


def test_the_cycle_finder_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_only_the_hooks_module_imports_pytest() -> None:
    importers = sorted(
        name
        for name, path in MODULES.items()
        if any(t.split(".")[0] in ("pytest", "_pytest") for t in runtime_imports(path))
    )
    assert importers == [HOOKS_MODULE]


def test_every_other_module_loads_without_pytest() -> None:
    """Imported one after another in a fresh interpreter: none brings pytest in."""
    names = [name for name in MODULES if name != HOOKS_MODULE]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "    loaded = [m for m in ('pytest', '_pytest') if m in sys.modules]\n"
        "    if loaded:\n"
        "        sys.exit(f'{name} imported {loaded}')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def functions() -> Iterator[tuple[str, str, int]]:
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno is not None
                yield name, node.name, node.end_lineno - node.lineno + 1


def test_functions_are_short() -> None:
    long = [
        (module, name, lines) for module, name, lines in functions() if lines > LONGEST_FUNCTION
    ]
    assert long == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from pytest_deppolicy.checks import findings\n", {"pytest_deppolicy.checks.findings"}),
        ("from pytest_deppolicy.policy import Policy\n", {"pytest_deppolicy.policy"}),
        ("from . import findings\n", {"pytest_deppolicy.checks.findings"}),
        ("from ..sources import records\n", {"pytest_deppolicy.sources.records"}),
        ("if TYPE_CHECKING:\n    import pytest\n", set()),
        ("if TYPE_CHECKING:\n    pass\nelse:\n    import pytest\n", {"pytest"}),
        ("def f():\n    import pytest\n", {"pytest"}),
    ],
)
def test_imports_are_read_as_the_interpreter_runs_them(source: str, expected: set[str]) -> None:
    assert set(imports_of(source, "pytest_deppolicy.checks")) == expected
