"""Manual runs obey the kill switch and maintenance windows; overriding a window needs the permission and a reason."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from remediation.actors import Actor
from remediation.models import AuditEvent
from runbooks.models import Execution
from runbooks.services.execute import ExecutionRefused, request_execution
from runbooks.services.maintenance import set_kill_switch
from tests.factories.inventory import ServerFactory
from tests.factories.rules import MaintenanceWindowFactory
from tests.factories.terminal import grant
from tests.remediation.remediate import restart_runbook

pytestmark = pytest.mark.django_db
KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"


def test_it_refuses_manual_runs_while_the_kill_switch_is_engaged(admin_user) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(host_key=KEY)
    runbook = restart_runbook()
    set_kill_switch(True, reason="incident", actor=Actor.of(admin_user))
    with pytest.raises(ExecutionRefused, match="kill switch is engaged: incident"):
        request_execution(runbook, actor=Actor.of(admin_user), params={"service": "nginx"}, target_ids=[server.pk])
    assert request_execution(
        runbook, actor=Actor.of(admin_user), params={"service": "nginx"}, target_ids=[server.pk], dry_run=True
    ).dry_run


def test_it_needs_permission_and_reason_to_override_a_window(admin_user, operator) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(name="db-1", host_key=KEY)
    grant(operator, server, tag="web")
    runbook = restart_runbook()
    MaintenanceWindowFactory(name="db patching", matchers=[{"name": "instance", "op": "=~", "value": "db-.*"}])
    args = {"params": {"service": "nginx"}, "target_ids": [server.pk]}
    with pytest.raises(ExecutionRefused, match="'db patching' is open; overriding it needs the override"):
        request_execution(runbook, actor=Actor.of(operator), override_reason="urgent", **args)
    with pytest.raises(ExecutionRefused, match="needs a reason"):
        request_execution(runbook, actor=Actor.of(admin_user), **args)
    execution = request_execution(runbook, actor=Actor.of(admin_user), override_reason="the fix cannot wait", **args)
    assert execution.status == "pending"
    assert AuditEvent.objects.get(action="maintenance.overridden").reason == "the fix cannot wait"
    other = ServerFactory(name="web-1", host_key=KEY, tags=["web"])
    assert request_execution(runbook, actor=Actor.of(operator), params={"service": "nginx"}, target_ids=[other.pk]).pk


def test_it_keeps_the_audit_of_refused_api_requests(api_as, admin_user, operator) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(name="db-1", host_key=KEY)
    grant(operator, server)
    runbook = restart_runbook()
    url, body = f"/api/v1/runbooks/{runbook.pk}/execute/", {"params": {"service": "nginx"}, "targets": [server.pk]}
    set_kill_switch(True, reason="incident", actor=Actor.of(admin_user))
    refused = api_as(operator).post(url, body, format="json")
    assert refused.status_code == 400 and "kill switch is engaged" in refused.json()["detail"]
    event = AuditEvent.objects.get(action="execution.refused")
    assert event.actor == operator and event.object_id == str(runbook.pk) and "kill switch" in event.reason
    assert event.after == {"runbook": runbook.name, "trigger": "api", "targets": [server.pk]}
    set_kill_switch(False, reason="over", actor=Actor.of(admin_user))
    MaintenanceWindowFactory(name="db patching", matchers=[{"name": "instance", "op": "=~", "value": "db-.*"}])
    assert api_as(operator).post(url, body, format="json").status_code == 400
    assert "'db patching' is open" in AuditEvent.objects.filter(action="execution.refused").latest("id").reason
    blocked = restart_runbook(command="rm -rf /", name="wipe")
    response = api_as(operator).post(f"/api/v1/runbooks/{blocked.pk}/execute/", {}, format="json")
    assert response.status_code == 400 and response.json()["plan"]["problems"]
    event = AuditEvent.objects.filter(action="execution.refused").latest("id")
    assert event.object_id == str(blocked.pk) and event.after["problems"] == response.json()["plan"]["problems"]
    assert AuditEvent.objects.filter(action="execution.refused").count() == 3 and not Execution.objects.exists()


def _with_override_permission(user):  # type: ignore[no-untyped-def]
    """The same user, holding remediation.override_maintenance directly (a fresh instance: permissions are cached)."""
    user.user_permissions.add(Permission.objects.get(codename="override_maintenance"))
    return type(user).objects.get(pk=user.pk)


def test_it_overrides_a_window_from_the_portal_form_with_the_permission_only(operator) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(name="db-1", host_key=KEY)
    grant(operator, server)
    runbook = restart_runbook()
    MaintenanceWindowFactory(name="db patching", matchers=[{"name": "instance", "op": "=~", "value": "db-.*"}])
    detail, url = reverse("runbooks:detail", args=[runbook.pk]), reverse("runbooks:execute", args=[runbook.pk])
    form = {"params": "service=nginx", "targets": str(server.pk), "override_reason": "the fix cannot wait"}
    client = Client()
    client.force_login(operator)
    assert 'name="override_reason"' not in client.get(detail).content.decode()
    refused = client.post(url, form, follow=True).content.decode()  # the reason of a non-holder is ignored
    assert "&#x27;db patching&#x27; is open; overriding it needs the override_maintenance permission" in refused
    operator = _with_override_permission(operator)
    client.force_login(operator)
    assert 'name="override_reason"' in client.get(detail).content.decode()
    no_reason = client.post(url, {**form, "override_reason": " "}, follow=True).content.decode()
    assert "overriding it needs a reason" in no_reason and not Execution.objects.exists()
    response = client.post(url, form)
    execution = Execution.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/runbooks/executions/{execution.pk}/"
    assert execution.status == "pending" and execution.trigger == "manual" and execution.requested_by == operator
    event = AuditEvent.objects.get(action="maintenance.overridden")
    assert event.actor == operator and event.reason == "the fix cannot wait"


def test_it_returns_a_refused_portal_run_to_the_form_with_what_was_typed(admin_user) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(host_key=KEY)
    runbook = restart_runbook()
    set_kill_switch(True, reason="incident", actor=Actor.of(admin_user))
    client = Client()
    client.force_login(admin_user)
    typed = {"params": "service=nginx & co\nmode=fast", "targets": str(server.pk)}
    page = client.post(reverse("runbooks:execute", args=[runbook.pk]), typed)
    # Refused: the form again, as typed, with the reason (400), never a redirect that carries the values in the URL.
    assert page.status_code == 400 and not Execution.objects.exists()
    assert page.context["chosen_targets"] == [str(server.pk)]  # what was typed, kept
    assert "kill switch is engaged" in page.content.decode()
    assert "service=nginx &amp; co" in page.content.decode()
