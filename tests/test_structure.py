"""The shape issue 19 gave the code, kept: owners stay narrow, engines stay apart.

Import cycles are tests/test_import_graph.py's.

Each rule is read from the source tree, so a change that brings back a hub, a cycle
or a cross-layer import fails here with the place that broke it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PRODUCT = ("bot", "cogs")
MAX_LINES = 700
MAX_PUBLIC_METHODS = 25
# Modules that talk to members or operators hold the narrow services, never the store.
STORE_FREE = (
    "cogs",
    "bot/cli.py",
    "bot/console.py",
    "bot/views.py",
    "bot/request_views.py",
    "bot/embeds_requests.py",
)


def product_files() -> Iterator[Path]:
    for package in PRODUCT:
        yield from sorted((REPO / package).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(path: Path) -> set[str]:
    """Modules ``path`` imports when it runs (``if TYPE_CHECKING:`` blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_no_product_file_is_over_the_line_limit() -> None:
    long = {
        str(path.relative_to(REPO)): count
        for path in product_files()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def product_classes() -> Iterator[type]:
    for package in PRODUCT:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if info.name.endswith(".__main__"):
                continue  # importing it would run the CLI
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == module.__name__:
                    yield cls


def public_methods(cls: type) -> set[str]:
    """Public functions a class offers, its own and those it inherits from the product."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] not in PRODUCT:
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            if isinstance(value, staticmethod | classmethod) or inspect.isfunction(value):
                names.add(name)
    return names


def test_no_class_is_a_hub() -> None:
    hubs = {
        f"{cls.__module__}.{cls.__qualname__}": len(methods)
        for cls in product_classes()
        if len(methods := public_methods(cls)) > MAX_PUBLIC_METHODS
    }
    assert hubs == {}


def test_engines_are_packages_not_file_prefixes() -> None:
    prefixed = [
        str(path.relative_to(REPO)) for path in product_files() if path.name.startswith("pg_")
    ]
    assert prefixed == []


@pytest.mark.parametrize("place", STORE_FREE)
def test_members_and_operators_are_served_without_the_store(place: str) -> None:
    paths = [REPO / place] if place.endswith(".py") else sorted((REPO / place).rglob("*.py"))
    reaching = {
        str(path.relative_to(REPO)): sorted(
            target for target in runtime_imports(path) if target.startswith("bot.store")
        )
        for path in paths
    }
    assert {path: targets for path, targets in reaching.items() if targets} == {}


def test_the_bot_runs_without_the_stand_in() -> None:
    importing = [
        module_name(path)
        for path in product_files()
        if path.name != "console.py"
        and any(target.split(".")[0] == "standin" for target in runtime_imports(path))
    ]
    assert importing == []


ASSERT_ID = re.compile(r"assert\b[^\n]*\bid is not None")


def test_a_stored_review_needs_no_id_assertion() -> None:
    found = [
        f"{path.relative_to(REPO)}:{number}"
        for path in product_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ASSERT_ID.search(line)
    ]
    assert found == []
