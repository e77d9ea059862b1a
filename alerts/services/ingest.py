"""Ingesting an Alertmanager delivery: episodes upserted in one transaction, decisions for what is new."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts import metrics
from alerts.choices import AlertStatus
from alerts.models import Alert
from alerts.payload import Batch, IncomingAlert
from alerts.services.decisions import DecisionEvent, record_decisions
from alerts.services.rules import Verdict, active_rules, evaluate, invalidate_rules
from alerts.services.upsert import Key, Stored, upsert_episodes


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


def _new_row(
    alert: IncomingAlert, batch: Batch, *, source: str, batch_id: uuid.UUID, now: dt.datetime, ignored: bool, seen: int
) -> Alert:
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
        ignored=ignored,
        receive_count=seen,
        first_received_at=now,
        last_received_at=now,
        resolved_at=now if resolved else None,
        batch_id=batch_id,
        resolved_batch_id=batch_id if resolved else None,
    )


def ingest_alerts(batch: Batch, *, source: str, rule_ids: frozenset[int] | None = None) -> IngestResult:
    """Upsert every episode of a delivery in one transaction; decide and queue effects only for what is new.

    Episodes are the source's own; only the rules in `rule_ids` (None: every rule) that hear this source decide.
    """
    try:
        result = _ingest_once(batch, source=source, rule_ids=rule_ids)
    except IntegrityError:
        # A rule deleted by another process between evaluation and insert fails the decision's foreign key; the
        # transaction rolled back, so recompile the rules and run the delivery again (once).
        invalidate_rules()
        result = _ingest_once(batch, source=source, rule_ids=rule_ids)
    _count(batch, result)
    return result


def _ingest_once(batch: Batch, *, source: str, rule_ids: frozenset[int] | None) -> IngestResult:
    now = timezone.now()
    merged, seen = _merge(batch.alerts)
    result = IngestResult(received=len(batch.alerts))
    rules = [r for r in active_rules() if (rule_ids is None or r.id in rule_ids) and r.hears(source)]
    verdicts: dict[Key, Verdict] = {
        k: evaluate(rules, a.labels, a.annotations, a.status, source=source) for k, a in merged.items()
    }
    batch_id = uuid.uuid4()
    keys = sorted(merged)
    rows = [
        _new_row(merged[k], batch, source=source, batch_id=batch_id, now=now, ignored=verdicts[k].ignored, seen=seen[k])
        for k in keys
    ]
    with transaction.atomic():
        stored = upsert_episodes(rows)
        events = _classify(merged, stored, verdicts, batch_id=batch_id, result=result)
        record_decisions(events, now=now)
    result.ignored = sum(seen[k] for k in keys if verdicts[k].ignored)
    return result


def _classify(
    merged: dict[Key, IncomingAlert],
    stored: dict[Key, Stored],
    verdicts: dict[Key, Verdict],
    *,
    batch_id: uuid.UUID,
    result: IngestResult,
) -> list[DecisionEvent]:
    """Count each episode as created by this delivery or repeated; decide what this delivery created or resolved."""
    events: list[DecisionEvent] = []
    for key, incoming in merged.items():
        pk, created_by, resolved_by = stored[key]
        if created_by == batch_id:
            result.created += 1
            result.resolved += incoming.status == AlertStatus.RESOLVED
        else:
            result.updated += 1
            if resolved_by != batch_id:
                continue
            result.resolved += 1
        events.append(DecisionEvent(pk, incoming.status, incoming.labels, incoming.annotations, verdicts[key]))
    return events


def _count(batch: Batch, result: IngestResult) -> None:
    for alert in batch.alerts:
        metrics.ALERTS_RECEIVED.labels(status=alert.status).inc()
    metrics.ALERT_EPISODES.labels(result="created").inc(result.created)
    metrics.ALERT_EPISODES.labels(result="duplicate").inc(result.updated)
    metrics.ALERT_EPISODES.labels(result="resolved").inc(result.resolved)
