"""Ingesting an Alertmanager delivery: episodes upserted in one transaction, decisions for what is new."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.choices import AlertStatus
from alerts.models import Alert
from alerts.payload import Batch, IncomingAlert
from remediation import metrics
from remediation.services.decisions import DecisionEvent, record_decisions
from remediation.services.rules import Verdict, active_rules, evaluate, invalidate_rules

Key = tuple[str, dt.datetime]
LOCKED_FIELDS = ("id", "fingerprint", "starts_at", "status", "batch_id", "receive_count", "labels", "annotations")


@dataclass(slots=True)
class IngestResult:
    """The counts a delivery answers with."""

    received: int = 0
    created: int = 0
    updated: int = 0
    resolved: int = 0
    ignored: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _merge(alerts: list[IncomingAlert]) -> tuple[dict[Key, IncomingAlert], dict[Key, int]]:
    """One record per episode; when a batch carries an episode twice, its resolution wins."""
    merged: dict[Key, IncomingAlert] = {}
    seen: dict[Key, int] = {}
    for alert in alerts:
        key = (alert.fingerprint, alert.starts_at)
        seen[key] = seen.get(key, 0) + 1
        if key not in merged or alert.status == AlertStatus.RESOLVED:
            merged[key] = alert
    return merged, seen


def _new_row(alert: IncomingAlert, batch: Batch, *, source: str, batch_id: uuid.UUID, now: dt.datetime) -> Alert:
    resolved = alert.status == AlertStatus.RESOLVED
    return Alert(
        fingerprint=alert.fingerprint,
        starts_at=alert.starts_at,
        ends_at=(alert.ends_at or now) if resolved else None,
        status=alert.status,
        alertname=alert.labels.get("alertname", "")[:200],
        severity=alert.labels.get("severity", "")[:64],
        labels=alert.labels,
        annotations=alert.annotations,
        generator_url=alert.generator_url,
        receiver=batch.receiver,
        group_key=batch.group_key,
        external_url=batch.external_url,
        source=source,
        first_received_at=now,
        last_received_at=now,
        resolved_at=now if resolved else None,
        batch_id=batch_id,
    )


def _lock(keys: list[Key]) -> dict[Key, Alert]:
    # Row locks in id order: concurrent deliveries of overlapping batches queue up instead of deadlocking.
    rows = (
        Alert.objects.select_for_update()
        .filter(fingerprint__in={k[0] for k in keys}, starts_at__in={k[1] for k in keys})
        .only(*LOCKED_FIELDS)
        .order_by("id")
    )
    wanted = set(keys)
    return {(row.fingerprint, row.starts_at): row for row in rows if (row.fingerprint, row.starts_at) in wanted}


def ingest_alerts(batch: Batch, *, source: str) -> IngestResult:
    """Upsert every episode of a delivery in one transaction; decide and queue effects only for what is new."""
    try:
        result = _ingest_once(batch, source=source)
    except IntegrityError:
        # A rule deleted by another process between evaluation and insert fails the decision's foreign key; the
        # transaction rolled back, so recompile the rules and run the delivery again (once).
        invalidate_rules()
        result = _ingest_once(batch, source=source)
    _count(batch, result)
    return result


def _ingest_once(batch: Batch, *, source: str) -> IngestResult:
    now = timezone.now()
    merged, seen = _merge(batch.alerts)
    result = IngestResult(received=len(batch.alerts))
    rules = active_rules()
    verdicts: dict[Key, Verdict] = {k: evaluate(rules, a.labels, a.annotations, a.status) for k, a in merged.items()}
    batch_id = uuid.uuid4()
    keys = sorted(merged)
    with transaction.atomic():
        rows = [_new_row(merged[k], batch, source=source, batch_id=batch_id, now=now) for k in keys]
        for row, key in zip(rows, keys, strict=True):
            row.ignored = verdicts[key].ignored
        Alert.objects.bulk_create(rows, ignore_conflicts=True)
        stored = _lock(keys)
        events, changed = _apply(merged, seen, stored, verdicts, batch_id=batch_id, now=now, result=result)
        if changed:
            Alert.objects.bulk_update(
                changed, ["status", "ends_at", "resolved_at", "last_received_at", "receive_count"]
            )
        record_decisions(events, now=now)
    result.ignored = sum(seen[k] for k in keys if verdicts[k].ignored)
    return result


def _apply(
    merged: dict[Key, IncomingAlert],
    seen: dict[Key, int],
    stored: dict[Key, Alert],
    verdicts: dict[Key, Verdict],
    *,
    batch_id: uuid.UUID,
    now: dt.datetime,
    result: IngestResult,
) -> tuple[list[DecisionEvent], list[Alert]]:
    """Classify each episode: created by us, repeated, or resolved now; stale firings never reopen."""
    events: list[DecisionEvent] = []
    changed: list[Alert] = []
    for key, incoming in merged.items():
        row = stored[key]
        if row.batch_id == batch_id:
            result.created += 1
            result.resolved += incoming.status == AlertStatus.RESOLVED
            extra = seen[key] - 1
            if extra:
                row.receive_count, row.last_received_at = 1 + extra, now
                changed.append(row)
            events.append(DecisionEvent(row.pk, incoming.status, incoming.labels, incoming.annotations, verdicts[key]))
            continue
        result.updated += 1
        row.receive_count += seen[key]
        row.last_received_at = now
        if row.status == AlertStatus.FIRING and incoming.status == AlertStatus.RESOLVED:
            row.status, row.ends_at, row.resolved_at = AlertStatus.RESOLVED, incoming.ends_at or now, now
            result.resolved += 1
            events.append(DecisionEvent(row.pk, incoming.status, row.labels, row.annotations, verdicts[key]))
        changed.append(row)
    return events, changed


def _count(batch: Batch, result: IngestResult) -> None:
    for alert in batch.alerts:
        metrics.ALERTS_RECEIVED.labels(status=alert.status).inc()
    metrics.ALERT_EPISODES.labels(result="created").inc(result.created)
    metrics.ALERT_EPISODES.labels(result="duplicate").inc(result.updated)
    metrics.ALERT_EPISODES.labels(result="resolved").inc(result.resolved)
