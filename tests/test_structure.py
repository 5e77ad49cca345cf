"""The package's shape: no import cycle (imports inside functions count), one place per constant."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tagger"


def _imports(path: Path) -> set[str]:
    """Modules of ``tagger`` a file imports anywhere (module level or inside functions).

    Imports under ``if TYPE_CHECKING:`` are for type hints only and never run, so they are skipped.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "tagger":
                found.update(f"tagger.{alias.name}" for alias in node.names)
            elif node.module.startswith("tagger."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("tagger."))
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func).endswith("import_module")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value))
    return found


def _graph() -> dict[str, set[str]]:
    modules = {f"tagger.{p.stem}": p for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    graph = {name: {m for m in _imports(path) if m in modules} - {name} for name, path in modules.items()}  # fmt: skip
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path of module names, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package():
    cycle = find_cycle(_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_core_knows_nothing_about_the_doors():
    doors = {"tagger.cli", "tagger.service", "tagger.batch", "tagger.distributed"}
    graph = _graph()
    for core in ("tagger.tags", "tagger.entities", "tagger.topics", "tagger.pipeline", "tagger.tagger", "tagger.model"):  # fmt: skip
        assert not graph[core] & doors, f"{core} imports {graph[core] & doors}"
    assert "tagger.tagger" not in graph["tagger.model"]  # bundle I/O never imports Tagger


def test_each_threshold_constant_is_defined_once():
    for pattern in ("= 0.5  #", "= 0.25  #", "1_000_000"):
        owners = [p.name for p in PACKAGE.glob("*.py") if pattern in p.read_text(encoding="utf-8")]
        assert len(owners) <= 1, f"{pattern!r} defined in {owners}"
