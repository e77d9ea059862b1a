"""The runner on a REAL django-q2 qcluster subprocess (own SQLite file, ORM broker), against a real HTTP server.

Proves: a task delivered twice runs once; cancel takes effect within seconds mid-request; a worker killed mid-run
is turned into `error` by the lease reaper (never left `running`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.processes import running
from tests.runbooks.world import World, wait_for


@pytest.fixture
def world(tmp_path: Path, http_server) -> World:  # type: ignore[no-untyped-def]
    return World(tmp_path, http_server.port)


def test_it_runs_a_duplicate_delivery_once_and_cancels_within_seconds(world: World, http_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with running([sys.executable, "manage.py", "qcluster"], world.env, tmp_path / "qcluster.log"):
        quick = world.request("quick")
        world.shell(f"from django_q.tasks import async_task; async_task('runbooks.tasks.run_execution', {quick})")
        wait_for(lambda: world.row(quick)[0] == "succeeded", 60, "the quick execution to succeed")
        # Both deliveries were processed: one ran it, the other was refused by the claim.
        wait_for(lambda: world.task_results(quick) == ["not claimed", "succeeded"], 60, "both deliveries' outcomes")
        assert world.step_runs(quick) == 1 and http_server.count("/status/200") == 1

        slow = world.request("slow")
        wait_for(lambda: http_server.count("/slow") == 1, 60, "the slow request to reach the server")
        world.shell(
            "from runbooks.models import Execution; from runbooks.services.execute import cancel_execution; "
            "from remediation.actors import Actor; "
            f"cancel_execution(Execution.objects.get(pk={slow}), actor=Actor.of('test'))"
        )
        wait_for(lambda: world.row(slow)[0] == "cancelled", 15, "the cancel to take effect")


def test_it_reaps_an_execution_whose_worker_was_killed(world: World, http_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with running([sys.executable, "manage.py", "qcluster"], world.env, tmp_path / "qcluster.log") as cluster:
        slow = world.request("slow")
        wait_for(lambda: http_server.count("/slow") == 1, 60, "the slow request to reach the server")
        assert world.row(slow)[0] == "running"
        os.killpg(cluster.pid, signal.SIGKILL)  # the worker dies mid-run: no chance to clean up
        cluster.wait(10)
    time.sleep(3.5)  # the 3 s lease runs out without a heartbeat
    assert world.shell("from runbooks.tasks import reap_expired_leases; print(reap_expired_leases())").strip() == "1"
    status, reason = world.row(slow)
    assert status == "error" and "stopped renewing its lease" in reason


def test_it_cancels_an_ssh_sleep_on_a_real_worker_and_the_remote_process_ends(  # type: ignore[no-untyped-def]
    world: World, sshd, authorized_keys, tmp_path
) -> None:
    key = authorized_keys["ed25519_openssh"]
    server = world.add_ssh_server(sshd.host, sshd.port, sshd.username, key.private_text, sshd.known_hosts_line())
    marker = f"58.{uuid.uuid4().int % 10**6}"
    world.add_runbook("sleepy", f"sleep {marker}")
    with running([sys.executable, "manage.py", "qcluster"], world.env, tmp_path / "qcluster.log"):
        execution = world.request("sleepy", [server])
        wait_for(lambda: _remote(f"sleep {marker}"), 60, "the remote sleep to start")
        world.shell(
            "from runbooks.models import Execution; from runbooks.services.execute import cancel_execution; "
            "from remediation.actors import Actor; "
            f"cancel_execution(Execution.objects.get(pk={execution}), actor=Actor.of('test'))"
        )
        wait_for(lambda: world.row(execution)[0] == "cancelled", 15, "the cancel to take effect")
        wait_for(lambda: not _remote(f"sleep {marker}"), 10, "the remote sleep to be gone")


def _remote(marker: str) -> bool:
    found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())
