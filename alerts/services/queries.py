"""Reading alerts: the filters shared by API and portal, and an episode's timeline."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from alerts.choices import AlertStatus
from alerts.models import ActionRequest, Alert
from remediation.choices import ActionRequestStatus
from remediation.instants import parse_instant
from runbooks.models import Execution

FILTER_NAMES = ("status", "severity", "alertname", "group_key", "label", "q", "since", "until")


class AlertFilterError(ValueError):
    """A filter value that cannot be used."""


def _when(params: Mapping[str, Any], name: str) -> datetime | None:
    raw = str(params.get(name, "") or "").strip()
    if not raw:
        return None
    try:
        return parse_instant(raw)
    except ValueError as exc:
        raise AlertFilterError(f"'{name}' {exc}.") from None


def _labels(params: Any) -> list[tuple[str, str]]:
    values = params.getlist("label") if hasattr(params, "getlist") else [params.get("label", "")]
    pairs = []
    for raw in values:
        if not raw:
            continue
        key, sep, value = str(raw).partition(":")
        if not sep or not key:
            raise AlertFilterError(f"'label' must look like key:value, got {str(raw)[:64]!r}.")
        pairs.append((key, value))
    return pairs


def filter_alerts(params: Mapping[str, Any], queryset: QuerySet[Alert] | None = None) -> QuerySet[Alert]:
    """Apply status, severity, alertname, Alertmanager group key, label=key:value (repeatable), text and time-range
    filters."""
    qs = queryset if queryset is not None else Alert.objects.all()
    if status := str(params.get("status", "") or "").strip():
        if status not in AlertStatus.values:
            raise AlertFilterError("'status' must be firing or resolved.")
        qs = qs.filter(status=status)
    for name in ("severity", "alertname"):
        if value := str(params.get(name, "") or "").strip():
            qs = qs.filter(**{name: value})
    if group_key := str(params.get("group_key", "") or ""):
        qs = qs.filter(group_key=group_key)  # exact: Alertmanager's group keys are opaque strings
    for index, (key, value) in enumerate(_labels(params)):
        # KeyTextTransform passes the key as a parameter: any label name is safe, and SQLite supports it too.
        label_text = Cast(KeyTextTransform(key, "labels"), TextField())
        qs = qs.alias(**{f"_label{index}": label_text}).filter(**{f"_label{index}": value})
    if text := str(params.get("q", "") or "").strip():
        qs = qs.alias(_labels_text=Cast("labels", TextField()), _annotations_text=Cast("annotations", TextField()))
        qs = qs.filter(
            Q(alertname__icontains=text) | Q(_labels_text__icontains=text) | Q(_annotations_text__icontains=text)
        )
    if since := _when(params, "since"):
        qs = qs.filter(starts_at__gte=since)
    if until := _when(params, "until"):
        qs = qs.filter(starts_at__lt=until)
    return qs


def executions_of(alert: Alert) -> list[Execution]:
    """The runs an episode started or asked for, newest first (one awaiting approval included)."""
    return list(Execution.objects.filter(alert_episode=alert).select_related("runbook", "approved_by").order_by("-id"))


def alert_timeline(alert: Alert) -> list[dict[str, Any]]:
    """Everything that happened to an episode, oldest first: received, decisions, queued effects, resolution, ack."""
    items: list[dict[str, Any]] = [
        {"at": alert.first_received_at, "kind": "received", "text": f"first received ({alert.source or 'unknown'})"}
    ]
    for decision in alert.decisions.all():
        rule = f"rule {decision.rule_name!r}" if decision.rule_name else "no rule"
        text = f"{decision.status}: {rule} → {decision.action or 'none'} ({decision.outcome})"
        items.append({"at": decision.created_at, "kind": "decision", "text": text, "decision": decision})
        for suppression in decision.suppressions:
            detail = f"{suppression['action']} by rule {suppression['rule']!r} suppressed: {suppression['detail']}"
            items.append({"at": decision.created_at, "kind": "suppressed", "text": detail})
    for request in alert.action_requests.all():
        items.append(_request_item(request))
    if alert.resolved_at:
        items.append({"at": alert.resolved_at, "kind": "resolved", "text": "resolved"})
    if alert.acknowledged_at:
        who = alert.acknowledged_by.get_username() if alert.acknowledged_by else "someone"
        items.append({"at": alert.acknowledged_at, "kind": "acknowledged", "text": f"acknowledged by {who}"})
    return sorted(items, key=lambda item: item["at"])


# An action request's state as the timeline says it: (badge, phrase), each a past-tense verb like every other entry.
REQUEST_STATES: dict[str, tuple[str, str]] = {
    ActionRequestStatus.PENDING: ("queued", "queued, waiting for its handler"),
    ActionRequestStatus.DISPATCHED: ("dispatched", "dispatched to its handler"),
    ActionRequestStatus.DONE: ("handled", "handled"),
    ActionRequestStatus.FAILED: ("failed", "failed"),
}


def _request_item(request: ActionRequest) -> dict[str, Any]:
    """`analyze request handled: <note>`: the badge and the sentence say the same thing."""
    badge, phrase = REQUEST_STATES.get(request.status, (request.status, request.status))
    text = f"{request.kind} request {phrase}" + (f": {request.note}" if request.note else "")
    return {"at": request.finished_at or request.created_at, "kind": badge, "text": text}
