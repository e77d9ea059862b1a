"""Incident numbers for the dashboard and its API: volume, outcomes, MTTA, MTTR, approval wait, busiest instances.

Every figure is computed from stored times over one window (alerts by when the engine first received them,
executions by when they were requested):

- time to acknowledge (MTTA's sample) runs from `first_received_at` to the first response: an operator's
  acknowledgement or the start of a real (not dry-run) execution for the episode, whichever came first;
- time to resolve (MTTR's sample) runs from `first_received_at` to `resolved_at` (when the resolution arrived);
- approval wait runs from an execution's request (`created_at`) to its approval (`approved_at`).

Ignored episodes (a rule said ignore) are counted in the volume but never in MTTA or MTTR: nobody was meant to answer.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Min
from django.utils import timezone

from alerts.choices import AlertStatus
from alerts.models import Alert, Decision
from remediation.actors import Actor, may
from remediation.permissions import VIEW_ALERT, VIEW_EXECUTION
from runbooks.choices import FINISHED_STATUSES, ExecutionStatus
from runbooks.models import Execution

MAX_DAYS = 90
TOP_INSTANCES = 10
# Final outcomes charted per bucket, stacked in the order the status vocabulary lists them.
OUTCOMES = tuple(status for status in ExecutionStatus if status in FINISHED_STATUSES)
# The runs a success rate is out of: ones that ran and ended (not refused, expired or cancelled).
RAN_TO_AN_END = (ExecutionStatus.SUCCEEDED, ExecutionStatus.FAILED, ExecutionStatus.ERROR)


class WindowError(ValueError):
    """A window the numbers cannot be computed over."""


@dataclass(frozen=True)
class Window:
    """The span the numbers cover, bucketed by hour (up to two days) or by day, in the current time zone."""

    since: dt.datetime
    until: dt.datetime
    days: int

    @classmethod
    def last(cls, days: int, *, now: dt.datetime | None = None) -> Window:
        if not 1 <= days <= MAX_DAYS:
            raise WindowError(f"days must be between 1 and {MAX_DAYS}, not {days}.")
        until = now or timezone.now()
        return cls(since=until - dt.timedelta(days=days), until=until, days=days)

    @property
    def hourly(self) -> bool:
        return self.days <= 2

    def bucket_of(self, when: dt.datetime) -> dt.datetime:
        local = timezone.localtime(when)
        if self.hourly:
            return local.replace(minute=0, second=0, microsecond=0)
        return local.replace(hour=0, minute=0, second=0, microsecond=0)

    def buckets(self) -> list[dt.datetime]:
        step = dt.timedelta(hours=1) if self.hourly else dt.timedelta(days=1)
        found, current = [], self.bucket_of(self.since)
        while current < self.until:
            found.append(current)
            # Step in local wall time, then re-truncate so a DST change cannot shift the buckets off the hour.
            current = self.bucket_of(timezone.localtime(current + step))
        return found

    def label(self, bucket: dt.datetime) -> str:
        return bucket.isoformat() if self.hourly else bucket.date().isoformat()

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "days": self.days,
            "bucket": "hour" if self.hourly else "day",
            "time_zone": timezone.get_current_timezone_name(),
        }


def mean_seconds(durations: Iterable[dt.timedelta]) -> float | None:
    values = [d.total_seconds() for d in durations]
    return round(statistics.fmean(values), 1) if values else None


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class EpisodeTimes:
    """One alert episode's stored times, and the samples MTTA and MTTR are means of."""

    alert_id: int
    received: dt.datetime
    responded: dt.datetime | None
    resolved: dt.datetime | None

    @property
    def to_acknowledge(self) -> dt.timedelta | None:
        return self.responded - self.received if self.responded else None

    @property
    def to_resolve(self) -> dt.timedelta | None:
        return self.resolved - self.received if self.resolved else None


def mtta_mttr(episodes: Iterable[EpisodeTimes]) -> dict[str, Any]:
    """Mean time to acknowledge and to resolve (seconds), with how many episodes each mean is over."""
    episodes = list(episodes)
    acknowledged = [e.to_acknowledge for e in episodes if e.to_acknowledge is not None]
    resolved = [e.to_resolve for e in episodes if e.to_resolve is not None]
    return {
        "mtta_seconds": mean_seconds(acknowledged),
        "acknowledged": len(acknowledged),
        "mttr_seconds": mean_seconds(resolved),
        "resolved": len(resolved),
    }


def episode_times(alerts: list[Alert]) -> dict[int, EpisodeTimes]:
    """The response and resolution times of these episodes (one query for their first real execution start)."""
    first_runs = dict(
        Execution.objects.filter(alert_episode__in=[a.pk for a in alerts], dry_run=False, started_at__isnull=False)
        .values("alert_episode")
        .annotate(first=Min("started_at"))
        .values_list("alert_episode", "first")
    )
    found = {}
    for alert in alerts:
        responses = [t for t in (alert.acknowledged_at, first_runs.get(alert.pk)) if t is not None]
        found[alert.pk] = EpisodeTimes(
            alert_id=alert.pk,
            received=alert.first_received_at,
            responded=min(responses, default=None),
            resolved=alert.resolved_at if alert.status == AlertStatus.RESOLVED else None,
        )
    return found


