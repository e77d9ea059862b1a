"""Admin: inline steps validated like the API, a version per save, the plan action, audited policy changes."""

from __future__ import annotations

import pytest
from django.test import Client

from remediation.actors import Actor
from remediation.models import AuditEvent
from runbooks.models import CommandPolicyRule, Runbook
from runbooks.services.definitions import save_runbook

pytestmark = pytest.mark.django_db


def _form(**steps):  # type: ignore[no-untyped-def]
    data = {
        "name": "adm",
        "description": "",
        "enabled": "on",
        "parameters": "[]",
        "tags": "[]",
        "timeout_seconds": "60",
        "max_parallel": "5",
        "allowed_policy_rules": "[]",
        "approval_timeout_seconds": "1800",
        "verification_window_seconds": "600",
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
        "steps-0-position": "0",
        "steps-0-name": "a",
        "steps-0-kind": "ssh",
        "steps-0-on_failure": "stop",
        "steps-0-command": "echo {{ params.x }}",
        "steps-0-method": "GET",
        "steps-0-headers": "{}",
        "steps-0-expected_statuses": "[200]",
        "steps-0-expected_exit_codes": "[0]",
        "steps-0-timeout_seconds": "60",
        "steps-0-retries": "0",
        "steps-0-retry_backoff_seconds": "1",
        "steps-0-tls_verify": "on",
    }
    data.update({f"steps-0-{k}": v for k, v in steps.items()})
    return data


def test_it_saves_runbooks_with_inline_steps_as_a_new_version(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(admin_user)
    response = client.post("/admin/runbooks/runbook/add/", _form())
    assert response.status_code == 302, response.content.decode()[:3000]
    runbook = Runbook.objects.get(name="adm")
    assert runbook.version == 1 and runbook.versions.get().definition["steps"][0]["command"] == "echo {{ params.x }}"
    assert AuditEvent.objects.filter(action="runbook.created", object_id=str(runbook.pk)).exists()
    bad = client.post("/admin/runbooks/runbook/add/", {**_form(command="{{ broken"), "name": "adm2"})
    assert bad.status_code == 200 and not Runbook.objects.filter(name="adm2").exists()


def test_it_plans_selected_runbooks(admin_user) -> None:  # type: ignore[no-untyped-def]
    runbook = save_runbook({"name": "p", "steps": [{"name": "a", "command": "reboot"}]}, actor=Actor.of(admin_user))
    client = Client()
    client.force_login(admin_user)
    page = client.post(
        "/admin/runbooks/runbook/", {"action": "plan", "_selected_action": [runbook.pk]}
    ).content.decode()
    assert "needs at least one target" in page


def test_it_audits_command_policy_changes(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(admin_user)
    rule = CommandPolicyRule.objects.get(name="mkfs")
    data = {"name": "mkfs", "pattern": rule.pattern, "description": "d", "enabled": "on"}
    assert client.post(f"/admin/runbooks/commandpolicyrule/{rule.pk}/change/", data).status_code == 302
    event = AuditEvent.objects.get(action="command_policy.changed")
    assert event.before["description"] != "d" and event.after["description"] == "d"
    assert event.object_id == str(rule.pk) and event.actor == admin_user


def test_it_shows_execution_parameters_masked(admin_user) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import ExecutionFactory

    execution = ExecutionFactory(params={"db_password": "hunter2-very-secret", "service": "nginx-frontend"})
    client = Client()
    client.force_login(admin_user)
    page = client.get(f"/admin/runbooks/execution/{execution.pk}/change/").content.decode()
    assert "nginx-frontend" in page
    assert "hunter2-very-secret" not in page


def test_it_refuses_an_unsafe_placement_in_the_admin_form_with_the_safe_form(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(admin_user)
    response = client.post("/admin/runbooks/runbook/add/", _form(command='bash -c "echo {{ params.x }}"'))
    page = response.content.decode()
    assert response.status_code == 200 and "would be read as code by `bash -c`" in page and "Safe form:" in page
    assert not Runbook.objects.filter(name="adm").exists()
    ok = {**_form(command="sh -c 'restart {{ params.x|raw }}'"), "parameters": '[{"name": "x", "pattern": "[a-z]+"}]'}
    assert client.post("/admin/runbooks/runbook/add/", ok).status_code == 302
