"""Worker liveness: the heartbeat row, and what /readyz, /metrics and the dashboard report from it."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.tasks import async_task

from remediation.models import WorkerHeartbeat
from remediation.services.heartbeat import liveness, oldest_queued_task_age, record_heartbeat
from tests.processes import running
from tests.runbooks.world import World, wait_for

pytestmark = pytest.mark.django_db


def test_it_keeps_one_row_per_cluster_instance_and_measures_lag() -> None:
    now = timezone.now()
    record_heartbeat(now=now - dt.timedelta(seconds=30))
    beat = record_heartbeat(enqueued_at=(now - dt.timedelta(seconds=4)).isoformat(), now=now)
    assert WorkerHeartbeat.objects.count() == 1
    assert beat.seen_at == now and beat.queue_lag_seconds == pytest.approx(4)


def test_it_counts_only_fresh_heartbeats_and_forgets_day_old_ones(settings) -> None:
    settings.WORKER_HEARTBEAT_STALE_SECONDS = 180
    now = timezone.now()
    WorkerHeartbeat.objects.create(name="q@old:1", cluster="q", host="old", pid=1, seen_at=now - dt.timedelta(days=2))
    gone = now - dt.timedelta(minutes=4)
    WorkerHeartbeat.objects.create(name="q@gone:2", cluster="q", host="gone", pid=2, seen_at=gone)
    assert liveness(now)["workers_seen"] == 0
    record_heartbeat(now=now)
    assert liveness(now)["workers_seen"] == 1
    assert not WorkerHeartbeat.objects.filter(name="q@old:1").exists()


def test_it_reads_the_oldest_queued_task_age_from_the_broker() -> None:
    get_broker().purge_queue()
    assert oldest_queued_task_age() is None
    async_task("remediation.tasks.record_heartbeat")
    age = oldest_queued_task_age(timezone.now() + dt.timedelta(seconds=90))
    assert age is not None and 89 <= age <= 95


def test_it_reports_workers_in_readyz_metrics_and_the_dashboard(client: Client, operator) -> None:  # type: ignore[no-untyped-def]
    record_heartbeat()
    ready = client.get("/readyz").json()["checks"]["workers"]
    assert ready["ok"] is True and ready["workers_seen"] == 1
    body = client.get("/metrics").content.decode()
    assert "remediation_workers_seen 1.0" in body
    assert "remediation_oldest_queued_task_seconds" in body
    client.force_login(operator)
    page = client.get("/").content.decode()
    assert "Workers seen" in page and "Oldest queued task" in page


def test_it_fails_readyz_without_workers_only_when_required(client: Client, settings) -> None:
    assert client.get("/readyz").status_code == 200
    settings.READYZ_REQUIRE_WORKERS = True
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["failing"] == ["workers"]


def _count_heartbeats(db: Path) -> int:
    with sqlite3.connect(db, timeout=10) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM remediation_workerheartbeat").fetchone()[0])


def test_a_real_worker_is_seen_as_soon_as_it_starts(tmp_path: Path) -> None:
    world = World(tmp_path, port=9)  # the world's HTTP runbooks are never run here
    # The heartbeat schedule is an hour away, so only the start hook can make this worker seen now.
    world.shell(
        "import datetime as dt; from django.utils import timezone; from django_q.models import Schedule; "
        "print(Schedule.objects.filter(name='remediation.worker_heartbeat')"
        ".update(next_run=timezone.now() + dt.timedelta(hours=1)))"
    )
    assert _count_heartbeats(world.db) == 0
    with running([sys.executable, "manage.py", "qcluster"], world.env, tmp_path / "qcluster.log"):
        wait_for(lambda: _count_heartbeats(world.db) == 1, 60, "the starting worker's heartbeat")
    seen = world.shell("from remediation.services.heartbeat import liveness; print(liveness()['workers_seen'])")
    assert seen == "1"
