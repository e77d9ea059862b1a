"""Portal pages: runbook list/detail with the plan, execute, execution list and live view, cancel."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from remediation.actors import Actor
from runbooks.models import Execution
from runbooks.services.definitions import save_runbook
from tests.factories import StepRunFactory
from tests.factories.runbooks import execution_of

pytestmark = pytest.mark.django_db


def _client(user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_it_lists_runbooks_and_shows_the_plan(viewer, admin_user, http_server) -> None:  # type: ignore[no-untyped-def]
    runbook = save_runbook(
        {
            "name": "web",
            "parameters": [{"name": "p", "default": "a b"}],
            "steps": [{"name": "call", "kind": "http", "url": http_server.base + "/x/{{ params.p }}"}],
        },
        actor=Actor.of(admin_user),
    )
    client = _client(viewer)
    assert "web" in client.get(reverse("runbooks:list")).content.decode()
    page = client.get(reverse("runbooks:detail", args=[runbook.pk]), {"params": "p=c&d"}).content.decode()
    assert '/x/<mark title="{{ params.p }} from params, URL path">c%26d</mark>' in page and "No problems" in page
    assert "Run with these parameters" not in page  # viewers cannot execute
    assert http_server.count() == 0


def test_it_executes_from_the_portal_and_shows_the_live_view(operator, admin_user, http_server) -> None:  # type: ignore[no-untyped-def]
    runbook = save_runbook(
        {"name": "web", "steps": [{"name": "call", "kind": "http", "url": http_server.base + "/x"}]},
        actor=Actor.of(admin_user),
    )
    response = _client(operator).post(reverse("runbooks:execute", args=[runbook.pk]), {"params": "", "dry_run": "1"})
    execution = Execution.objects.get()
    assert response.status_code == 302 and response.url == reverse("runbooks:execution", args=[execution.pk])
    assert execution.dry_run and execution.trigger == "manual"


def test_it_renders_the_execution_view_from_a_snapshot(viewer) -> None:  # type: ignore[no-untyped-def]
    run = StepRunFactory(execution=execution_of({"steps": []}, status="running"), stdout="<b>hello</b>\n")
    page = _client(viewer).get(reverse("runbooks:execution", args=[run.execution_id])).content.decode()
    assert '"stdout": "\\u003Cb\\u003Ehello\\u003C/b\\u003E\\n"' in page  # escaped JSON, not HTML
    assert "js/execution.js" in page and "Cancel" not in page
    assert str(run.execution_id) in _client(viewer).get(reverse("runbooks:executions")).content.decode()


def test_it_cancels_from_the_portal_with_permission_only(admin_user, operator) -> None:  # type: ignore[no-untyped-def]
    execution = execution_of({"steps": []})
    assert _client(operator).post(reverse("runbooks:cancel", args=[execution.pk])).status_code == 403
    _client(admin_user).post(reverse("runbooks:cancel", args=[execution.pk]))
    execution.refresh_from_db()
    assert execution.status == "cancelled"


def test_it_refuses_stranger(stranger) -> None:  # type: ignore[no-untyped-def]
    assert _client(stranger).get(reverse("runbooks:list")).status_code == 403
    assert _client(stranger).get(reverse("runbooks:executions")).status_code == 403


def test_it_opens_a_runbook_whose_body_uses_an_undefined_variable(viewer, admin_user) -> None:  # type: ignore[no-untyped-def]
    runbook = save_runbook(
        {
            "name": "u",
            "steps": [{"name": "c", "kind": "http", "url": "http://127.0.0.1:9/", "body": '{"a": {{ nope }}}'}],
        },
        actor=Actor.of(admin_user),
    )
    response = _client(viewer).get(reverse("runbooks:detail", args=[runbook.pk]))
    assert response.status_code == 200 and "undefined variable" in response.content.decode()
