"""Schedules on a REAL django-q2 qcluster subprocess (own SQLite file, ORM broker) against the real sshd.

Proves: a due schedule is fired by django-q2's own scheduler and runs its runbook over SSH with trigger `schedule`;
a schedule whose time passed while no worker was up is recorded `missed`, not run; both are re-armed; the worker
heartbeat housekeeping job (upserted at migrate) writes its row.
"""

from __future__ import annotations

import sqlite3
import sys
import uuid
from pathlib import Path

from tests.processes import running
from tests.runbooks.world import World, wait_for

ARMED = "SELECT count(*) FROM django_q_schedule WHERE name LIKE 'runbook-schedule:%' AND next_run > datetime('now')"
CREATE = """
import datetime as dt
from django.utils import timezone
from runbooks.models import Runbook
from runbooks.services.schedules import create_schedule, sync_q2
from remediation.actors import Actor
schedule = create_schedule(actor=Actor.of("test"), name={name!r}, runbook=Runbook.objects.get(name="scheduled"),
                           target_ids={targets!r}, **{timing!r})
# Bring the next run forward to now (shifted by `ago` seconds) instead of waiting for the interval.
schedule.next_run_at = timezone.now() - dt.timedelta(seconds={ago})
schedule.save()
sync_q2(schedule)
print(schedule.pk)
"""


def _query(world: World, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(world.db, timeout=10) as conn:
        return conn.execute(sql, args).fetchall()


def test_it_fires_a_schedule_on_a_real_cluster_over_ssh_and_records_a_missed_one(  # type: ignore[no-untyped-def]
    tmp_path: Path, http_server, sshd, authorized_keys
) -> None:
    world = World(tmp_path, http_server.port)
    key = authorized_keys["ed25519_openssh"]
    server = world.add_ssh_server(sshd.host, sshd.port, sshd.username, key.private_text, sshd.known_hosts_line())
    marker = f"scheduled-{uuid.uuid4().hex[:8]}"
    world.add_runbook("scheduled", f"echo {marker}")
    due = int(
        world.shell(
            CREATE.format(name="due", targets=[server], ago=1, timing={"kind": "interval", "interval_minutes": 60})
        )
    )
    missed = int(world.shell(CREATE.format(name="missed", targets=[server], ago=3600, timing={"cron": "0 0 1 1 *"})))

    with running([sys.executable, "manage.py", "qcluster"], world.env, tmp_path / "qcluster.log"):
        sql = "SELECT e.status, e.trigger, r.status FROM runbooks_schedulerun r JOIN runbooks_execution e "
        sql += "ON e.id = r.execution_id WHERE r.schedule_id = ?"
        row = wait_for(lambda: [r for r in _query(world, sql, due) if r[0] == "succeeded"], 120, "the scheduled run")
        wait_for(lambda: _query(world, "SELECT 1 FROM runbooks_schedulerun WHERE schedule_id=?", missed), 30, "miss")
        wait_for(lambda: _query(world, "SELECT 1 FROM remediation_workerheartbeat"), 30, "a worker heartbeat")
        # The scheduler and the fired task each write the django-q2 row; wait until both are done before stopping.
        wait_for(lambda: _query(world, ARMED)[0][0] == 2, 30, "both schedules re-armed in the future")

    assert row == [("succeeded", "schedule", "started")]
    output = _query(
        world,
        "SELECT s.stdout FROM runbooks_steprun s JOIN runbooks_schedulerun r "
        "ON r.execution_id = s.execution_id WHERE r.schedule_id = ?",
        due,
    )
    assert marker in output[0][0]
    assert _query(world, "SELECT status FROM runbooks_schedulerun WHERE schedule_id=?", missed) == [("missed",)]
    assert _query(world, "SELECT count(*) FROM runbooks_execution") == [(1,)]  # the missed run was not replayed
    armed = _query(
        world,
        "SELECT name, repeats, next_run > datetime('now') FROM django_q_schedule "
        "WHERE name LIKE 'runbook-schedule:%' ORDER BY name",
    )
    assert armed == [(f"runbook-schedule:{due}", 1, 1), (f"runbook-schedule:{missed}", 1, 1)]
