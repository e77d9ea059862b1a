"""Runbook and execution API: permissions, nested steps, validation, plan, execute, cancel, YAML."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remediation.actors import Actor
from remediation.models import AuditEvent
from runbooks.choices import ExecutionStatus
from runbooks.models import Execution, Runbook
from runbooks.services.definitions import save_runbook
from tests.factories import StepRunFactory
from tests.factories.runbooks import execution_of

pytestmark = pytest.mark.django_db

DEFINITION = {
    "name": "ping",
    "parameters": [{"name": "path", "default": "status/200", "pattern": "[a-z0-9/]+"}],
    "steps": [{"name": "call", "kind": "http", "url": "http://127.0.0.1:9/{{ params.path|raw }}"}],
}


def _pointing_at(server):  # type: ignore[no-untyped-def]
    return {**DEFINITION, "steps": [{"name": "c", "kind": "http", "url": server.base + "/{{ params.path|raw }}"}]}


def test_it_lets_authors_create_and_update_runbooks_with_nested_steps(api_as, admin_user) -> None:  # type: ignore[no-untyped-def]
    response = api_as(admin_user).post("/api/v1/runbooks/", DEFINITION, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version"] == 1 and body["steps"][0]["name"] == "call"
    response = api_as(admin_user).patch(f"/api/v1/runbooks/{body['id']}/", {"description": "d"}, format="json")
    assert response.json()["version"] == 2 and response.json()["steps"][0]["name"] == "call"


def test_it_returns_field_errors_for_invalid_definitions(api_as, admin_user) -> None:  # type: ignore[no-untyped-def]
    bad = {**DEFINITION, "steps": [{"name": "x", "kind": "ssh", "command": "{{ oops"}]}
    response = api_as(admin_user).post("/api/v1/runbooks/", bad, format="json")
    assert response.status_code == 400
    assert "steps[0]" in response.json()["errors"]
    assert not Runbook.objects.exists()


@pytest.mark.parametrize("who", ["operator", "viewer", "stranger"])
def test_it_refuses_runbook_writes_without_the_author_permission(api_as, request, who) -> None:  # type: ignore[no-untyped-def]
    response = api_as(request.getfixturevalue(who)).post("/api/v1/runbooks/", DEFINITION, format="json")
    assert response.status_code == 403


def test_it_refuses_anonymous_access(api) -> None:  # type: ignore[no-untyped-def]
    assert api.get("/api/v1/runbooks/").status_code == 401
    assert api.get("/api/v1/executions/").status_code == 401


def test_it_plans_without_contacting_anything(api_as, viewer, admin_user, http_server) -> None:  # type: ignore[no-untyped-def]
    runbook = save_runbook(_pointing_at(http_server), actor=Actor.of(admin_user))
    response = api_as(viewer).post(f"/api/v1/runbooks/{runbook.pk}/plan/", {"params": {"path": "BAD"}}, format="json")
    assert response.status_code == 200
    assert response.json()["ok"] is False and response.json()["raw_steps"] == ["c"]
    assert http_server.count() == 0


def test_it_executes_queues_and_refuses_blocked_plans(
    api_as, operator, admin_user, http_server, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    runbook = save_runbook(_pointing_at(http_server), actor=Actor.of(admin_user))
    client = api_as(operator)
    refused = client.post(f"/api/v1/runbooks/{runbook.pk}/execute/", {"params": {"path": "NO"}}, format="json")
    assert refused.status_code == 400 and refused.json()["plan"]["problems"]
    assert not Execution.objects.exists()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/api/v1/runbooks/{runbook.pk}/execute/", {"params": {}}, format="json")
    assert response.status_code == 201
    execution = Execution.objects.get()
    assert (execution.status, execution.trigger, execution.version.number) == ("pending", "api", 1)
    assert len(callbacks) == 1  # the enqueue, after commit
    assert AuditEvent.objects.filter(action="execution.requested", object_id=str(execution.pk)).exists()
    assert api_as(admin_user).get(f"/api/v1/runbooks/{runbook.pk}/").status_code == 200
    assert http_server.count() == 0


def test_it_refuses_execute_without_the_permission(api_as, viewer, admin_user) -> None:  # type: ignore[no-untyped-def]
    runbook = save_runbook(DEFINITION, actor=Actor.of(admin_user))
    assert api_as(viewer).post(f"/api/v1/runbooks/{runbook.pk}/execute/", {}, format="json").status_code == 403


def test_it_lists_executions_within_a_query_budget(api_as, viewer) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        StepRunFactory(execution=execution_of({"steps": []}))
    with CaptureQueriesContext(connection) as queries:
        response = api_as(viewer).get("/api/v1/executions/")
    assert response.status_code == 200 and len(response.json()["results"]) == 5
    assert len(queries) <= 6
    detail = api_as(viewer).get(f"/api/v1/executions/{Execution.objects.first().pk}/").json()
    assert len(detail["step_runs"]) == 1


def test_it_cancels_pending_executions_and_refuses_finished_ones(api_as, admin_user, operator) -> None:  # type: ignore[no-untyped-def]
    execution = execution_of({"steps": []})
    assert api_as(operator).post(f"/api/v1/executions/{execution.pk}/cancel/").status_code == 403
    response = api_as(admin_user).post(f"/api/v1/executions/{execution.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == ExecutionStatus.CANCELLED
    assert api_as(admin_user).post(f"/api/v1/executions/{execution.pk}/cancel/").status_code == 409
    running = execution_of({"steps": []}, status=ExecutionStatus.RUNNING)
    response = api_as(admin_user).post(f"/api/v1/executions/{running.pk}/cancel/")
    assert response.json()["status"] == "running" and response.json()["cancel_requested"] is True


def test_it_exports_and_imports_yaml_through_the_api(api_as, admin_user) -> None:  # type: ignore[no-untyped-def]
    runbook = save_runbook(DEFINITION, actor=Actor.of(admin_user))
    exported = api_as(admin_user).get(f"/api/v1/runbooks/{runbook.pk}/export/")
    assert exported.status_code == 200 and b"format: remediation-engine/runbooks@1" in exported.content
    text = exported.content.decode().replace("name: ping", "name: ping-copy")
    response = api_as(admin_user).post("/api/v1/runbooks/import/", text, content_type="application/yaml")
    assert response.status_code == 200, response.json()
    assert Runbook.objects.get(name="ping-copy").steps.count() == 1
    bad = api_as(admin_user).post("/api/v1/runbooks/import/", "runbooks: [", content_type="application/yaml")
    assert bad.status_code == 400


def test_it_refuses_an_unsafe_placement_with_the_safe_form_and_stores_nothing(api_as, admin_user) -> None:  # type: ignore[no-untyped-def]
    steps = [
        {"name": "s", "command": "su - app -c 'restart {{ alert.labels.service }}'"},
        {"name": "h", "kind": "http", "url": "http://{{ alert.labels.instance }}/"},
    ]
    unsafe = {"name": "x", "steps": steps}
    response = api_as(admin_user).post("/api/v1/runbooks/", unsafe, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "would be read as code by `su`" in errors["steps[0]"][0] and "Safe form:" in errors["steps[0]"][0]
    assert "may not choose the URL's host" in errors["steps[1]"][0]
    assert not Runbook.objects.exists()


def test_it_plans_with_every_value_marked_and_listed(api_as, viewer, admin_user, http_server) -> None:  # type: ignore[no-untyped-def]
    runbook = save_runbook(
        {
            "name": "p",
            "steps": [
                {
                    "name": "call",
                    "kind": "http",
                    "method": "POST",
                    "url": http_server.base + "/x/{{ alert.labels.svc }}",
                    "body": '{"note": "restart {{ alert.labels.svc }}", "body": {{ alert.annotations.body }}}',
                }
            ],
        },
        actor=Actor.of(admin_user),
    )
    alert = {"labels": {"svc": "a b"}, "annotations": {"body": '"}'}}
    plan = api_as(viewer).post(f"/api/v1/runbooks/{runbook.pk}/plan/", {"alert": alert}, format="json").json()
    run = plan["steps"][0]["runs"][0]
    assert plan["ok"], plan["problems"]
    assert run["rendered"] == f'POST {http_server.base}/x/a%20b\n{{"note": "restart a b", "body": "\\"}}"}}'
    marked = [(text, label) for text, label in run["segments"] if label]
    assert marked == [
        ("a%20b", "{{ alert.labels.svc }} from alert, URL path"),
        ("a b", "{{ alert.labels.svc }} from alert, inside a JSON string"),
        ('"\\"}"', "{{ alert.annotations.body }} from alert, JSON value"),
    ]
    assert "".join(text for text, _ in run["segments"]) == run["rendered"]
    assert [(s["expression"], s["source"], s["value"]) for s in run["substitutions"]] == [
        ("alert.labels.svc", "alert", "a b"),
        ("alert.labels.svc", "alert", "a b"),
        ("alert.annotations.body", "alert", '"}'),
    ]


def test_it_reports_an_undefined_variable_in_a_body_as_a_plan_problem(api_as, viewer, admin_user) -> None:  # type: ignore[no-untyped-def]
    runbook = save_runbook(
        {
            "name": "u",
            "steps": [{"name": "c", "kind": "http", "url": "http://127.0.0.1:9/", "body": '{"a": {{ params.nope }}}'}],
        },
        actor=Actor.of(admin_user),
    )
    response = api_as(viewer).post(f"/api/v1/runbooks/{runbook.pk}/plan/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["ok"] is False and "undefined variable" in " ".join(response.json()["problems"])
