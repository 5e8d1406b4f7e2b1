"""Fixtures of the deployment tests.

The repository runs pytest with --import-mode=importlib, so test modules
cannot import this conftest: the helpers live in deploy_support.py, put on
sys.path here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deploy_support import OPERATOR_BUILDS, REPO, STRICT_BUILDS, kustomize


@pytest.fixture(scope="session")
def rendered() -> dict[str, str]:
    """Rendered YAML text of every build (strict and operator ones), rendered once."""
    return {name: kustomize(path) for name, path in {**STRICT_BUILDS, **OPERATOR_BUILDS}.items()}


@pytest.fixture(scope="session")
def docs(rendered: dict[str, str]) -> dict[str, list[dict]]:
    return {name: [d for d in yaml.safe_load_all(text) if d] for name, text in rendered.items()}


@pytest.fixture(scope="session")
def compose() -> dict:
    with (REPO / "docker-compose.yml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)
