"""The use cases speak in domain objects: documents become aggregates in the
repositories, and every MongoDB query is built there, never in the service layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import invoicing.service_layer

SERVICE_LAYER = Path(invoicing.service_layer.__file__).parent
MODULES = sorted(SERVICE_LAYER.glob("*.py"))
# Modules that turn documents into domain objects or build MongoDB filters.
ADAPTER_ONLY = frozenset({"invoicing.adapters.mappers", "coop_shared.persistence.changes",
                          "coop_shared.persistence.keyset"})


def _tree(module: Path) -> ast.AST:
    return ast.parse(module.read_text(encoding="utf-8"), filename=str(module))


def _adapter_only_imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, name) for name in names if name in ADAPTER_ONLY]
    return found


def _mongo_operators(tree: ast.AST) -> list[tuple[int, str]]:
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("$")]


def _raw_pages(tree: ast.AST) -> list[int]:
    """Calls of a repository's page by query (``repo.page(query, ...)``/``_page``) instead of its typed lists."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("page", "_page")]


def test_the_service_layer_has_modules_to_check() -> None:
    assert len(MODULES) > 10


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_no_document_mapping_or_query_building_is_imported(module: Path) -> None:
    assert _adapter_only_imports(_tree(module)) == [], \
        f"{module.name} maps documents or builds filters itself: ask its repository instead"


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_no_mongodb_operator_in_the_service_layer(module: Path) -> None:
    assert _mongo_operators(_tree(module)) == [], f"{module.name} writes a MongoDB query: it belongs in a repository"


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_lists_are_asked_for_with_typed_filters(module: Path) -> None:
    assert _raw_pages(_tree(module)) == [], f"{module.name} pages by a query it built: use a repository's page_of"
