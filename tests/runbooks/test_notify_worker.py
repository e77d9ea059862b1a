"""Notifications through a REAL qcluster worker: a failed run queues its delivery after commit, and the worker sends
it to a real receiver on loopback, signed; a receiver failing twice gets exactly one successful delivery."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.processes import running
from tests.runbooks.world import World, wait_for


@pytest.fixture
def world(tmp_path: Path, http_server) -> World:  # type: ignore[no-untyped-def]
    return World(tmp_path, http_server.port)


def test_the_worker_delivers_a_failed_runs_notification(world: World, http_server, receiver, tmp_path) -> None:  # type: ignore[no-untyped-def]
    world.env["NOTIFY_RETRY_BASE_SECONDS"] = "0"  # retries due at once, queued by the sweeper call below
    world.shell(
        "from remediation.notifications.channels import create_channel; from runbooks.services.definitions import "
        "save_runbook; from remediation.actors import Actor; "
        f"create_channel(actor=Actor.of('test'), fields={{'name': 'hook', 'kind': 'webhook', 'url': {receiver.url!r}, "
        f"'is_default': True}}, secret={receiver.secret!r}); "
        f"save_runbook({{'name': 'broken', 'steps': [{{'name': 'call', 'kind': 'http', "
        f"'url': 'http://127.0.0.1:{http_server.port}/status/500'}}]}}, actor=Actor.of('test'))"
    )
    receiver.mode = "fail:2"
    with running([sys.executable, "manage.py", "qcluster"], world.env, tmp_path / "qcluster.log"):
        execution = world.request("broken")
        wait_for(lambda: world.row(execution)[0] == "failed", 60, "the run to fail")
        wait_for(lambda: len(receiver.received) == 1, 60, "the worker's first attempt to reach the receiver")
        for answered in (2, 3):  # the sweeper re-queues the due retry; the worker sends it
            world.shell("from remediation.tasks import send_due_notifications; send_due_notifications()")
            wait_for(lambda n=answered: len(receiver.received) == n, 60, f"attempt {answered}")
        status = (
            "from remediation.models import NotificationDelivery as D; d = D.objects.get(); print(d.status, d.attempts)"
        )
        wait_for(lambda: world.shell(status) == "sent 3", 30, "the delivery to be recorded sent")
    assert receiver.answers == [500, 500, 200]
    [body, *_] = receiver.verified()
    assert len(receiver.verified()) == 3 and body["event"] == "execution.failed"
    assert body["details"]["execution_id"] == execution and body["details"]["runbook"] == "broken"
