"""The `http` executor against a real HTTP server on loopback (requests counted at the server)."""

from __future__ import annotations

import json
import threading
import time

import pytest

from remediation.actors import Actor
from runbooks.choices import ExecutionStatus
from runbooks.models import Execution
from runbooks.services.runner import run_execution
from tests.factories.runbooks import execution_of, run_and_close, step
from tests.processes import free_port

pytestmark = pytest.mark.django_db


def _run(steps, **fields):  # type: ignore[no-untyped-def]
    execution = execution_of({"steps": steps, **fields.pop("definition", {})}, **fields)
    run_execution(execution.pk)
    execution.refresh_from_db()
    return execution


def test_it_sends_the_rendered_request_and_checks_the_status(http_server) -> None:  # type: ignore[no-untyped-def]
    call = step(
        "call",
        kind="http",
        method="POST",
        url=http_server.base + "/status/201?who={{ alert.labels.who }}",
        body='{"who": {{ alert.labels.who }}}',
        headers={"X-Api-Token": "tok-{{ params.t }}"},
        expected_statuses=[201],
    )
    execution = _run(
        [call],
        definition={"parameters": [{"name": "t", "default": "abcdef123456"}]},
        alert={"labels": {"who": "x'\"; $(id)&y"}},
    )
    assert execution.status == ExecutionStatus.SUCCEEDED, execution.status_reason
    request = http_server.requests[0]
    assert request["path"] == "/status/201?who=x%27%22%3B%20%24%28id%29%26y"
    assert json.loads(request["body"]) == {"who": "x'\"; $(id)&y"}
    assert request["headers"]["X-Api-Token"] == "tok-abcdef123456"
    row = execution.step_runs.get()
    assert row.http_status == 201 and "abcdef123456" not in row.rendered + row.stdout


def test_it_fails_on_an_unexpected_status_and_retries_only_when_allowed(http_server) -> None:  # type: ignore[no-untyped-def]
    execution = _run([step("a", kind="http", url=http_server.base + "/status/503", retries=2, retry_backoff_seconds=0)])
    assert execution.status == ExecutionStatus.FAILED
    assert [(r.attempt, r.http_status, r.error_kind) for r in execution.step_runs.all()] == [(1, 503, "http_status")]
    flaky = step(
        "b",
        kind="http",
        url=http_server.base + "/flaky/2",
        retries=3,
        retry_on_failure=True,
        retry_backoff_seconds=0.01,
    )
    execution = _run([flaky])
    assert execution.status == ExecutionStatus.SUCCEEDED
    assert [r.http_status for r in execution.step_runs.all()] == [500, 500, 200]
    assert http_server.count("/flaky/2") == 3


def test_it_always_retries_transport_errors(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RUNBOOK_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    closed = free_port()
    execution = _run([step("a", kind="http", url=f"http://127.0.0.1:{closed}/", retries=1, retry_backoff_seconds=0)])
    assert [(r.attempt, r.error_kind) for r in execution.step_runs.all()] == [(1, "transport"), (2, "transport")]


def test_it_never_follows_redirects(http_server) -> None:  # type: ignore[no-untyped-def]
    execution = _run([step("a", kind="http", url=http_server.base + "/redirect")])
    assert execution.step_runs.get().http_status == 302
    assert http_server.count("/status") == 0


def test_it_refuses_unlisted_and_metadata_hosts_without_sending(http_server, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RUNBOOK_HTTP_ALLOWED_HOSTS = ["127.0.0.1", "169.254.169.254", "localhost"]
    execution = _run([step("a", kind="http", url="http://169.254.169.254/latest/meta-data/")])
    assert execution.step_runs.get().error_kind == "template"
    assert "link-local" in execution.step_runs.get().error
    execution = _run([step("b", kind="http", url=f"http://127.0.0.2:{http_server.port}/status/200")])
    assert "RUNBOOK_HTTP_ALLOWED_HOSTS" in execution.step_runs.get().error
    assert http_server.count() == 0


def test_it_sends_nothing_in_a_dry_run_yet_reports_problems(http_server) -> None:  # type: ignore[no-untyped-def]
    steps = [
        step("a", kind="http", url=http_server.base + "/status/200"),
        step("b", kind="http", url=http_server.base + "/{{ params.missing }}", on_failure="continue"),
    ]
    execution = _run(steps, dry_run=True)
    rows = list(execution.step_runs.all())
    assert [r.status for r in rows] == ["dry_run", "failed"]
    assert "would run: GET " + http_server.base + "/status/200" in rows[0].stdout
    assert "undefined variable" in rows[1].error
    assert http_server.count() == 0


@pytest.mark.django_db(transaction=True)
def test_it_cancels_a_request_in_flight_within_seconds(http_server) -> None:  # type: ignore[no-untyped-def]
    execution = execution_of({"steps": [step("a", kind="http", url=http_server.base + "/slow/20", timeout_seconds=60)]})
    worker = threading.Thread(target=run_and_close, args=(execution.pk,))
    worker.start()
    deadline = time.monotonic() + 10
    while http_server.count("/slow") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    Execution.objects.filter(pk=execution.pk).update(cancel_requested=True)
    worker.join(timeout=10)
    assert not worker.is_alive()
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.CANCELLED
    assert execution.step_runs.get().status == "cancelled"


@pytest.mark.parametrize(
    ("kind", "fields", "expected"),
    [
        ("api_token", {"token": "tok-0123456789abcdef"}, "Bearer tok-0123456789abcdef"),
        ("basic_auth", {"username": "svc", "password": "pw-0123456789"}, "Basic c3ZjOnB3LTAxMjM0NTY3ODk="),
    ],
)
def test_it_sends_the_step_credential_and_never_shows_it(http_server, admin_user, kind, fields, expected) -> None:  # type: ignore[no-untyped-def]
    from remediation.models import AuditEvent, Credential
    from runbooks.services.definitions import save_runbook
    from runbooks.services.execute import request_execution

    Credential.objects.create(name="api", kind=kind, allowed_origins=[http_server.base], **fields)
    runbook = save_runbook(
        {
            "name": "authd",
            "steps": [
                {"name": "a", "kind": "http", "url": http_server.base + "/headers", "credential": "api"},
                {"name": "b", "kind": "http", "url": http_server.base + "/headers", "credential": "api"},
            ],
        },
        actor=Actor.of(admin_user),
    )
    execution = request_execution(runbook, actor=Actor.of(admin_user))
    run_execution(execution.pk)
    execution.refresh_from_db()
    assert [r["headers"]["Authorization"] for r in http_server.requests] == [expected, expected]
    secret = expected.split(" ", 1)[1]
    stored = " ".join(r.rendered + r.stdout + r.error for r in execution.step_runs.all()) + str(execution.plan)
    assert secret not in stored and "credential 'api'" in stored and "********" in stored
    assert AuditEvent.objects.filter(action="credential.used").count() == 1  # once per execution


def test_it_refuses_a_credential_that_is_not_an_http_one(admin_user) -> None:  # type: ignore[no-untyped-def]
    from remediation.models import Credential
    from runbooks.services.definitions import DefinitionError, save_runbook

    Credential.objects.create(name="ssh", kind="ssh_password", password="pw-123456789")
    step = {"name": "a", "kind": "http", "url": "http://127.0.0.1/", "credential": "ssh"}
    with pytest.raises(DefinitionError) as caught:
        save_runbook({"name": "x", "steps": [step]}, actor=Actor.of(admin_user))
    assert "steps[0].credential" in caught.value.errors
