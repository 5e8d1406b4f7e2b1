"""docker-compose.yml: valid against the Compose Specification, every dependency
exists and waits for health, only the gateway is published, secrets come from
the git-ignored env file; plus the make targets that drive it."""

from __future__ import annotations

import ipaddress
import re
import stat

import pytest
import yaml
from deploy_support import NO_MESSAGING, REPO, SERVICES, VENV_BIN, run, system_tool, venv_tool

COMPOSE_FILE = REPO / "docker-compose.yml"
EXAMPLE = REPO / "deploy" / "compose.env.example"
INFRA = {"mongo", "rabbitmq", "mailpit"}
SECRET_KEYS = {
    "RABBITMQ_DEFAULT_USER",
    "RABBITMQ_DEFAULT_PASS",
    "AMQP_URL",
    "JWT_PRIVATE_KEY",
    "BOOTSTRAP_ADMIN_EMAIL",
    "BOOTSTRAP_ADMIN_PASSWORD",
    "WEBHOOK_SIGNING_KEY",
    "BALLOT_SEALING_KEY",
    "API_KEY_PEPPER",
    "GATEWAY_JWT_PRIVATE_KEY",
    "SERVICE_TOKEN_SECRET",
    "SESSION_KEY",
}
ENV_FILE_REF = "${COOP_ENV_FILE:-deploy/compose.env}"


def check_jsonschema(path) -> tuple[int, str]:
    exe = venv_tool("check-jsonschema", "check-jsonschema==0.39.0")
    result = run([exe, "--builtin-schema", "vendor.compose-spec", str(path)])
    return result.returncode, result.stdout + result.stderr


def parse_env_file(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


# --------------------------------------------------------------------------- schema
def test_compose_file_matches_the_compose_spec() -> None:
    code, report = check_jsonschema(COMPOSE_FILE)
    assert code == 0, report


def test_compose_schema_check_is_not_vacuous(tmp_path) -> None:
    broken = COMPOSE_FILE.read_text(encoding="utf-8").replace(
        "    hostname: rabbitmq\n", "    hostname: rabbitmq\n    helthcheck: {}\n"
    )
    assert broken != COMPOSE_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "docker-compose.yml"
    bad.write_text(broken, encoding="utf-8")
    code, report = check_jsonschema(bad)
    assert code != 0 and "helthcheck" in report


# --------------------------------------------------------------------------- topology
def test_services_present(compose) -> None:
    assert set(compose["services"]) == set(SERVICES) | INFRA


def test_every_depends_on_target_exists_and_waits_for_health(compose) -> None:
    services = compose["services"]
    for name, svc in services.items():
        depends = svc.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: use the long depends_on form with conditions"
        for target, cond in depends.items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert cond.get("condition") == "service_healthy", f"{name} -> {target}: {cond}"
    for name in SERVICES:
        needed = {"mongo"} if name in NO_MESSAGING else {"mongo", "rabbitmq"}
        assert needed <= set(services[name]["depends_on"]), name
        if name in NO_MESSAGING:
            assert "rabbitmq" not in services[name]["depends_on"], name
    assert set(services["gateway"]["depends_on"]) >= set(SERVICES) - {"gateway"}
    assert "mailpit" in services["notifications"]["depends_on"]


def test_depends_on_has_no_cycle(compose) -> None:
    graph = {n: set(s.get("depends_on", {})) for n, s in compose["services"].items()}
    done: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        assert node not in path, f"depends_on cycle: {' -> '.join((*path, node))}"
        if node not in done:
            for nxt in graph[node]:
                visit(nxt, (*path, node))
            done.add(node)

    for node in graph:
        visit(node, ())


def test_every_service_has_a_healthcheck(compose) -> None:
    for name, svc in compose["services"].items():
        check = svc.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name}: no healthcheck"
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, name
    for name in SERVICES:
        assert compose["services"][name]["healthcheck"]["test"] == [
            "CMD",
            "python",
            "/opt/coop/healthcheck.py",
            "/health/ready",
        ]


def test_only_the_gateway_is_published_on_8080(compose) -> None:
    published = {n: s["ports"] for n, s in compose["services"].items() if s.get("ports")}
    assert list(published) == ["gateway"]
    (mapping,) = published["gateway"]
    assert re.fullmatch(r"\$\{GATEWAY_BIND:-127\.0\.0\.1\}:8080:8080", mapping), mapping
    for svc in compose["services"].values():
        assert "expose" not in svc and svc.get("network_mode") != "host"


