"""The run form: one input per declared parameter, targets chosen by server name, POST only, errors kept in the form;
the runbook page with templated steps and the AI analysis's "Request execution" link both open."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from remediation.actors import Actor
from runbooks.models import Execution
from runbooks.services.definitions import save_runbook
from tests.factories import AnalysisFactory, ServerFactory
from tests.factories.terminal import grant

pytestmark = pytest.mark.django_db

RESTART = {
    "name": "restart",
    "parameters": [
        {"name": "service", "required": True, "description": "the unit"},
        {"name": "signal", "default": "TERM"},
    ],
    "steps": [
        {"name": "restart", "kind": "ssh", "command": "systemctl kill -s {{ params.signal }} {{ params.service }}"}
    ],
}


def _client(user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def runbook(admin_user):  # type: ignore[no-untyped-def]
    return save_runbook(RESTART, actor=Actor.of(admin_user))


def test_it_offers_one_input_per_declared_parameter_and_servers_by_name(runbook, admin_user) -> None:  # type: ignore[no-untyped-def]
    ServerFactory(name="web-1", hostname="127.0.0.1")
    page = _client(admin_user).get(reverse("runbooks:detail", args=[runbook.pk])).content.decode()
    form = page[page.index('id="run-form"') : page.index("</form>", page.index('id="run-form"'))]
    assert 'method="post"' in page[page.index("<form", page.index("Plan and run")) :][:200]
    assert re.search(r'name="param.service"[^>]*required', form) and 'name="param.signal"' in form
    assert 'placeholder="default: TERM"' in form and "the unit" in form
    assert '<option value="web-1"' in form and "web-1 (127.0.0.1)" in form
    assert 'name="targets" placeholder' not in form  # no numeric-id box any more


def test_it_plans_by_post_with_a_20_kb_parameter_and_server_names(runbook, admin_user) -> None:  # type: ignore[no-untyped-def]
    ServerFactory(name="web-1", hostname="127.0.0.1")
    big = "x" * 20_000
    response = _client(admin_user).post(
        reverse("runbooks:detail", args=[runbook.pk]), {"param.service": big, "target": ["web-1"]}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "web-1" in page and big in page  # typed value kept, plan rendered
    assert "unknown target" not in page and "systemctl kill" in page


def test_it_refuses_a_parameters_line_without_equals(runbook, admin_user) -> None:  # type: ignore[no-untyped-def]
    client = _client(admin_user)
    url = reverse("runbooks:detail", args=[runbook.pk])
    page = client.post(url, {"param.service": "nginx", "params": "fine=1\njunk"}).content.decode()
    assert "Parameters line 2 (&#x27;junk&#x27;) is not name=value." in page
    assert "fine=1\njunk" in page  # the form keeps what was typed
    refused = client.post(reverse("runbooks:execute", args=[runbook.pk]), {"param.service": "x", "params": "junk"})
    assert refused.status_code == 400 and "is not name=value" in refused.content.decode()
    assert not Execution.objects.exists()


def test_it_runs_by_post_with_server_names_and_keeps_the_form_on_refusal(runbook, operator) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(name="web-1", hostname="127.0.0.1")
    grant(operator, server)
    client = _client(operator)
    url = reverse("runbooks:execute", args=[runbook.pk])
    refused = client.post(url, {"param.service": "", "target": ["web-1"]})
    page = refused.content.decode()
    assert refused.status_code == 400 and "service" in page and '<option value="web-1" selected' in page
    assert client.get(url).status_code == 405  # never by GET
    started = client.post(url, {"param.service": "nginx", "targets": "web-1", "dry_run": "1"})
    execution = Execution.objects.get()
    assert started.status_code == 302 and started.url == reverse("runbooks:execution", args=[execution.pk])
    assert execution.target_ids == [server.pk] and execution.params["service"] == "nginx"


def test_it_opens_a_runbook_whose_steps_use_params_target_and_alert(admin_user, viewer) -> None:  # type: ignore[no-untyped-def]
    templated = save_runbook(
        {
            "name": "templated",
            "parameters": [{"name": "svc", "required": True}],
            "steps": [
                {"name": "a", "kind": "ssh", "command": "echo {{ params.svc }} {{ target.name }}"},
                {"name": "b", "kind": "ssh", "command": "echo {{ alert.labels.instance }}"},
                {"name": "c", "kind": "http", "url": "http://127.0.0.1:9/{{ target.address }}"},
            ],
        },
        actor=Actor.of(admin_user),
    )
    server = ServerFactory(name="web-1")
    for query in ({}, {"target": "web-1"}, {"param.svc": "nginx", "targets": str(server.pk)}):
        assert _client(admin_user).get(reverse("runbooks:detail", args=[templated.pk]), query).status_code == 200
    assert _client(viewer).get(reverse("runbooks:detail", args=[templated.pk])).status_code == 200


def test_it_follows_the_ai_request_execution_link_to_a_filled_form(runbook, admin_user) -> None:  # type: ignore[no-untyped-def]
    analysis = AnalysisFactory(recommended_runbook="restart", recommended_params={"service": "a=b c", "other": "1"})
    client = _client(admin_user)
    alert_page = client.get(reverse("alerts:detail", args=[analysis.alert_id])).content.decode()
    link = html.unescape(re.search(r'href="([^"]+)">Request execution', alert_page).group(1))  # type: ignore[union-attr]
    response = client.get(link)
    page = response.content.decode()
    assert response.status_code == 200 and 'name="param.service" value="a=b c"' in page
    assert "other=1" in page  # an undeclared recommendation is shown, not dropped


def _offered(page: str, select_id: str) -> list[str]:
    """The option values of one <select> on a page."""
    start = page.index(f'id="{select_id}"')
    return re.findall(r'<option value="([^"]+)"', page[start : page.index("</select>", start)])


def test_it_offers_only_the_servers_the_user_may_run_on(runbook, operator, role_admin) -> None:  # type: ignore[no-untyped-def]
    web = ServerFactory(name="web-1", hostname="127.0.0.1")
    ServerFactory(name="cache-1", hostname="127.0.0.2", tags=["cache"])
    ServerFactory(name="db-1", hostname="127.0.0.3")
    ServerFactory(name="old-1", hostname="127.0.0.4", enabled=False, tags=["cache"])
    grant(operator, web, tag="cache")
    url = reverse("runbooks:detail", args=[runbook.pk])
    page = _client(operator).get(url).content.decode()
    assert _offered(page, "target-select") == ["cache-1", "web-1"]  # by server and by tag; never db-1 nor disabled
    assert 'value="db-1"' not in page  # nor in the name search's suggestions
    assert _offered(_client(role_admin).get(url).content.decode(), "target-select") == ["cache-1", "db-1", "web-1"]


def test_it_offers_a_viewer_the_servers_they_may_plan_on(runbook, viewer) -> None:  # type: ignore[no-untyped-def]
    ServerFactory(name="web-1", hostname="127.0.0.1")
    db = ServerFactory(name="db-1", hostname="127.0.0.3")
    url = reverse("runbooks:detail", args=[runbook.pk])
    assert _offered(_client(viewer).get(url).content.decode(), "target-select") == []
    grant(viewer, db)
    assert _offered(_client(viewer).get(url).content.decode(), "target-select") == ["db-1"]


def test_the_admin_plan_preview_offers_only_the_servers_the_user_may_plan_on(runbook, operator, role_admin) -> None:  # type: ignore[no-untyped-def]
    web = ServerFactory(name="web-1", hostname="127.0.0.1")
    ServerFactory(name="db-1", hostname="127.0.0.3")
    operator.is_staff = True
    operator.save()
    grant(operator, web)
    url = f"/admin/runbooks/runbook/{runbook.pk}/change/"
    page = _client(operator).get(url).content.decode()
    assert 'id="plan-preview"' in page and _offered(page, "preview-target") == ["web-1"]
    assert _offered(_client(role_admin).get(url).content.decode(), "preview-target") == ["db-1", "web-1"]
