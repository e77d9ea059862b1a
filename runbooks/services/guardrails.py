"""Guardrails of alert-triggered runs: cooldown per (rule, target), executions per hour, the circuit breaker.

Callers hold a row lock on the rule (select_for_update) while checking and creating, so two workers deciding for
the same rule at once queue up and the second sees the first's execution: the database enforces the limits. The
breaker state is derived from execution history (no counter to drift): enough failures inside one window since
the last success or admin reset open it; after the cool-off one trial may start; a success closes it, a failed
trial opens it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Max, QuerySet

from remediation.choices import BreakerState, SuppressionReason
from remediation.matchers import Matcher, all_match, compile_matchers
from remediation.models import Server
from runbooks.choices import ExecutionStatus
from runbooks.models import Execution, KillSwitch, MaintenanceWindow
from runbooks.models.runs import ACTIVE_STATUSES

FAILED = [ExecutionStatus.FAILED, ExecutionStatus.ERROR]
HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Breaker:
    """The circuit breaker of one rule at one moment."""

    state: str
    failures: int
    opened_at: dt.datetime | None = None
    half_opens_at: dt.datetime | None = None
    trial_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "failures": self.failures,
            "opened_at": self.opened_at,
            "half_opens_at": self.half_opens_at,
            "trial_execution": self.trial_id,
        }


def real_runs(rule: Any) -> QuerySet[Execution]:
    """The rule's executions that count for guardrails: real (dry-runs never do)."""
    return Execution.objects.filter(rule=rule, dry_run=False)


def breaker_state(rule: Any, *, now: dt.datetime) -> Breaker:
    """Closed, open or half-open, from the rule's failures since its last success or admin reset.

    The breaker trips when `threshold` failures fall inside one window; once tripped it stays tripped until a
    success or a reset (old failures leaving the window do not close it). The latest failure opens it: after the
    cool-off it half-opens for one trial, and a failed trial is that latest failure, so it opens again.
    """
    if not rule.breaker_threshold:
        return Breaker(BreakerState.CLOSED, 0)
    runs = real_runs(rule)
    failures = runs.filter(status__in=FAILED, finished_at__isnull=False)
    last_success = runs.filter(status=ExecutionStatus.SUCCEEDED).aggregate(at=Max("finished_at"))["at"]
    floor = max((at for at in (last_success, rule.breaker_reset_at) if at is not None), default=None)
    if floor is not None:
        failures = failures.filter(finished_at__gt=floor)
    times: list[dt.datetime] = [
        at for at in failures.order_by("-finished_at").values_list("finished_at", flat=True) if at
    ]
    window = dt.timedelta(seconds=rule.breaker_window_seconds)
    if not _tripped(times, rule.breaker_threshold, window):
        return Breaker(BreakerState.CLOSED, sum(1 for at in times if at > now - window))
    opened = times[0]
    half_opens = opened + dt.timedelta(seconds=rule.breaker_cooloff_seconds)
    if now < half_opens:
        return Breaker(BreakerState.OPEN, len(times), opened, half_opens)
    trial = runs.filter(status__in=ACTIVE_STATUSES, created_at__gt=opened).order_by("id").first()
    return Breaker(BreakerState.HALF_OPEN, len(times), opened, half_opens, trial.pk if trial else None)


def _tripped(times: list[dt.datetime], threshold: int, window: dt.timedelta) -> bool:
    """Whether `threshold` of these failure times (newest first) ever fell inside one window."""
    return any(times[i] - times[i + threshold - 1] <= window for i in range(len(times) - threshold + 1))


def check_rule(rule: Any, *, now: dt.datetime) -> tuple[str, str] | None:
    """The reason this rule may not start a run now (breaker, hourly cap), or None."""
    breaker = breaker_state(rule, now=now)
    if breaker.state == BreakerState.OPEN:
        return SuppressionReason.BREAKER_OPEN, (
            f"circuit breaker open: {breaker.failures} failure(s) since the last success, the latest at "
            f"{breaker.opened_at:%Y-%m-%d %H:%M:%S} UTC; half-opens at {breaker.half_opens_at:%Y-%m-%d %H:%M:%S} UTC"
        )
    if breaker.state == BreakerState.HALF_OPEN and breaker.trial_id is not None:
        return SuppressionReason.BREAKER_OPEN, (
            f"circuit breaker half-open: trial execution #{breaker.trial_id} is still running"
        )
    if rule.max_per_hour:
        started = real_runs(rule).filter(created_at__gt=now - HOUR).count()
        if started >= rule.max_per_hour:
            return SuppressionReason.RATE_LIMIT, f"{started} executions in the last hour (max {rule.max_per_hour})"
    return None


def cooling_targets(rule: Any, target_ids: list[int], *, now: dt.datetime) -> dict[int, dt.datetime]:
    """Targets still in the rule's cooldown, with when it ends (a run on them started too recently)."""
    if not rule.cooldown_seconds:
        return {}
    window = dt.timedelta(seconds=rule.cooldown_seconds)
    cooling: dict[int, dt.datetime] = {}
    recent = real_runs(rule).filter(created_at__gt=now - window).values_list("target_ids", "created_at")
    for ids, created in recent:
        for target in set(ids or []) & set(target_ids):
            ends = created + window
            if ends > cooling.get(target, ends - window):
                cooling[target] = ends
    return cooling


class Suppressor:
    """The kill switch and the maintenance windows open at one moment: the one check of what suppresses a run.

    Loaded once (a batch of alerts asks it many times) and asked with the labels of what would run: an alert's
    labels and annotations, a target server's names, or a schedule's names. A window suppresses when its matchers
    match any one of the label sets.
    """

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.kill_switch = KillSwitch.objects.filter(pk=1, engaged=True).first()

    @cached_property
    def windows(self) -> list[tuple[MaintenanceWindow, tuple[Matcher, ...]]]:
        # Read on first use: a run the kill switch already stopped, or one windows do not apply to, never asks.
        windows = [w for w in MaintenanceWindow.objects.filter(enabled=True) if w.is_open(self.now)]
        return [(w, compile_matchers(w.matchers)) for w in windows]

    def open_window(
        self, label_sets: Iterable[Mapping[str, str]], annotations: Mapping[str, str] | None = None
    ) -> MaintenanceWindow | None:
        """The first open window whose matchers match one of `label_sets`, or None."""
        label_sets = list(label_sets)
        for window, matchers in self.windows:
            if any(all_match(matchers, labels, annotations or {}) for labels in label_sets):
                return window
        return None

    def suppression(
        self, label_sets: Iterable[Mapping[str, str]], annotations: Mapping[str, str] | None = None
    ) -> tuple[str, str] | None:
        """(reason, detail) when the kill switch or an open window stops it, else None."""
        if self.kill_switch is not None:
            return SuppressionReason.KILL_SWITCH, f"kill switch engaged: {self.kill_switch.reason}".rstrip(": ")
        window = self.open_window(label_sets, annotations)
        if window is not None:
            return SuppressionReason.MAINTENANCE, f"maintenance window {window.name!r} (id {window.pk})"
        return None


def server_labels(target_ids: Iterable[Any]) -> list[dict[str, str]]:
    """The labels a window is matched against for each target server (instance / server / hostname)."""
    servers = Server.objects.filter(pk__in=[t for t in target_ids if isinstance(t, int)])
    return [{"instance": s.name, "server": s.name, "hostname": s.hostname} for s in servers] or [{}]
