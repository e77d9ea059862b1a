"""Helpers of the remediation pipeline tests: Alertmanager payloads, a remediate rule, running the hand-off."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alerts.models import ActionRequest, Rule
from alerts.services.actions import dispatch_action_request
from alerts.services.rules import invalidate_rules
from remediation.actors import Actor
from remediation.choices import ActionRequestStatus
from runbooks.models import Runbook
from runbooks.services.definitions import save_runbook
from tests.factories.rules import RuleMatcherFactory

STARTS = "2026-11-26T11:25:13.51Z"


def am_payload(
    instance: str,
    status: str = "firing",
    *,
    fingerprint: str = "f00dcafe00000001",
    starts_at: str = STARTS,
    **labels: str,
) -> dict[str, Any]:
    """One Alertmanager webhook delivery carrying one alert."""
    alert = {
        "status": status,
        "labels": {"alertname": "ServiceDown", "instance": instance, "service": "nginx", **labels},
        "annotations": {"summary": f"nginx down on {instance}"},
        "startsAt": starts_at,
        "endsAt": "2026-11-26T11:40:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example.internal/graph",
        "fingerprint": fingerprint,
    }
    return {
        "receiver": "hook",
        "status": status,
        "alerts": [alert],
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.internal",
        "version": "4",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
    }


def restart_runbook(command: str = "echo restarting {{ params.service }}", **fields: Any) -> Runbook:
    """A one-step SSH runbook with a `service` parameter."""
    data = {
        "name": "restart-service",
        "parameters": [{"name": "service", "required": True, "pattern": "[a-z]+"}],
        "steps": [{"name": "restart", "command": command}],
        **fields,
    }
    return save_runbook(data, actor=Actor.of("test"))


def remediate_rule(runbook: Runbook, **fields: Any) -> Rule:
    """A remediate rule on alertname=ServiceDown filling `service` from the alert's label."""
    fields.setdefault("scope_all_servers", True)  # scoped rules are covered in tests/remediation/test_scopes.py
    rule = Rule.objects.create(
        name=fields.pop("name", "restart on ServiceDown"),
        action="remediate",
        runbook=runbook,
        parameters={"service": "{{ labels.service }}"},
        **fields,
    )
    RuleMatcherFactory(rule=rule, name="alertname", value="ServiceDown")
    invalidate_rules()
    return rule


def dispatch_pending() -> list[str]:
    """Run the queued hand-off in this process (what the qcluster worker does), returning the notes."""
    ids = ActionRequest.objects.filter(status=ActionRequestStatus.PENDING).values_list("pk", flat=True)
    for pk in list(ids):
        dispatch_action_request(pk)
    return list(ActionRequest.objects.filter(pk__in=list(ids)).values_list("note", flat=True))


def ago(now: dt.datetime, **delta: float) -> dt.datetime:
    return now - dt.timedelta(**delta)
