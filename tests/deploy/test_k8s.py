"""Kubernetes manifests: every kustomize build renders and passes
kubernetes-validate --strict; every workload is hardened, probed and sized;
the network policies, autoscalers, budgets and secrets hang together."""

from __future__ import annotations

import copy
import ipaddress
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from deploy_support import (
    K8S,
    K8S_VERSIONS,
    NO_MESSAGING,
    OPERATOR_BUILDS,
    REPO,
    SERVICES,
    STRICT_BUILDS,
    VENV_BIN,
    kustomize,
    run,
    system_tool,
    venv_tool,
)

WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet"}
SECRET_ENV = {
    "gateway": {"API_KEY_PEPPER", "GATEWAY_JWT_PRIVATE_KEY"},
    "members": {"JWT_PRIVATE_KEY", "BOOTSTRAP_ADMIN_EMAIL", "BOOTSTRAP_ADMIN_PASSWORD"},
    "notifications": {"SMTP_USERNAME", "SMTP_PASSWORD", "WEBHOOK_SIGNING_KEY"},
    "portal": {"SESSION_KEY"},
    "governance": {"BALLOT_SEALING_KEY"},
}


# --------------------------------------------------------------------------- helpers
def kubernetes_validate(path: Path, version: str) -> subprocess.CompletedProcess[str]:
    exe = venv_tool("kubernetes-validate", "kubernetes-validate==1.37.0")
    return run([exe, "--strict", "--quiet", "-k", version, str(path)])


def of_kind(documents: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in documents if d.get("kind") == kind}


# A generated ConfigMap's name: the declared one, then a hash of its content.
GENERATED = re.compile(r"^(?P<name>.+-config)-[a-z0-9]{10}$")


def configmaps_by_base_name(documents: list[dict]) -> dict[str, dict]:
    """ConfigMaps by the name they are declared with."""
    return {(m["name"] if (m := GENERATED.match(name)) else name): doc
            for name, doc in of_kind(documents, "ConfigMap").items()}


def workloads(documents: list[dict]) -> list[dict]:
    return [d for d in documents if d.get("kind") in WORKLOAD_KINDS]


def _probe_port_ok(probe: dict, container: dict) -> bool:
    port = probe["httpGet"].get("port")
    declared = {p.get("name") for p in container.get("ports", [])} | {
        p.get("containerPort") for p in container.get("ports", [])
    }
    return port in declared


