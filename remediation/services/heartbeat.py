"""Worker liveness: the heartbeat a worker writes, and what /readyz, /metrics and the dashboard read from it."""

from __future__ import annotations

import datetime as dt
import os
import socket
from typing import Any

from django.conf import settings
from django.utils import timezone

from remediation import jobs
from remediation.models import WorkerHeartbeat


def record_heartbeat(*, enqueued_at: str | None = None, now: dt.datetime | None = None) -> WorkerHeartbeat:
    """Upsert this qcluster instance's row (keyed by cluster, host and the sentinel's pid)."""
    cluster = jobs.cluster_name()
    now = now or timezone.now()
    host, pid = socket.gethostname()[:150], os.getppid()  # a worker's parent is its cluster's sentinel
    lag = 0.0
    if enqueued_at:
        lag = max(0.0, (now - dt.datetime.fromisoformat(enqueued_at)).total_seconds())
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        name=f"{cluster}@{host}:{pid}",
        defaults={"cluster": cluster, "host": host, "pid": pid, "seen_at": now, "queue_lag_seconds": lag},
    )
    stale_before = now - dt.timedelta(days=1)
    WorkerHeartbeat.objects.filter(seen_at__lt=stale_before).delete()
    return beat


def workers_seen(now: dt.datetime | None = None) -> list[WorkerHeartbeat]:
    """qcluster instances whose heartbeat is fresher than WORKER_HEARTBEAT_STALE_SECONDS."""
    now = now or timezone.now()
    since = now - dt.timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    return list(WorkerHeartbeat.objects.filter(seen_at__gte=since))


def oldest_queued_task_age(now: dt.datetime | None = None) -> float | None:
    """Seconds the oldest message in the broker has waited (None when the queue is empty or unreadable)."""
    return jobs.oldest_queued_age(now or timezone.now())


def liveness(now: dt.datetime | None = None) -> dict[str, Any]:
    """Workers seen, their freshest heartbeat and the oldest queued task age, for /readyz and the dashboard."""
    now = now or timezone.now()
    seen = workers_seen(now)
    try:
        oldest = oldest_queued_task_age(now)
    except Exception:  # the broker being down is /readyz's broker check to report, not this one
        oldest = None
    last = max((w.seen_at for w in seen), default=None)
    return {
        "workers_seen": len(seen),
        "last_heartbeat": last.isoformat() if last else None,
        "oldest_queued_task_seconds": round(oldest, 1) if oldest is not None else None,
    }
