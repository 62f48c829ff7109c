"""The shape of the imports between the project's modules, read from their source.

No runtime import cycle anywhere in the shipped packages (a module imported only for
type checking, under ``if TYPE_CHECKING:``, does not count); and the store's modules
import no private name from one another, so each engine package keeps its own.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "cogs", "standin")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for name in PACKAGES for path in (REPO / name).rglob("*.py")}


def runtime_imports(path: Path) -> Iterator[ast.ImportFrom | ast.Import]:
    """Every import statement outside ``if TYPE_CHECKING:`` blocks."""

    def visit(nodes: list[ast.stmt]) -> Iterator[ast.ImportFrom | ast.Import]:
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                yield node
            elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                yield from visit(node.orelse)
            else:
                for field in ("body", "orelse", "finalbody"):
                    children = getattr(node, field, [])
                    yield from visit([child for child in children if isinstance(child, ast.stmt)])
                for handler in getattr(node, "handlers", []):
                    yield from visit(handler.body)

    return visit(ast.parse(path.read_text("utf-8")).body)


def imported_modules(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The project modules one statement imports (``from a import b`` is ``a.b`` when
    that is a module, else ``a``)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names if alias.name in MODULES)
        return
    base = node.module or ""
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    for alias in node.names:
        if f"{base}.{alias.name}" in MODULES:
            yield f"{base}.{alias.name}"
        elif base in MODULES:
            yield base


def import_graph() -> dict[str, set[str]]:
    return {
        module: {
            target
            for node in runtime_imports(path)
            for target in imported_modules(module, node)
            if target != module
        }
        for module, path in MODULES.items()
    }


def cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A path of imports from ``start`` back to itself, if there is one."""
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        module, path = stack.pop()
        for target in sorted(graph[module]):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


def test_no_module_imports_itself_back_at_runtime() -> None:
    graph = import_graph()
    cycles = [cycle for module in sorted(graph) if (cycle := cycle_from(module, graph))]
    assert cycles == []


def test_the_store_imports_no_private_name_from_another_of_its_modules() -> None:
    private = [
        f"{module} imports {alias.name} from {node.module}"
        for module, path in MODULES.items()
        if module.startswith("bot.store")
        for node in runtime_imports(path)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_") and alias.name != "__future__"
    ]
    assert private == []


def test_the_graph_sees_the_store_importing_its_engines() -> None:
    """The checks above read real edges: the store package imports both engines."""
    graph = import_graph()
    assert {"bot.store.sqlite.database", "bot.store.postgres.database"} <= graph["bot.store"]
    assert "bot.store.engine" in graph["bot.store.sqlite.database"]