def test_images_are_pinned(compose) -> None:
    for name, svc in compose["services"].items():
        image = svc["image"]
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest", f"{name}: image {image} has no pinned tag"
        if name in INFRA:
            assert re.search(r"\d+\.\d+\.\d+", tag), f"{name}: {image} is not pinned to a patch version"


def test_mongo_is_a_self_initiating_replica_set(compose) -> None:
    mongo = compose["services"]["mongo"]
    command = mongo["command"]
    assert command[command.index("--replSet") + 1] == "rs0"
    probe = " ".join(mongo["healthcheck"]["test"])
    assert "rs.initiate" in probe and "host: 'mongo:27017'" in probe and "isWritablePrimary" in probe
    assert re.fullmatch(r"mongo:\d+\.\d+\.\d+", mongo["image"])
    assert re.fullmatch(r"rabbitmq:\d+\.\d+\.\d+-management", compose["services"]["rabbitmq"]["image"])


@pytest.mark.parametrize("name", list(SERVICES))
def test_app_service_build_and_settings(compose, name) -> None:
    svc = compose["services"][name]
    assert svc["build"] == {
        "context": ".",
        "dockerfile": "Dockerfile",
        "args": {"SERVICE": name, "PORT": str(SERVICES[name])},
    }
    env = svc["environment"]
    assert env["MONGO_URL"] == "mongodb://mongo:27017/?replicaSet=rs0"
    assert env["JWKS_URL"] == "http://members:8001/api/v1/auth/jwks"
    assert env["GATEWAY_JWKS_URL"] == "http://gateway:8080/api/v1/gateway/jwks"
    assert "ENVIRONMENT" in env
    assert env["MONGO_DATABASE"] == f"coop_{name}"
    assert "LOG_LEVEL" in env
    # Secrets only through the env file, never written in the compose file.
    assert not SECRET_KEYS & set(env), f"{name} sets secrets inline: {SECRET_KEYS & set(env)}"
    assert svc["env_file"] == [{"path": ENV_FILE_REF, "required": True}]
    assert svc["read_only"] is True and svc["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in svc["security_opt"]
    if name == "gateway":
        for other, port in SERVICES.items():
            if other != "gateway":
                assert env[f"{other.upper()}_URL"] == f"http://{other}:{port}"
    if name == "portal":
        # Pages are built from the public API only; SESSION_KEY comes from the env file.
        assert env["GATEWAY_URL"] == "http://gateway:8080"
        assert not {k for k in env if k.endswith("_URL")} - {"MONGO_URL", "JWKS_URL", "GATEWAY_JWKS_URL", "GATEWAY_URL"}
    if name == "notifications":
        assert env["SMTP_HOST"] == "${SMTP_HOST:-mailpit}"
        assert env["INVOICING_URL"] == "http://invoicing:8002"


def test_mailpit_catches_every_email_with_its_web_ui(compose) -> None:
    mailpit = compose["services"]["mailpit"]
    assert re.fullmatch(r"axllent/mailpit:v\d+\.\d+\.\d+", mailpit["image"])
    assert mailpit["environment"]["MP_UI_BIND_ADDR"] == "0.0.0.0:8025"
    assert mailpit["environment"]["MP_SMTP_BIND_ADDR"] == "0.0.0.0:1025"
    notifications = compose["services"]["notifications"]
    assert notifications["depends_on"]["mailpit"] == {"condition": "service_healthy"}
    assert notifications["environment"]["SMTP_PORT"] == "${SMTP_PORT:-1025}"


# --------------------------------------------------------------------------- secrets
def test_env_example_holds_placeholders_only() -> None:
    values = parse_env_file(EXAMPLE.read_text(encoding="utf-8"))
    assert set(values) >= SECRET_KEYS, f"missing in example: {SECRET_KEYS - set(values)}"
    for key in SECRET_KEYS - {"RABBITMQ_DEFAULT_USER", "BOOTSTRAP_ADMIN_EMAIL", "AMQP_URL"}:
        assert values[key].strip('"') == "change-me", f"{key} is not a placeholder in the example"
    assert "change-me" in values["AMQP_URL"]


def test_real_env_file_is_git_ignored() -> None:
    git = system_tool("git", "git tells whether deploy/compose.env is ignored")
    result = run([git, "check-ignore", "-q", "deploy/compose.env"])
    assert result.returncode == 0, "deploy/compose.env is not git-ignored"
    assert run([git, "check-ignore", "-q", "deploy/compose.env.example"]).returncode == 1


def test_compose_env_generator(tmp_path) -> None:
    out = tmp_path / "compose.env"
    python = venv_tool("python", "python")
    result = run([python, "deploy/scripts/gen_secrets.py", "compose-env", "--output", str(out)])
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_text(encoding="utf-8")
    assert "change-me" not in text
    values = parse_env_file(text)
    assert set(values) >= SECRET_KEYS
    assert values["AMQP_URL"] == (
        f"amqp://{values['RABBITMQ_DEFAULT_USER']}:{values['RABBITMQ_DEFAULT_PASS']}@rabbitmq:5672/"
    )
    assert not any("$" in v for v in values.values())
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    for key in ("JWT_PRIVATE_KEY", "GATEWAY_JWT_PRIVATE_KEY"):
        pem = values[key].strip('"').replace("\\n", "\n").encode()
        assert load_pem_private_key(pem, password=None).key_size == 3072, key
    assert values["JWT_PRIVATE_KEY"] != values["GATEWAY_JWT_PRIVATE_KEY"]
    # The portal's session key must be a usable Fernet key (32 bytes, URL-safe base64).
    from cryptography.fernet import Fernet

    session = Fernet(values["SESSION_KEY"].encode())
    assert session.decrypt(session.encrypt(b"token")) == b"token"
    # A second run keeps the existing file (RabbitMQ remembers its first password).
    again = run([python, "deploy/scripts/gen_secrets.py", "compose-env", "--output", str(out)])
    assert again.returncode == 0 and out.read_text(encoding="utf-8") == text


# --------------------------------------------------------------------------- make targets
def _make(*args: str):
    make = system_tool("make", "GNU make runs deploy/deploy.mk")
    return run([make, "--no-print-directory", "-f", "deploy/deploy.mk", f"VENV={VENV_BIN.parent}", *args])


def test_make_compose_validate() -> None:
    result = _make("compose-validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


@pytest.mark.parametrize("target", ["up", "down", "logs"])
def test_make_targets_fail_clearly_without_a_docker_engine(target) -> None:
    # DOCKER=false stands for a client whose engine does not answer, whatever
    # this machine has: the test never starts containers.
    result = _make(target, "DOCKER=false")
    assert result.returncode != 0
    assert "no Docker engine answers" in result.stderr


def test_make_up_without_docker_client_says_so() -> None:
    result = _make("up", "DOCKER=/nonexistent/docker")
    assert result.returncode != 0
    assert "not found" in result.stderr and "Install Docker" in result.stderr


def test_make_up_without_env_file_says_so(tmp_path) -> None:
    result = _make("_deploy-env-check", f"COOP_ENV_FILE={tmp_path / 'absent.env'}")
    assert result.returncode != 0
    assert "make compose-env" in result.stderr


def test_make_dry_run_of_every_target() -> None:
    targets = ["up", "down", "logs", "k8s-validate", "compose-validate", "docker-lint", "compose-env"]
    result = _make("-n", *targets)
    assert result.returncode == 0, result.stderr
    assert "compose" in result.stdout and "up -d --build" in result.stdout


def test_compose_yaml_parses_with_anchors_resolved(compose) -> None:
    # The x- templates are merged into each service (YAML merge keys).
    assert compose["services"]["members"]["restart"] == "unless-stopped"
    assert yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["name"] == "coop"


def test_the_gateway_believes_the_portals_forwarded_address_only(compose) -> None:
    # Each person behind the portal has their own rate limits; nobody else can name an address.
    [subnet] = [c["subnet"] for c in compose["networks"]["default"]["ipam"]["config"]]
    portal_address = compose["services"]["portal"]["networks"]["default"]["ipv4_address"]
    trusted = compose["services"]["gateway"]["environment"]["TRUSTED_PROXIES"]
    assert subnet == "${COOP_SUBNET_PREFIX:-172.30.57}.0/24"
    assert portal_address == "${COOP_SUBNET_PREFIX:-172.30.57}.10"
    assert trusted == portal_address + "/32"
    defaults = {name: value.replace("${COOP_SUBNET_PREFIX:-172.30.57}", "172.30.57")
                for name, value in (("subnet", subnet), ("portal", portal_address))}
    assert ipaddress.ip_address(defaults["portal"]) in ipaddress.ip_network(defaults["subnet"])