def workload_problems(doc: dict) -> list[str]:
    """Everything wrong with one Deployment/StatefulSet/DaemonSet; [] when it is fine.

    Every container (init containers included) must have: runAsNonRoot and a
    RuntimeDefault/Localhost seccomp profile (container or pod level),
    readOnlyRootFilesystem, allowPrivilegeEscalation false, all capabilities
    dropped, CPU and memory requests and limits, a readiness and a liveness
    probe, and a writable emptyDir /tmp. Our six services must also probe
    /health/ready and /health/live on a declared port and shut down gracefully.
    """
    name = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
    pod = doc.get("spec", {}).get("template", {}).get("spec", {})
    pod_sc = pod.get("securityContext") or {}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    is_ours = doc["metadata"]["name"] in SERVICES and doc.get("kind") == "Deployment"
    problems: list[str] = []
    containers = [("container", c) for c in pod.get("containers", [])] + [
        ("initContainer", c) for c in pod.get("initContainers", [])
    ]
    if not containers:
        problems.append(f"{name}: no containers")
    for role, c in containers:
        where = f"{name} {role} {c.get('name')}"
        sc = c.get("securityContext") or {}
        if sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is not True:
            problems.append(f"{where}: securityContext.runAsNonRoot is not true")
        if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
            problems.append(f"{where}: securityContext.runAsUser is 0 (root)")
        seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
        if seccomp not in {"RuntimeDefault", "Localhost"}:
            problems.append(f"{where}: securityContext.seccompProfile.type is {seccomp!r}, want RuntimeDefault")
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: securityContext.readOnlyRootFilesystem is not true")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: securityContext.allowPrivilegeEscalation is not false")
        if sc.get("privileged"):
            problems.append(f"{where}: securityContext.privileged is true")
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            problems.append(f"{where}: securityContext.capabilities.drop lacks ALL")
        if (sc.get("capabilities") or {}).get("add"):
            problems.append(f"{where}: securityContext.capabilities.add is not empty")
        resources = c.get("resources") or {}
        for section in ("requests", "limits"):
            for res in ("cpu", "memory"):
                if res not in (resources.get(section) or {}):
                    problems.append(f"{where}: resources.{section}.{res} is missing")
        if role == "container":
            for probe in ("readinessProbe", "livenessProbe"):
                if not c.get(probe):
                    problems.append(f"{where}: {probe} is missing")
        mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
        tmp = mounts.get("/tmp")
        if tmp is None or "emptyDir" not in volumes.get(tmp["name"], {}):
            problems.append(f"{where}: no emptyDir volume mounted at /tmp")
        if is_ours and role == "container":
            for probe, path in (("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live")):
                p = c.get(probe) or {}
                if (p.get("httpGet") or {}).get("path") != path:
                    problems.append(f"{where}: {probe} must GET {path}")
                elif not _probe_port_ok(p, c):
                    problems.append(f"{where}: {probe} port is not a declared container port")
            if not ((c.get("lifecycle") or {}).get("preStop")):
                problems.append(f"{where}: lifecycle.preStop (drain delay) is missing")
    if is_ours:
        grace = pod.get("terminationGracePeriodSeconds")
        if not isinstance(grace, int) or grace < 30:
            problems.append(f"{name}: terminationGracePeriodSeconds must be >= 30, got {grace!r}")
        if pod.get("automountServiceAccountToken") is not False:
            problems.append(f"{name}: automountServiceAccountToken must be false")
        if pod.get("serviceAccountName") != doc["metadata"]["name"]:
            problems.append(f"{name}: must run under its own ServiceAccount")
    return problems


# --------------------------------------------------------------------------- render + validate
@pytest.mark.parametrize("build", [*STRICT_BUILDS, *OPERATOR_BUILDS])
def test_build_renders(rendered: dict[str, str], build: str) -> None:
    assert "kind:" in rendered[build]


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("build", list(STRICT_BUILDS))
def test_build_passes_kubernetes_validate_strict(rendered, build, version, tmp_path) -> None:
    out = tmp_path / f"{build}.yaml"
    out.write_text(rendered[build], encoding="utf-8")
    result = kubernetes_validate(out, version)
    report = result.stdout + result.stderr
    assert result.returncode == 0, f"{build} fails kubernetes-validate --strict {version}:\n{report}"
    # A kind without schema is only a warning for the tool: here it is a failure,
    # otherwise a resource would pass without having been checked at all.
    assert "Couldn't find schema" not in report, report
    assert "ERROR" not in report, report


