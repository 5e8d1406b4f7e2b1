"""Dashboards, alert rules and the monitoring add-ons: the rules pass promtool
(syntax and unit tests), every metric a rule or a panel names is one the
services expose, the PrometheusRule carries exactly the rules file's groups,
and the backup, drill and collector workloads are in production."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest
import yaml
from deploy_support import REPO, run, system_tool

OBSERVABILITY = REPO / "deploy" / "observability"
RULES = OBSERVABILITY / "prometheus" / "coop-alerts.rules.yml"
RULE_TESTS = OBSERVABILITY / "prometheus" / "coop-alerts.test.yml"
DASHBOARDS = sorted((OBSERVABILITY / "grafana").glob("*.json"))
PROMETHEUS_RULE = REPO / "deploy" / "k8s" / "components" / "observability" / "prometheus-rule.yaml"
# Every service module that declares metrics (importing a service's main imports its adapters).
SERVICE_MAINS = ("gateway", "members", "invoicing", "payroll", "governance", "notifications", "portal")
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "by", "without", "rate", "increase", "delta", "deriv", "topk",
    "histogram_quantile", "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "le", "bool",
    "offset", "humanizePercentage", "label_values", "service", "route", "status", "queue", "channel", "job",
    "within_days", "outcome", "type", "inf",
}


def promtool() -> str:
    return system_tool("promtool", "Debian package prometheus (.ci/run installs it)")


def exposed_metrics() -> set[str]:
    from prometheus_client import REGISTRY

    for service in SERVICE_MAINS:
        importlib.import_module(f"{service}.main")
    names = set(REGISTRY._names_to_collectors)  # every sample name: _total, _bucket, _count, _sum included
    recorded = {rule["record"] for group in yaml.safe_load(RULES.read_text())["groups"]
                for rule in group["rules"] if "record" in rule}
    return names | recorded


def metric_names(expr: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', '""', expr)
    without_labels = re.sub(r"\{[^}]*\}", "", without_strings)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_labels)
    tokens = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", without_ranges))
    return {t for t in tokens if t not in PROMQL_WORDS and not re.fullmatch(r"e\d*|[0-9.]+", t)}


def rule_exprs() -> list[str]:
    return [rule["expr"] for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[tuple[str, str]]:
    found = []
    for path in DASHBOARDS:
        for panel in json.loads(path.read_text())["panels"]:
            found += [(f"{path.name}: {panel['title']}", target["expr"]) for target in panel["targets"]]
    return found


def test_rules_pass_promtool() -> None:
    result = run([promtool(), "check", "rules", str(RULES)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_alerts_fire_as_their_unit_tests_say() -> None:
    result = run([promtool(), "test", "rules", RULE_TESTS.name], cwd=RULE_TESTS.parent)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_runbook_and_a_severity() -> None:
    alerts = [rule for group in yaml.safe_load(RULES.read_text())["groups"]
              for rule in group["rules"] if "alert" in rule]
    assert {"CoopDeadLetters", "CoopOutboxGrowing", "CoopPayslipAtRisk", "CoopMessagesParked",
            "CoopErrorBudgetBurn", "CoopLatencyBudgetBurn"} <= {a["alert"] for a in alerts}
    operations = (REPO / "docs" / "operations.md").read_text()
    for alert in alerts:
        assert alert["labels"]["severity"] in {"page", "ticket"}, alert["alert"]
        assert alert["annotations"]["runbook"] and alert["annotations"]["summary"], alert["alert"]
        anchor = alert["annotations"]["runbook_url"].rsplit("#", 1)[1]
        assert f"{{#{anchor}}}" in operations, f"docs/operations.md has no section {{#{anchor}}}"


def test_every_metric_named_by_a_rule_or_a_panel_exists() -> None:
    exposed = exposed_metrics()
    missing = {(where, name) for where, expr in [("rules", e) for e in rule_exprs()] + dashboard_exprs()
               for name in metric_names(expr) if name not in exposed}
    assert not missing, sorted(missing)


def test_the_metric_check_would_catch_a_typo() -> None:
    assert metric_names('sum by (service) (rate(coop_http_requestz_total{status=~"5.."}[5m]))') == {
        "coop_http_requestz_total"}
    assert "coop_http_requestz_total" not in exposed_metrics()


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboards_are_valid(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    assert dashboard["uid"].startswith("coop-") and dashboard["title"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)) and ids
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert "datasource" in variables
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}" and panel["targets"], panel["title"]
        for target in panel["targets"]:
            for variable in re.findall(r"\$(\w+)", target["expr"]):
                assert variable in variables, f"{path.name}: {panel['title']} uses undefined ${variable}"


def test_dashboards_cover_the_four_views() -> None:
    assert {json.loads(p.read_text())["uid"] for p in DASHBOARDS} == {
        "coop-overview", "coop-red", "coop-events", "coop-money"}


def test_prometheus_rule_carries_the_rules_file(docs) -> None:
    [rule] = [d for d in docs["addons-prod"] if d["kind"] == "PrometheusRule"]
    assert rule["spec"] == yaml.safe_load(RULES.read_text())
    assert yaml.safe_load(PROMETHEUS_RULE.read_text())["spec"] == rule["spec"]
    [monitor] = [d for d in docs["addons-prod"] if d["kind"] == "PodMonitor"]
    names = set(monitor["spec"]["selector"]["matchExpressions"][0]["values"])
    assert {"gateway", "members", "invoicing", "payroll", "governance", "notifications"} <= names
    assert monitor["spec"]["podMetricsEndpoints"][0]["path"] == "/metrics"


def test_production_runs_backups_a_weekly_drill_and_a_collector(docs) -> None:
    prod = docs["prod"]
    crons = {d["metadata"]["name"]: d for d in prod if d["kind"] == "CronJob"}
    assert set(crons) == {"backup-databases", "backup-restore-drill", "backup-rabbitmq-definitions"}
    for cron in crons.values():
        spec = cron["spec"]
        assert spec["concurrencyPolicy"] == "Forbid" and spec["timeZone"] == "Europe/Brussels"
        pod = spec["jobTemplate"]["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert pod["securityContext"]["runAsNonRoot"] is True
    dump = crons["backup-databases"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert "coop_shared.ops.backup dump" in dump["args"][0] and "--keep-days 35" in dump["args"][0]
    drill = crons["backup-restore-drill"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert "coop_shared.ops.backup drill" in drill["args"][0]
    assert any(d["kind"] == "Deployment" and d["metadata"]["name"] == "otel-collector" for d in prod)
    config = next(d for d in prod if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "otel-collector-config")
    collector = yaml.safe_load(config["data"]["config.yaml"])
    assert collector["service"]["pipelines"]["traces"]["receivers"] == ["otlp"]
