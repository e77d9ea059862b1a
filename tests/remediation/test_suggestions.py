"""Suggest mode: the suggestion is shown with the alert (portal and API) and an operator can start it once."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from alerts.models import Alert, Rule, Suggestion
from remediation.actors import Actor
from remediation.models import AuditEvent
from runbooks.models import Execution
from runbooks.services.maintenance import set_kill_switch
from tests.factories.inventory import ServerFactory
from tests.factories.rules import MaintenanceWindowFactory
from tests.factories.terminal import grant
from tests.remediation.remediate import am_payload, dispatch_pending, remediate_rule, restart_runbook

pytestmark = pytest.mark.django_db
KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"


@pytest.fixture
def suggested(post_hook, operator) -> Suggestion:  # type: ignore[no-untyped-def]
    """A `suggest` rule matched a firing ServiceDown on web-1 (the operator holds a grant for it): nothing run."""
    grant(operator, ServerFactory(name="web-1", host_key=KEY))
    params = [{"name": "service", "required": True, "pattern": "[a-z]+"}, {"name": "api_token"}]
    rule = remediate_rule(restart_runbook(parameters=params), mode="suggest")
    Rule.objects.filter(pk=rule.pk).update(parameters={**rule.parameters, "api_token": "{{ labels.token }}"})
    post_hook(am_payload("web-1:9100", token="s3cr3t-label-value"))
    dispatch_pending()
    assert not Execution.objects.exists()
    return Suggestion.objects.get()


def _url(suggestion: Suggestion) -> str:
    return f"/api/v1/alerts/{suggestion.alert_id}/suggestions/{suggestion.pk}/run/"


def _form_csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_it_shows_the_suggestion_with_its_targets_and_masked_params(client, api_as, suggested, viewer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(viewer)
    page = client.get(f"/alerts/{suggested.alert_id}/").content.decode()
    assert "Suggested remediation" in page and "restart-service" in page and "web-1" in page
    assert "<code>service=nginx</code>" in page and "<code>api_token=********</code>" in page
    assert "Run this" not in page  # a viewer sees the suggestion, not the button
    shown = api_as(viewer).get(f"/api/v1/alerts/{suggested.alert_id}/").json()["suggestions"]
    assert shown == [
        {
            "id": suggested.pk,
            "rule": suggested.rule_id,
            "rule_name": "restart on ServiceDown",
            "runbook": suggested.runbook_id,
            "runbook_name": "restart-service",
            "target_ids": suggested.target_ids,
            "targets": ["web-1"],
            "params": {"service": "nginx", "api_token": "********"},
            "created_at": shown[0]["created_at"],
            "used_by": None,
            "used_at": None,
            "execution": None,
            "execution_status": None,
        }
    ]


def test_it_runs_a_suggestion_once_from_the_portal(suggested, operator) -> None:  # type: ignore[no-untyped-def]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(operator)
    page = browser.get(f"/alerts/{suggested.alert_id}/").content.decode()
    assert "Run this" in page
    form = f"/alerts/{suggested.alert_id}/suggestions/{suggested.pk}/run/"
    assert browser.post(form).status_code == 403  # no CSRF token
    response = browser.post(form, {"csrfmiddlewaretoken": _form_csrf(page)})
    execution = Execution.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/runbooks/executions/{execution.pk}/"
    assert execution.trigger == "suggestion" and execution.requested_by == operator
    assert execution.alert_episode_id == suggested.alert_id and execution.rule_id == suggested.rule_id
    assert execution.params == suggested.params and execution.target_ids == suggested.target_ids
    assert execution.status == "pending"
    started = AuditEvent.objects.get(action="remediation.suggestion_started")
    assert started.actor == operator and started.after["execution"] == execution.pk
    assert AuditEvent.objects.get(action="execution.requested").actor == operator
    again = browser.post(form, {"csrfmiddlewaretoken": _form_csrf(page)}, follow=True).content.decode()
    assert "was already started; it runs once" in again and Execution.objects.count() == 1
    page = browser.get(f"/alerts/{suggested.alert_id}/").content.decode()
    assert "Run this" not in page and f"execution #{execution.pk}" in page and "Started by operator" in page


def test_it_runs_a_suggestion_once_through_the_api(api_as, suggested, operator) -> None:  # type: ignore[no-untyped-def]
    first = api_as(operator).post(_url(suggested), {}, format="json")
    assert first.status_code == 201, first.content
    execution = Execution.objects.get()
    assert first.json()["execution"] == execution.pk and first.json()["used_by"] == "operator"
    assert first.json()["execution_status"] == "pending" and execution.trigger == "suggestion"
    second = api_as(operator).post(_url(suggested), {}, format="json")
    assert second.status_code == 409 and "runs once" in second.json()["detail"]
    Execution.objects.update(status="failed")  # finished: the episode is free, the suggestion is still used
    third = api_as(operator).post(_url(suggested), {}, format="json")
    assert third.status_code == 409 and "runs once" in third.json()["detail"]
    assert Execution.objects.count() == 1
    assert AuditEvent.objects.filter(action="execution.refused", actor=operator).count() == 2


def test_it_needs_the_execute_permission(client, api_as, suggested, viewer, approver) -> None:  # type: ignore[no-untyped-def]
    for user in (viewer, approver):
        assert api_as(user).post(_url(suggested), {}, format="json").status_code == 403
        client.force_login(user)
        assert client.post(f"/alerts/{suggested.alert_id}/suggestions/{suggested.pk}/run/").status_code == 403
    assert not Execution.objects.exists() and Suggestion.objects.get().used_at is None


def test_it_obeys_the_kill_switch_and_windows_staying_usable(api_as, suggested, operator, admin_user) -> None:  # type: ignore[no-untyped-def]
    set_kill_switch(True, reason="incident 7", actor=Actor.of(admin_user))
    refused = api_as(operator).post(_url(suggested), {}, format="json")
    assert refused.status_code == 400 and "kill switch is engaged: incident 7" in refused.json()["detail"]
    event = AuditEvent.objects.get(action="execution.refused")
    assert event.actor == operator and event.after["trigger"] == "suggestion"
    assert event.after["suggestion"] == suggested.pk
    set_kill_switch(False, reason="over", actor=Actor.of(admin_user))
    MaintenanceWindowFactory(name="web patching", matchers=[{"name": "instance", "op": "=", "value": "web-1"}])
    windowed = api_as(operator).post(_url(suggested), {}, format="json")
    assert windowed.status_code == 400 and "'web patching' is open" in windowed.json()["detail"]
    assert Suggestion.objects.get().used_at is None and not Execution.objects.exists()
    body = {"override_reason": "customers are down"}
    assert api_as(admin_user).post(_url(suggested), body, format="json").status_code == 201
    assert AuditEvent.objects.get(action="maintenance.overridden").reason == "customers are down"
    assert Execution.objects.get().requested_by == admin_user


def test_it_holds_for_approval_when_the_runbook_requires_it(api_as, suggested, operator) -> None:  # type: ignore[no-untyped-def]
    suggested.runbook.__class__.objects.filter(pk=suggested.runbook_id).update(requires_approval=True)
    response = api_as(operator).post(_url(suggested), {}, format="json")
    assert response.status_code == 201 and response.json()["execution_status"] == "awaiting_approval"


def test_it_refuses_while_the_episode_is_busy_or_resolved(api_as, suggested, operator, admin_user) -> None:  # type: ignore[no-untyped-def]
    from runbooks.services.execute import request_execution

    origin = {"alert_episode_id": suggested.alert_id}
    other = request_execution(
        suggested.runbook,
        actor=Actor.of(admin_user),
        params=suggested.params,
        target_ids=suggested.target_ids,
        origin=origin,
    )
    busy = api_as(operator).post(_url(suggested), {}, format="json")
    assert busy.status_code == 409 and "already active" in busy.json()["detail"]
    assert Suggestion.objects.get().used_at is None
    Execution.objects.filter(pk=other.pk).update(status="succeeded")
    Alert.objects.filter(pk=suggested.alert_id).update(status="resolved")
    resolved = api_as(operator).post(_url(suggested), {}, format="json")
    assert resolved.status_code == 400 and "has resolved" in resolved.json()["detail"]
    assert Execution.objects.count() == 1


def test_it_verifies_a_suggested_run_when_the_episode_resolves(api_as, post_hook, suggested, operator) -> None:  # type: ignore[no-untyped-def]
    api_as(operator).post(_url(suggested), {}, format="json")
    Execution.objects.update(status="succeeded", finished_at=timezone.now())
    post_hook(am_payload("web-1:9100", status="resolved", token="s3cr3t-label-value"))
    execution = Execution.objects.get()
    assert execution.resolved_at is not None and execution.resolved_within_window is True


def test_it_shows_suggestions_read_only_in_the_admin(client, api_as, suggested, operator, admin_user) -> None:  # type: ignore[no-untyped-def]
    api_as(operator).post(_url(suggested), {}, format="json")
    execution = Execution.objects.get()
    client.force_login(admin_user)
    listing = client.get("/admin/alerts/suggestion/").content.decode()
    assert "restart on ServiceDown" in listing and "restart-service" in listing and "operator" in listing
    assert f"#{execution.pk} restart-service" in listing
    detail = client.get(f"/admin/alerts/suggestion/{suggested.pk}/change/").content.decode()
    assert "api_token" in detail and "s3cr3t-label-value" not in detail and "nginx" in detail
    assert f"/admin/runbooks/execution/{execution.pk}/change/" in detail and 'name="_save"' not in detail
    assert client.get("/admin/alerts/suggestion/add/").status_code == 403
    assert client.post(f"/admin/alerts/suggestion/{suggested.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/alerts/suggestion/{suggested.pk}/change/", {"params": "{}"}).status_code == 403
    assert Suggestion.objects.get().params == suggested.params


def test_it_overrides_a_window_from_the_run_this_button_with_the_permission_only(suggested, operator) -> None:  # type: ignore[no-untyped-def]
    MaintenanceWindowFactory(name="web patching", matchers=[{"name": "instance", "op": "=", "value": "web-1"}])
    detail, form = f"/alerts/{suggested.alert_id}/", f"/alerts/{suggested.alert_id}/suggestions/{suggested.pk}/run/"
    client = Client()
    client.force_login(operator)
    assert "Run this" in (page := client.get(detail).content.decode()) and 'name="override_reason"' not in page
    refused = client.post(form, {"override_reason": "customers are down"}, follow=True).content.decode()
    assert "Not started: maintenance window &#x27;web patching&#x27; is open; overriding it needs" in refused
    assert Suggestion.objects.get().used_at is None and not Execution.objects.exists()
    operator.user_permissions.add(Permission.objects.get(codename="override_maintenance"))
    operator = type(operator).objects.get(pk=operator.pk)  # a fresh user: permissions are cached per instance
    client.force_login(operator)
    assert 'name="override_reason"' in client.get(detail).content.decode()
    assert "overriding it needs a reason" in client.post(form, follow=True).content.decode()
    response = client.post(form, {"override_reason": "customers are down"})
    execution = Execution.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/runbooks/executions/{execution.pk}/"
    assert execution.trigger == "suggestion" and execution.requested_by == operator
    event = AuditEvent.objects.get(action="maintenance.overridden")
    assert event.actor == operator and event.reason == "customers are down"
    assert Suggestion.objects.get().execution_id == execution.pk
