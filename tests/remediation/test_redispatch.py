"""Nothing acknowledged is lost to a broker outage or a dying worker: enqueue after commit never raises, the
sweepers send rows left pending again, and a remediate request is claimed in the same transaction as its work."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from django.utils import timezone

from alerts.models import ActionRequest
from alerts.services import actions
from remediation import hooks, metrics
from remediation.actors import Actor
from remediation.choices import ActionRequestStatus
from runbooks.choices import ExecutionStatus
from runbooks.models import Execution
from runbooks.services.definitions import save_runbook
from runbooks.services.execute import redispatch_pending
from tests.factories import ActionRequestFactory, ExecutionFactory, RuleFactory, RuleMatcherFactory

pytestmark = pytest.mark.django_db
OLD = timezone.now() - dt.timedelta(hours=1)


class BrokerDown(ConnectionError):
    pass


@pytest.fixture
def broken_broker(monkeypatch):  # type: ignore[no-untyped-def]
    """The broker refuses every message (as Redis does while it is stopped); counts the attempts."""
    attempts: list[tuple[Any, ...]] = []

    def refuse(func: str, *args: Any, **kwargs: Any) -> None:
        attempts.append((func, *args))
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("django_q.tasks.async_task", refuse)
    return attempts


def _failures(task: str) -> float:
    return metrics.ENQUEUE_FAILURES.labels(task=task)._value.get()


def test_it_answers_202_and_keeps_requests_pending_when_the_broker_fails_after_commit(
    post_hook, broken_broker, django_capture_on_commit_callbacks, caplog
) -> None:  # type: ignore[no-untyped-def]
    RuleMatcherFactory(rule=RuleFactory(action="analyze"), value="DiskFull")
    before = _failures(actions.DISPATCH_TASK)
    labels = {"alertname": "DiskFull", "instance": "a"}
    alert = {"status": "firing", "labels": labels, "startsAt": "2026-11-01T00:00:00Z"}
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        response = post_hook({"version": "4", "status": "firing", "alerts": [alert]})
    assert response.status_code == 202, response.content
    request = ActionRequest.objects.get()
    assert request.status == ActionRequestStatus.PENDING
    assert broken_broker == [(actions.DISPATCH_TASK, request.pk)]
    assert _failures(actions.DISPATCH_TASK) == before + 1
    assert "stays pending and is sent again by the sweeper" in caplog.text


def test_it_stops_at_the_first_refusal_of_a_batch(broken_broker, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    first, second = ActionRequestFactory(), ActionRequestFactory()
    with django_capture_on_commit_callbacks(execute=True):
        actions.enqueue_action_requests(first.pk, second.pk)
    assert broken_broker == [(actions.DISPATCH_TASK, first.pk)]  # one refused round trip, not one per row


def test_it_resends_only_requests_pending_past_the_deadline(task_queue, settings) -> None:  # type: ignore[no-untyped-def]
    settings.REDISPATCH_AFTER_SECONDS = 60
    stale = ActionRequestFactory(kind="remediate")
    fresh = ActionRequestFactory(kind="remediate")
    done = ActionRequestFactory(kind="remediate", status=ActionRequestStatus.DONE)
    dispatched = ActionRequestFactory(kind="analyze", status=ActionRequestStatus.DISPATCHED)
    ActionRequest.objects.filter(pk__in=[stale.pk, done.pk, dispatched.pk]).update(created_at=OLD)
    assert actions.redispatch_stale_action_requests() == 1
    assert [t["args"] for t in task_queue()] == [(stale.pk,)]
    assert fresh.pk not in [t["args"][0] for t in task_queue()]


def test_it_resends_executions_left_pending_and_a_duplicate_claims_nothing(task_queue, settings) -> None:  # type: ignore[no-untyped-def]
    settings.REDISPATCH_AFTER_SECONDS = 60
    lost = ExecutionFactory(status=ExecutionStatus.PENDING)
    ExecutionFactory(status=ExecutionStatus.PENDING)  # fresh: its message may still be on its way
    held = ExecutionFactory(status=ExecutionStatus.AWAITING_APPROVAL)
    Execution.objects.filter(pk__in=[lost.pk, held.pk]).update(created_at=OLD)
    assert redispatch_pending() == 1
    assert [(t["func"], t["args"]) for t in task_queue()] == [("runbooks.tasks.run_execution", (lost.pk,))]
    assert Execution.objects.claim(lost.pk, "w1", 60) and not Execution.objects.claim(lost.pk, "w2", 60)


def test_it_keeps_an_api_execution_and_resends_it_after_a_broker_outage(
    api_as, operator, admin_user, broken_broker, django_capture_on_commit_callbacks, task_queue, monkeypatch, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.RUNBOOK_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    runbook = save_runbook(
        {"name": "n", "steps": [{"name": "s", "kind": "http", "url": "http://127.0.0.1:9/"}]},
        actor=Actor.of(admin_user),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(operator).post(f"/api/v1/runbooks/{runbook.pk}/execute/", {}, format="json")
    assert response.status_code == 201, response.content
    execution = Execution.objects.get()
    assert execution.status == ExecutionStatus.PENDING
    assert broken_broker == [("runbooks.tasks.run_execution", execution.pk)]
    monkeypatch.undo()  # the broker is back
    settings.REDISPATCH_AFTER_SECONDS = 0
    assert redispatch_pending() == 1
    assert [t["args"] for t in task_queue()] == [(execution.pk,)]


def dies_mid_handler(action_request_id: int) -> None:
    ActionRequest.objects.filter(pk=action_request_id).update(note="half done")
    raise SystemExit("SIGKILL stand-in: the worker is gone before the transaction commits")


def test_it_leaves_an_atomic_request_pending_when_the_worker_dies_mid_handler(hook_registry) -> None:  # type: ignore[no-untyped-def]
    request = ActionRequestFactory(kind="remediate")
    hook_registry.unregister("handler", "remediate")
    hook_registry.register_handler("remediate", f"{__name__}.dies_mid_handler", atomic=True)
    with pytest.raises(SystemExit):
        actions.dispatch_action_request(request.pk)
    request.refresh_from_db()
    assert (request.status, request.note, request.dispatched_at) == (ActionRequestStatus.PENDING, "", None)


def test_it_registers_the_remediate_handler_as_atomic() -> None:
    assert hooks.handler("remediate") == hooks.Handler("alerts.services.remediate.handle_remediate", atomic=True)
