"""The pinned JavaScript tools the contract tests run (package.json at the
repository root): installed with ``npm ci`` when missing or when the lock
file changed, then run from ``node_modules/.bin``."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


@dataclass(frozen=True)
class NodeTools:
    root: Path

    def bin(self, name: str) -> str:
        return str(self.root / "node_modules" / ".bin" / name)

    def run(self, *args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=cwd or self.root, capture_output=True, text=True,
                              timeout=timeout, check=False)


def install(root: Path = ROOT) -> NodeTools:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed for the contract tests (apt-get install nodejs npm)")
    lock = root / "package-lock.json"
    installed = root / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=root, capture_output=True,
                              text=True, timeout=600, check=False)
        if done.returncode != 0:
            raise RuntimeError("npm ci failed:\n" + done.stdout[-3000:] + done.stderr[-3000:])
    return NodeTools(root)


@pytest.fixture(scope="session")
def node_tools() -> NodeTools:
    return install()
