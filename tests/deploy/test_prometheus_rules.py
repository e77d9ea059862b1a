"""The shipped Prometheus rules: valid for promtool, unit-tested alert by alert, reading metrics the product exports."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from django.test import Client
from prometheus_client.core import REGISTRY

from tests.processes import ROOT
from tests.realparts import need_prometheus

RULES = ROOT / "deploy" / "prometheus" / "remediation-engine.rules.yml"
UNIT_TESTS = ROOT / "deploy" / "prometheus" / "tests" / "remediation-engine.test.yml"


def _alerts() -> dict[str, str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"] if "alert" in rule}


def _promtool(*args: str) -> str:
    need_prometheus()
    result = subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=120, cwd=RULES.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_it_passes_promtool_check_rules() -> None:
    assert f"SUCCESS: {len(_alerts())} rules found" in _promtool("check", "rules", str(RULES))


def test_it_passes_promtool_unit_tests() -> None:
    assert "SUCCESS" in _promtool("test", "rules", str(UNIT_TESTS))


def test_it_fails_promtool_when_an_alert_expectation_is_wrong(tmp_path: Path) -> None:
    """The unit tests can fail: the same file with one expected severity changed is refused."""
    need_prometheus()
    broken = UNIT_TESTS.read_text().replace("{severity: critical, check: broker", "{severity: warning, check: broker")
    copy = UNIT_TESTS.parent / "broken.test.yml"  # beside the original, so its relative rule_files path holds
    copy.write_text(broken)
    try:
        result = subprocess.run(["promtool", "test", "rules", str(copy)], capture_output=True, text=True, timeout=120)
    finally:
        copy.unlink()
    assert result.returncode != 0 and "RemediationNotReady" in result.stdout + result.stderr


def test_it_has_a_unit_test_that_fires_every_alert() -> None:
    tests = yaml.safe_load(UNIT_TESTS.read_text())["tests"]
    fired = {check["alertname"] for test in tests for check in test["alert_rule_test"] if check.get("exp_alerts")}
    assert sorted(set(_alerts()) - fired) == []


def test_it_documents_every_alert_where_its_annotation_points() -> None:
    page = (ROOT / "docs" / "monitoring.md").read_text()
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", page, re.M)}
    groups = yaml.safe_load(RULES.read_text())["groups"]
    pointers = {rule["annotations"]["runbook"] for group in groups for rule in group["rules"]}
    assert sorted(p for p in pointers if p.split("#")[1] not in anchors) == []


@pytest.mark.django_db
def test_it_reads_only_metrics_the_product_exports() -> None:
    assert Client().get("/metrics").status_code == 200
    families = list(REGISTRY.collect())
    exported = {f.name + ("_total" if f.type == "counter" else "") for f in families}
    exported |= {sample.name for f in families for sample in f.samples}
    used = {name for expr in _alerts().values() for name in re.findall(r"\b(remediation_[a-z_]+)", expr)}
    assert used and sorted(used - exported) == []