def incident_numbers(*, days: int = 7, now: dt.datetime | None = None) -> dict[str, Any]:
    """Every chart and figure of the dashboard over the last `days` days (raises WindowError on a bad window)."""
    window = Window.last(days, now=now)
    alerts = list(
        Alert.objects.filter(first_received_at__gte=window.since, first_received_at__lt=window.until).only(
            "id", "first_received_at", "acknowledged_at", "resolved_at", "status", "labels", "ignored"
        )
    )
    answered = [a for a in alerts if not a.ignored]
    times = episode_times(answered)
    runs = list(
        Execution.objects.filter(created_at__gte=window.since, created_at__lt=window.until, dry_run=False)
        .select_related("runbook")
        .only("id", "status", "created_at", "approved_at", "alert_episode_id", "runbook__name")
    )
    return {
        "window": window.as_json(),
        "alert_volume": alert_volume(window, alerts),
        "executions_by_outcome": executions_by_outcome(window, runs),
        **mtta_mttr(times.values()),
        "approval_wait": approval_wait(runs),
        "success": success(runs),
        "top_instances": top_instances(alerts),
        "by_rule": by_rule(times),
        "by_runbook": by_runbook(runs, times),
    }


def alert_volume(window: Window, alerts: list[Alert]) -> dict[str, Any]:
    counts = Counter(window.bucket_of(a.first_received_at) for a in alerts)
    buckets = window.buckets()
    return {"labels": [window.label(b) for b in buckets], "received": [counts.get(b, 0) for b in buckets]}


def executions_by_outcome(window: Window, runs: list[Execution]) -> dict[str, Any]:
    counts = Counter((window.bucket_of(r.created_at), r.status) for r in runs)
    buckets = window.buckets()
    series = {str(status): [counts.get((b, status), 0) for b in buckets] for status in OUTCOMES}
    return {"labels": [window.label(b) for b in buckets], "series": series}


def approval_wait(runs: list[Execution]) -> dict[str, Any]:
    waits = [r.approved_at - r.created_at for r in runs if r.approved_at is not None]
    seconds = [w.total_seconds() for w in waits]
    return {
        "mean_seconds": mean_seconds(waits),
        "median_seconds": round(statistics.median(seconds), 1) if seconds else None,
        "approved": len(waits),
    }


def success(runs: list[Execution]) -> dict[str, Any]:
    ended = [r for r in runs if r.status in RAN_TO_AN_END]
    succeeded = sum(r.status == ExecutionStatus.SUCCEEDED for r in ended)
    return {"succeeded": succeeded, "ended": len(ended), "percent": percent(succeeded, len(ended))}


def top_instances(alerts: list[Alert]) -> list[dict[str, Any]]:
    counts = Counter(str(a.labels.get("instance", "")) for a in alerts if a.labels.get("instance"))
    return [{"instance": name, "alerts": n} for name, n in counts.most_common(TOP_INSTANCES)]


def by_rule(times: dict[int, EpisodeTimes]) -> list[dict[str, Any]]:
    """MTTA and MTTR per first-matched rule (by the name the decision kept, so a deleted rule still counts)."""
    grouped: dict[str, list[EpisodeTimes]] = defaultdict(list)
    decisions = Decision.objects.filter(alert__in=list(times), status=AlertStatus.FIRING).exclude(rule_name="")
    for alert_id, rule_name in decisions.values_list("alert_id", "rule_name"):
        grouped[rule_name].append(times[alert_id])
    return [{"rule": name, "alerts": len(items), **mtta_mttr(items)} for name, items in sorted(grouped.items())]


def by_runbook(runs: list[Execution], times: dict[int, EpisodeTimes]) -> list[dict[str, Any]]:
    """Per runbook: runs, success rate, approval wait, and MTTA/MTTR of the alert episodes it ran for."""
    grouped: dict[str, list[Execution]] = defaultdict(list)
    for run in runs:
        grouped[run.runbook.name].append(run)
    rows = []
    for name, items in sorted(grouped.items()):
        episodes = {r.alert_episode_id for r in items if r.alert_episode_id in times}
        outcome = success(items)
        rows.append(
            {
                "runbook": name,
                "runs": len(items),
                "succeeded": outcome["succeeded"],
                "ended": outcome["ended"],
                "success_percent": outcome["percent"],
                "approval_wait_seconds": approval_wait(items)["mean_seconds"],
                **mtta_mttr(times[e] for e in sorted(episodes) if e is not None),
            }
        )
    return rows


def may_see(actor: Actor) -> bool:
    """The numbers describe alerts and executions: seeing them takes the right to view both."""
    return may(actor, VIEW_ALERT) and may(actor, VIEW_EXECUTION)


def dashboard_section(*, actor: Actor, days: int) -> dict[str, Any] | None:
    """The dashboard's `incidents` section (registered in AlertsConfig.ready); None for an actor who may not see it."""
    return incident_numbers(days=days) if may_see(actor) else None
