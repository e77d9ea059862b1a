"""Verification of alert-triggered runs: did the episode resolve within the runbook's window after a success?"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from runbooks.choices import ExecutionStatus, Trigger
from runbooks.models import Execution
from runbooks.services import notices

FINISHED = [ExecutionStatus.SUCCEEDED, ExecutionStatus.FAILED, ExecutionStatus.ERROR]


def verifiable() -> QuerySet[Execution]:
    """Real runs of an alert episode, by a rule or from its suggestion (dry-runs, manual, scheduled ones are not)."""
    triggers = [Trigger.ALERT, Trigger.SUGGESTION]
    return Execution.objects.filter(trigger__in=triggers, dry_run=False, alert_episode__isnull=False)


def record_resolved(alert_ids: list[int], *, now: dt.datetime) -> int:
    """Note when each episode resolved on its runs; a success that already finished is verified now."""
    runs = verifiable().filter(alert_episode_id__in=alert_ids, resolved_at__isnull=True)
    runs.update(resolved_at=now)
    return sum(verify(execution) for execution in runs.model.objects.filter(alert_episode_id__in=alert_ids))


def verify(execution: Execution) -> bool:
    """Set resolved_within_window for a finished success whose episode has resolved; True when recorded."""
    if execution.status != ExecutionStatus.SUCCEEDED or execution.resolved_within_window is not None:
        return False
    if execution.resolved_at is None or execution.finished_at is None or execution.dry_run:
        return False
    window = dt.timedelta(seconds=execution.runbook.verification_window_seconds)
    within = execution.resolved_at - execution.finished_at <= window
    recorded = Execution.objects.filter(pk=execution.pk, resolved_within_window__isnull=True).update(
        resolved_within_window=within
    )
    if recorded and not within:
        notices.verification_failed(execution, still_firing=False)
    return bool(recorded)


def verify_finished(execution_id: int) -> bool:
    """After a run finishes: verify it if its episode resolved while it ran."""
    execution = verifiable().select_related("runbook", "alert_episode").filter(pk=execution_id).first()
    if execution is None:
        return False
    episode = execution.alert_episode
    if execution.resolved_at is None and episode is not None and episode.resolved_at is not None:
        execution.resolved_at = episode.resolved_at
        Execution.objects.filter(pk=execution.pk).update(resolved_at=episode.resolved_at)
    return verify(execution)


def close_overdue(*, now: dt.datetime | None = None) -> int:
    """Successes whose window passed without a resolution are recorded as not resolved in time."""
    now = now or timezone.now()
    overdue = [
        e.pk
        for e in verifiable()
        .filter(status=ExecutionStatus.SUCCEEDED, resolved_within_window__isnull=True, resolved_at__isnull=True)
        .select_related("runbook")
        if e.finished_at and e.finished_at + dt.timedelta(seconds=e.runbook.verification_window_seconds) < now
    ]
    closed = 0
    for execution in Execution.objects.filter(pk__in=overdue).select_related("runbook"):
        if Execution.objects.filter(pk=execution.pk, resolved_within_window__isnull=True).update(
            resolved_within_window=False
        ):
            notices.verification_failed(execution, still_firing=True)
            closed += 1
    return closed


def execution_stats(runs: QuerySet[Execution]) -> dict[str, Any]:
    """Success rate, resolved-within-window rate and median time to resolve (seconds) of real finished runs."""
    rows = list(
        runs.filter(dry_run=False, status__in=FINISHED).values(
            "status", "resolved_within_window", "finished_at", "resolved_at", start=F("created_at")
        )
    )
    return _summarise(rows)


def stats_by(field: str) -> dict[int, dict[str, Any]]:
    """execution_stats grouped by `runbook_id` or `rule_id` (one query)."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    rows = Execution.objects.filter(dry_run=False, status__in=FINISHED).exclude(**{f"{field}__isnull": True})
    columns = ("status", "resolved_within_window", "finished_at", "resolved_at")
    for row in rows.values(field, *columns, start=F("created_at")):
        grouped.setdefault(row[field], []).append(row)
    return {key: _summarise(items) for key, items in grouped.items()}


def _summarise(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    succeeded = [r for r in rows if r["status"] == ExecutionStatus.SUCCEEDED]
    verified = [r for r in succeeded if r["resolved_within_window"] is not None]
    resolve_times = [(r["resolved_at"] - r["start"]).total_seconds() for r in succeeded if r["resolved_at"]]
    return {
        "runs": len(rows),
        "succeeded": len(succeeded),
        "success_rate": round(len(succeeded) / len(rows), 3) if rows else None,
        "verified": len(verified),
        "resolved_within_window_rate": (
            round(sum(bool(r["resolved_within_window"]) for r in verified) / len(verified), 3) if verified else None
        ),
        "median_time_to_resolve_seconds": round(statistics.median(resolve_times), 1) if resolve_times else None,
    }
