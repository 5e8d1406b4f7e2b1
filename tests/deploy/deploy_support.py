"""Helpers of the deployment tests (offline: no Docker engine, no cluster).

Tools are taken from the virtualenv that runs pytest (kubernetes-validate,
check-jsonschema, hadolint) and from PATH (kubectl, make, git). A missing tool
FAILS the test that needs it, with a message naming what is missing: these
checks are never skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The bin/ directory of the virtualenv running pytest (not resolved: a venv's
# python is a symlink to the base interpreter).
VENV_BIN = Path(sys.executable).parent

SERVICES: dict[str, int] = {
    "gateway": 8080,
    "members": 8001,
    "invoicing": 8002,
    "payroll": 8003,
    "governance": 8004,
    "notifications": 8005,
    "portal": 8006,
}
# Services without messaging (no RabbitMQ, no AMQP_URL).
NO_MESSAGING = frozenset({"gateway", "portal"})

# Newest Kubernetes version kubernetes-validate 1.37 knows, and the oldest we claim.
K8S_VERSIONS = ("1.33.0", "1.37.0")

K8S = REPO / "deploy" / "k8s"
# Builds that must pass kubernetes-validate --strict.
STRICT_BUILDS = {
    "base": K8S / "base",
    "dev": K8S / "overlays" / "dev",
    "prod": K8S / "overlays" / "prod",
}
# Operator custom resources: rendered and structurally checked, no offline schema.
OPERATOR_BUILDS = {"operators-prod": K8S / "operators" / "prod", "addons-prod": K8S / "addons" / "prod"}


def venv_tool(name: str, package: str) -> str:
    path = VENV_BIN / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"missing tool: {path} not found. Install it into the test virtualenv: "
            f"{VENV_BIN / 'pip'} install {package} (pinned in requirements-dev.txt)",
            pytrace=False,
        )
    return str(path)


def system_tool(name: str, hint: str, fallbacks: tuple[str, ...] = ()) -> str:
    found = shutil.which(name)
    if not found:
        for candidate in fallbacks:
            if os.access(candidate, os.X_OK):
                found = candidate
                break
    if not found:
        pytest.fail(f"missing tool: '{name}' is not on PATH ({hint})", pytrace=False)
    return found


def kubectl() -> str:
    return system_tool(
        "kubectl",
        "kubectl renders the kustomizations with its built-in kustomize",
        ("/usr/bin/kubectl", "/usr/local/bin/kubectl"),
    )


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    kwargs.setdefault("cwd", REPO)
    kwargs.setdefault("timeout", 120)
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)


def kustomize(path: Path) -> str:
    result = run([kubectl(), "kustomize", str(path)])
    assert result.returncode == 0, f"kubectl kustomize {path} failed:\n{result.stderr}"
    assert result.stdout.strip(), f"kubectl kustomize {path} rendered nothing"
    return result.stdout