def test_strict_validation_rejects_an_unknown_field(docs, tmp_path) -> None:
    """Negative control: the validator really checks, and --strict rejects typos."""
    deployment = copy.deepcopy(of_kind(docs["base"], "Deployment")["members"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    out = tmp_path / "bad.yaml"
    out.write_text(yaml.safe_dump(deployment), encoding="utf-8")
    result = kubernetes_validate(out, K8S_VERSIONS[-1])
    assert result.returncode != 0, "kubernetes-validate --strict accepted an unknown field"
    assert "readinessprobe" in result.stdout + result.stderr


def test_operator_resources_have_no_offline_schema(rendered, tmp_path) -> None:
    """Documents why deploy/k8s/operators is kept out of the strict set."""
    out = tmp_path / "operators.yaml"
    out.write_text(rendered["operators-prod"], encoding="utf-8")
    result = kubernetes_validate(out, K8S_VERSIONS[-1])
    report = result.stdout + result.stderr
    assert "Couldn't find schema for kind RabbitmqCluster" in report
    assert "Couldn't find schema for kind MongoDBCommunity" in report


# --------------------------------------------------------------------------- workloads
@pytest.mark.parametrize("build", list(STRICT_BUILDS))
def test_every_workload_is_hardened_probed_and_sized(docs, build) -> None:
    found = workloads(docs[build])
    ours = {d["metadata"]["name"] for d in found if d["kind"] == "Deployment"} & set(SERVICES)
    assert ours == set(SERVICES), f"{build}: missing service Deployments {set(SERVICES) - ours}"
    problems = [p for d in found for p in workload_problems(d)]
    assert not problems, "\n".join(problems)


def _gateway(docs) -> dict:
    return copy.deepcopy(of_kind(docs["base"], "Deployment")["gateway"])


def _container(doc: dict) -> dict:
    return doc["spec"]["template"]["spec"]["containers"][0]


MUTATIONS = {
    "readinessProbe removed": (lambda d: _container(d).pop("readinessProbe"), "readinessProbe"),
    "livenessProbe removed": (lambda d: _container(d).pop("livenessProbe"), "livenessProbe"),
    "readiness on the wrong path": (
        lambda d: _container(d)["readinessProbe"]["httpGet"].update(path="/health/live"),
        "readinessProbe must GET /health/ready",
    ),
    "memory limit removed": (lambda d: _container(d)["resources"]["limits"].pop("memory"), "resources.limits.memory"),
    "cpu request removed": (lambda d: _container(d)["resources"]["requests"].pop("cpu"), "resources.requests.cpu"),
    "writable root filesystem": (
        lambda d: _container(d)["securityContext"].update(readOnlyRootFilesystem=False),
        "readOnlyRootFilesystem",
    ),
    "privilege escalation allowed": (
        lambda d: _container(d)["securityContext"].pop("allowPrivilegeEscalation"),
        "allowPrivilegeEscalation",
    ),
    "capabilities kept": (lambda d: _container(d)["securityContext"].pop("capabilities"), "capabilities.drop"),
    "runAsNonRoot dropped everywhere": (
        lambda d: (
            _container(d)["securityContext"].pop("runAsNonRoot"),
            d["spec"]["template"]["spec"]["securityContext"].pop("runAsNonRoot"),
        ),
        "runAsNonRoot",
    ),
    "seccomp dropped everywhere": (
        lambda d: (
            _container(d)["securityContext"].pop("seccompProfile"),
            d["spec"]["template"]["spec"]["securityContext"].pop("seccompProfile"),
        ),
        "seccompProfile",
    ),
    "no /tmp emptyDir": (lambda d: _container(d).pop("volumeMounts"), "/tmp"),
    "no preStop": (lambda d: _container(d).pop("lifecycle"), "preStop"),
}


def test_checker_flags_a_removed_probe(docs) -> None:
    """The checker is not vacuous: a rendered copy without its readiness probe fails it."""
    deployment = _gateway(docs)
    assert workload_problems(deployment) == []
    del _container(deployment)["readinessProbe"]
    problems = workload_problems(deployment)
    assert any("readinessProbe is missing" in p for p in problems), problems


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_checker_flags_each_missing_safeguard(docs, mutation) -> None:
    mutate, expected = MUTATIONS[mutation]
    deployment = _gateway(docs)
    mutate(deployment)
    problems = workload_problems(deployment)
    assert any(expected in p for p in problems), f"{mutation} not flagged: {problems}"


# --------------------------------------------------------------------------- base layout
@pytest.mark.parametrize("service", list(SERVICES))
def test_one_file_per_service_with_its_whole_set(service) -> None:
    path = K8S / "base" / f"{service}.yaml"
    assert path.is_file(), f"{path} is missing"
    kinds = {(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(path.read_text()) if d}
    expected = {
        ("ServiceAccount", service),
        ("Deployment", service),
        ("Service", service),
        ("HorizontalPodAutoscaler", service),
        ("PodDisruptionBudget", service),
        ("NetworkPolicy", service),
    }
    assert expected <= kinds, f"{path.name} lacks {expected - kinds}"
    # Its settings are generated from config/<service>.env (base/kustomization.yaml), hashed into the name.
    assert (K8S / "base" / "config" / f"{service}.env").is_file()


def test_a_changed_setting_rolls_the_pods(tmp_path) -> None:
    """The Deployment refers to its ConfigMap by a name hashed from the settings: a new value is a new name, so
    the pod template changes and the Deployment rolls out (a plain ConfigMap would leave the old pods running)."""
    copy_of_base = tmp_path / "base"
    shutil.copytree(K8S / "base", copy_of_base)

    def referenced(root: Path) -> str:
        documents = [d for d in yaml.safe_load_all(kustomize(root)) if d]
        (ref,) = [e["configMapRef"]["name"] for e in _container(of_kind(documents, "Deployment")["payroll"])["envFrom"]]
        assert ref in of_kind(documents, "ConfigMap")
        return ref

    before = referenced(copy_of_base)
    env = copy_of_base / "config" / "payroll.env"
    env.write_text(env.read_text().replace("LOG_LEVEL=INFO", "LOG_LEVEL=WARNING"))
    after = referenced(copy_of_base)
    assert before != after and before.startswith("payroll-config-") and after.startswith("payroll-config-")


def test_base_kustomization_lists_every_file() -> None:
    kustomization = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in (K8S / "base").glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


@pytest.mark.parametrize("build", list(STRICT_BUILDS))
def test_service_wiring(docs, build) -> None:
    documents = docs[build]
    deployments = of_kind(documents, "Deployment")
    services = of_kind(documents, "Service")
    hpas = of_kind(documents, "HorizontalPodAutoscaler")
    pdbs = of_kind(documents, "PodDisruptionBudget")
    configmaps = configmaps_by_base_name(documents)
    accounts = of_kind(documents, "ServiceAccount")
    pod_labels = {
        name: d["spec"]["template"]["metadata"]["labels"]
        for name, d in {**deployments, **of_kind(documents, "StatefulSet")}.items()
    }

    for name, port in SERVICES.items():
        container = _container(deployments[name])
        assert [p["containerPort"] for p in container["ports"]] == [port]
        assert name in accounts and accounts[name].get("automountServiceAccountToken") is False
        # Service -> pods and named port
        svc = services[name]
        assert svc["spec"]["selector"].items() <= pod_labels[name].items()
        assert svc["spec"]["ports"][0]["port"] == port
        assert svc["spec"]["ports"][0]["targetPort"] == "http"
        # HPA (autoscaling/v2) -> Deployment; the Deployment leaves replicas to it
        hpa = hpas[name]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        assert "replicas" not in deployments[name]["spec"]
        # PDB -> pods
        assert pdbs[name]["spec"]["selector"]["matchLabels"].items() <= pod_labels[name].items()
        # Config
        config = configmaps[f"{name}-config"]["data"]
        assert config["MONGO_DATABASE"] == f"coop_{name}"
        assert "LOG_LEVEL" in config
        assert {"configMapRef": {"name": configmaps[f"{name}-config"]["metadata"]["name"]}} in container["envFrom"]
        # Connection strings and secrets only from Secrets, never inline
        env = {e["name"]: e for e in container["env"]}
        # The gateway and the portal do not use RabbitMQ (messaging=False): no AMQP_URL.
        needed = {"MONGO_URL"} | ({"AMQP_URL"} if name not in NO_MESSAGING else set())
        assert ("AMQP_URL" in env) == (name not in NO_MESSAGING), f"{name}: AMQP_URL"
        for var in needed | SECRET_ENV.get(name, set()):
            assert var in env, f"{name}: {var} missing"
            assert "value" not in env[var], f"{name}: {var} has an inline value"
            assert "secretKeyRef" in env[var]["valueFrom"], f"{name}: {var} not from a Secret"
        assert env["MONGO_URL"]["valueFrom"]["secretKeyRef"]["name"] == f"{name}-mongodb"
        if name not in NO_MESSAGING:
            assert env["AMQP_URL"]["valueFrom"]["secretKeyRef"]["name"] == "coop-amqp"
        if name == "portal":
            assert env["SESSION_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "portal-secrets", "key": "SESSION_KEY"}
            assert config["GATEWAY_URL"] == "http://gateway:8080"
        assert config["ENVIRONMENT"] in {"production", "development"}
        assert config["JWKS_URL"] == "http://members:8001/api/v1/auth/jwks"
        if name != "gateway":
            assert config["GATEWAY_JWKS_URL"] == "http://gateway:8080/api/v1/gateway/jwks"

    gateway_config = configmaps["gateway-config"]["data"]
    for name, port in SERVICES.items():
        if name != "gateway":
            assert gateway_config[f"{name.upper()}_URL"] == f"http://{name}:{port}"
    # The ingress controller's and the portal's X-Forwarded-For is believed (the pod
    # network), never everyone's: uvicorn's FORWARDED_ALLOW_IPS has no effect here.
    trusted = [ipaddress.ip_network(n) for n in gateway_config["TRUSTED_PROXIES"].split(",")]
    assert trusted and all(n.is_private and n.prefixlen >= 8 for n in trusted)
    assert "FORWARDED_ALLOW_IPS" not in gateway_config

    # The public entry is a component: an Ingress in dev, the HTTPRoute of addons/prod in prod.
    entries = of_kind(documents, "Ingress")
    assert set(entries) == ({"gateway"} if build == "dev" else set()), f"{build}: {set(entries)}"
    for ingress in entries.values():
        backends = [p["backend"]["service"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
        assert backends == [{"name": "gateway", "port": {"name": "http"}}]


@pytest.mark.parametrize("build", [*STRICT_BUILDS, *OPERATOR_BUILDS])
def test_no_secret_values_in_manifests(docs, build) -> None:
    assert not of_kind(docs[build], "Secret"), f"{build} renders Secret objects"


def test_no_private_material_committed() -> None:
    tracked_or_new = run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "deploy", "docker-compose.yml", "Dockerfile"]
    )
    assert tracked_or_new.returncode == 0, tracked_or_new.stderr
    pattern = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
    offenders = [
        f
        for f in tracked_or_new.stdout.split()
        if (REPO / f).is_file() and pattern.search((REPO / f).read_text(errors="ignore"))
    ]
    assert not offenders, f"private key material in {offenders}"


# --------------------------------------------------------------------------- network policies
def _policies(documents) -> dict[str, dict]:
    return of_kind(documents, "NetworkPolicy")


def test_default_deny_and_dns(docs) -> None:
    policies = _policies(docs["base"])
    deny = policies["default-deny-all"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    dns = policies["allow-dns"]["spec"]
    assert dns["podSelector"] == {}
    assert {p["port"] for rule in dns["egress"] for p in rule["ports"]} == {53}


def _sources(spec: dict) -> list[dict]:
    return [peer for rule in spec["ingress"] for peer in rule["from"]]


def _names_in(peer: dict) -> set[str]:
    selector = peer.get("podSelector", {})
    names = set(selector.get("matchLabels", {}).get("app.kubernetes.io/name", "").split()) - {""}
    for expr in selector.get("matchExpressions", []):
        if expr["key"] == "app.kubernetes.io/name" and expr["operator"] == "In":
            names |= set(expr["values"])
    return names


def test_who_may_call_whom(docs) -> None:
    """Outside traffic enters through the gateway only; the services are called by the
    gateway, except the token issuers' JWKS (members, gateway) that every service reads
    and invoicing's stored document files, which notifications fetches to e-mail them.
    The portal is reached through the gateway only (/app, /static)."""
    policies = _policies(docs["base"])
    others = set(SERVICES) - {"gateway"}
    gateway = _sources(policies["gateway"]["spec"])
    outside = [p for p in gateway if "namespaceSelector" in p]
    assert outside == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]
    inside = [p for p in gateway if "namespaceSelector" not in p]
    assert all("ipBlock" not in p for p in gateway)
    assert set().union(*map(_names_in, inside)) == others
    for name in others:
        spec = policies[name]["spec"]
        assert set(spec["policyTypes"]) == {"Ingress", "Egress"}
        sources = _sources(spec)
        assert all(set(p) == {"podSelector"} for p in sources), f"{name} is reachable from outside: {sources}"
        callers = set().union(*map(_names_in, sources))
        # Every service but the portal (which calls the gateway only) reads the members JWKS.
        expected = (set(SERVICES) - {"members", "portal"}) if name == "members" else {"gateway"}
        if name == "invoicing":
            expected = {"gateway", "notifications"}
        assert callers == expected, f"{name} callable by {callers}"
        assert {p["port"] for rule in spec["ingress"] for p in rule["ports"]} == {"http"}


def test_services_reach_only_datastores_and_token_issuers(docs) -> None:
    policies = _policies(docs["base"])
    for name in SERVICES:
        egress = policies[name]["spec"]["egress"]
        datastores, peers = {}, set()
        for rule in egress:
            for peer in rule["to"]:
                label = peer.get("podSelector", {}).get("matchLabels", {}).get("coop.platform/datastore")
                if label:
                    datastores[label] = [p["port"] for p in rule["ports"]]
                elif "podSelector" in peer:
                    assert [p["port"] for p in rule["ports"]] == ["http"]
                    peers |= _names_in(peer)
        expected_stores = {"mongodb": [27017]} | ({} if name in NO_MESSAGING else {"rabbitmq": [5672]})
        assert datastores == expected_stores, f"{name}: {datastores}"
        expected_peers = (set(SERVICES) - {"gateway"}) if name == "gateway" else {"members", "gateway"} - {name}
        if name == "portal":
            expected_peers = {"gateway"}  # the public API, nothing else
        if name == "notifications":
            expected_peers |= {"invoicing"}  # the stored files of documents it e-mails
        assert peers == expected_peers, f"{name} may call {peers}"
        ip_rules = [r for r in egress if any("ipBlock" in p for p in r["to"])]
        if name == "notifications":
            ports = {p["port"] for r in ip_rules for p in r["ports"]}
            assert ports == {25, 465, 587, 443}
            https = next(r for r in ip_rules if r["ports"] == [{"protocol": "TCP", "port": 443}])
            excluded = set(https["to"][0]["ipBlock"]["except"])
            assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} <= excluded
        else:
            assert not ip_rules, f"{name} may reach outside the cluster: {ip_rules}"
        assert not any("namespaceSelector" in p for r in egress for p in r["to"]), name


def test_datastores_accept_exactly_the_services_that_use_them(docs) -> None:
    """MongoDB serves all seven services; RabbitMQ only those with messaging."""
    policies = _policies(docs["base"])
    for store, expected in (("mongodb", set(SERVICES)), ("rabbitmq", set(SERVICES) - NO_MESSAGING)):
        sources = [p for p in _sources(policies[store]["spec"]) if _names_in(p)]
        assert set().union(*map(_names_in, sources)) == expected, store


def test_prometheus_may_scrape_every_service(docs) -> None:
    scrape = _policies(docs["prod"])["allow-prometheus-scrape"]["spec"]["podSelector"]
    for name in SERVICES:
        assert selects(scrape, {"app.kubernetes.io/name": name}), name


def selects(selector: dict, labels: dict) -> bool:
    """Label-selector semantics (matchLabels + In/NotIn/Exists/DoesNotExist)."""
    if not all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        ok = {
            "In": labels.get(key) in values,
            "NotIn": labels.get(key) not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True


@pytest.mark.parametrize("build", list(STRICT_BUILDS))
def test_every_pod_has_its_own_allow_policy(docs, build) -> None:
    """Under default-deny, each workload needs a policy that selects it specifically."""
    policies = _policies(docs[build])
    assert "default-deny-all" in policies
    for d in workloads(docs[build]):
        labels = d["spec"]["template"]["metadata"]["labels"]
        specific = [
            n for n, p in policies.items() if p["spec"]["podSelector"] and selects(p["spec"]["podSelector"], labels)
        ]
        assert specific, f"{build}: no NetworkPolicy lets traffic reach {d['metadata']['name']}"


# --------------------------------------------------------------------------- overlays
def test_dev_overlay(docs) -> None:
    documents = docs["dev"]
    namespace = of_kind(documents, "Namespace")["coop-dev"]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert all(d["metadata"].get("namespace") == "coop-dev" for d in documents if d["kind"] != "Namespace")
    for name in SERVICES:
        hpa = of_kind(documents, "HorizontalPodAutoscaler")[name]["spec"]
        assert hpa["minReplicas"] == hpa["maxReplicas"] == 1
        assert _container(of_kind(documents, "Deployment")[name])["image"] == f"coop/{name}:dev"
    statefulsets = of_kind(documents, "StatefulSet")
    assert set(statefulsets) == {"mongodb", "rabbitmq"}
    mongo = statefulsets["mongodb"]
    assert mongo["spec"]["replicas"] == 1
    args = _container(mongo)["args"]
    assert args[args.index("--replSet") + 1] == "rs0"
    init = " ".join(_container(mongo)["readinessProbe"]["exec"]["command"])
    assert "rs.initiate" in init and "mongodb-0.mongodb:27017" in init
    headless = of_kind(documents, "Service")["mongodb"]["spec"]
    assert headless["clusterIP"] == "None" and headless["publishNotReadyAddresses"] is True
    assert mongo["spec"]["serviceName"] == "mongodb"
    for sts in statefulsets.values():
        assert sts["spec"]["template"]["metadata"]["labels"]["coop.platform/datastore"] in {"mongodb", "rabbitmq"}
    config = configmaps_by_base_name(documents)["notifications-config"]["data"]
    assert (config["SMTP_HOST"], config["SMTP_PORT"]) == ("mailpit", "1025")


def _memory_mib(value: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    for unit, factor in units.items():
        if value.endswith(unit):
            return float(value[: -len(unit)]) * factor
    raise AssertionError(f"unexpected memory quantity {value}")


def test_prod_overlay(docs) -> None:
    dev, prod = docs["dev"], docs["prod"]
    assert of_kind(prod, "Namespace")["coop-prod"]
    for name in SERVICES:
        hpa = of_kind(prod, "HorizontalPodAutoscaler")[name]["spec"]
        assert hpa["minReplicas"] >= 3
        image = _container(of_kind(prod, "Deployment")[name])["image"]
        ref, _, digest = image.partition("@")
        tag = ref.rsplit(":", 1)[1] if ":" in ref.rsplit("/", 1)[-1] else ""
        assert re.fullmatch(r"\d+\.\d+\.\d+", tag) or digest.startswith("sha256:"), (
            f"prod image {image} is not pinned to a release"
        )
        prod_limit = _container(of_kind(prod, "Deployment")[name])["resources"]["limits"]["memory"]
        dev_limit = _container(of_kind(dev, "Deployment")[name])["resources"]["limits"]["memory"]
        assert _memory_mib(prod_limit) > _memory_mib(dev_limit)
    # Reached through the Gateway API (addons/prod), not ingress-nginx.
    assert not of_kind(prod, "Ingress")
    outside = [p for p in _sources(_policies(prod)["gateway"]["spec"]) if "namespaceSelector" in p]
    assert outside == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "gateway-system"}}}]
    assert "allow-prometheus-scrape" in _policies(prod)
    # The datastores are operator resources, kept out of this (strictly validated) build.
    assert not of_kind(prod, "StatefulSet")
    assert not [d for d in prod if "rabbitmq.com" in d["apiVersion"] or "mongodb.com" in d["apiVersion"]]


def test_public_entry_and_secrets_of_prod(docs) -> None:
    """addons/prod: the HTTPRoute sends the public host to the gateway's Service port; every Secret a prod
    Deployment reads comes from an ExternalSecret, except those operators and cert-manager write."""
    addons, prod = docs["addons-prod"], docs["prod"]
    route = of_kind(addons, "HTTPRoute")["gateway"]
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert route["metadata"]["namespace"] == "coop-prod"
    (parent,) = route["spec"]["parentRefs"]
    assert (parent["kind"], parent["namespace"], parent["sectionName"]) == ("Gateway", "gateway-system", "https")
    (rule,) = route["spec"]["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    service_ports = {p["port"] for p in of_kind(prod, "Service")["gateway"]["spec"]["ports"]}
    assert [(b["name"], b["port"]) for b in rule["backendRefs"]] == [("gateway", port) for port in service_ports]

    external = of_kind(addons, "ExternalSecret")
    for secret in external.values():
        assert secret["apiVersion"] == "external-secrets.io/v1"
        assert secret["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "coop-secrets"}
        assert secret["spec"]["target"]["name"] == secret["metadata"]["name"]
        assert secret["spec"]["refreshInterval"]
    read = {ref["name"] for d in of_kind(prod, "Deployment").values() for c in d["spec"]["template"]["spec"][
        "containers"] for e in c.get("env", []) if (ref := e.get("valueFrom", {}).get("secretKeyRef"))}
    written_by_operators = {f"{name}-mongodb" for name in SERVICES}
    assert read - written_by_operators == set(external), f"no ExternalSecret for {read - written_by_operators}"


def test_operator_resources(docs) -> None:
    documents = docs["operators-prod"]
    rabbit = of_kind(documents, "RabbitmqCluster")["coop-rabbitmq"]
    assert rabbit["apiVersion"] == "rabbitmq.com/v1beta1"
    assert rabbit["spec"]["replicas"] % 2 == 1 and rabbit["spec"]["replicas"] >= 3
    labels = rabbit["spec"]["override"]["statefulSet"]["spec"]["template"]["metadata"]["labels"]
    assert labels["coop.platform/datastore"] == "rabbitmq"

    mongo = of_kind(documents, "MongoDBCommunity")["coop-mongodb"]
    assert mongo["apiVersion"] == "mongodbcommunity.mongodb.com/v1"
    assert mongo["spec"]["type"] == "ReplicaSet" and mongo["spec"]["members"] >= 3
    labels = mongo["spec"]["statefulSet"]["spec"]["template"]["metadata"]["labels"]
    assert labels["coop.platform/datastore"] == "mongodb"
    users = {u["name"]: u for u in mongo["spec"]["users"]}
    # Each service's MONGO_URL Secret is produced by the operator for its own user,
    # who may only read and write its own database.
    prod_env = {
        name: {e["name"]: e for e in _container(d)["env"]} for name, d in of_kind(docs["prod"], "Deployment").items()
    }
    for name in SERVICES:
        user = users[name]
        ref = prod_env[name]["MONGO_URL"]["valueFrom"]["secretKeyRef"]
        assert user["connectionStringSecretName"] == ref["name"]
        assert ref["key"] == "connectionString.standard"
        assert user["roles"] == [{"name": "readWrite", "db": f"coop_{name}"}]


def test_dev_secret_generator_matches_every_reference(docs, tmp_path) -> None:
    """gen_secrets.py k8s-dev yields valid Secrets covering every required secretKeyRef."""
    result = run([venv_tool("python", "python"), "deploy/scripts/gen_secrets.py", "k8s-dev"])
    assert result.returncode == 0, result.stderr
    out = tmp_path / "secrets.yaml"
    out.write_text(result.stdout, encoding="utf-8")
    validated = kubernetes_validate(out, K8S_VERSIONS[-1])
    assert validated.returncode == 0, validated.stdout + validated.stderr
    provided = {(s["metadata"]["name"], key) for s in yaml.safe_load_all(result.stdout) if s for key in s["stringData"]}
    assert all(s["metadata"]["namespace"] == "coop-dev" for s in yaml.safe_load_all(result.stdout) if s)
    required = set()
    for d in workloads(docs["dev"]):
        for c in d["spec"]["template"]["spec"]["containers"]:
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref and not ref.get("optional"):
                    required.add((ref["name"], ref["key"]))
    assert required, "no secretKeyRef found"
    assert required <= provided, f"dev Secrets lack {required - provided}"


def test_make_k8s_validate_target() -> None:
    """`make k8s-validate` (deploy/deploy.mk) runs the same checks and passes."""
    make = system_tool("make", "GNU make runs deploy/deploy.mk")
    result = run(
        [
            make,
            "--no-print-directory",
            "-f",
            "deploy/deploy.mk",
            "k8s-validate",
            f"VENV={VENV_BIN.parent}",
            "K8S_VERSIONS=1.37.0",
        ]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "k8s-validate: OK" in result.stdout
    assert "operators/prod" in result.stdout
