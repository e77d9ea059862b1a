"""Admin: inline steps validated like the API, a version per save, the plan action, audited policy changes."""

from __future__ import annotations

import pytest
from django.test import Client

from remediation.actors import Actor
from remediation.models import AuditEvent
from runbooks.models import CommandPolicyRule, Runbook
from runbooks.services.definitions import save_runbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(admin_user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(admin_user)
    return client


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
    ok = {
        **_form(command="sh -c 'restart {{ params.x|raw }}'"),
        "parameters-0-name": "x",
        "parameters-0-pattern": "[a-z]+",
    }
    assert client.post("/admin/runbooks/runbook/add/", ok).status_code == 302


def _second_step(data: dict[str, str], **fields: str) -> dict[str, str]:
    second = {k.replace("steps-0-", "steps-1-"): v for k, v in data.items() if k.startswith("steps-0-")}
    second.update({f"steps-1-{k}": v for k, v in fields.items()})
    return {**data, **second, "steps-TOTAL_FORMS": "2"}


def test_it_takes_parameters_as_rows_and_numbers_new_steps_in_order(admin_client_) -> None:  # type: ignore[no-untyped-def]
    data = _second_step(_form(command="echo {{ params.service }}"), name="b", command="echo two")
    data.update({"parameters-0-name": "service", "parameters-0-default": "nginx", "parameters-0-required": "on"})
    data.update({"parameters-1-name": "", "parameters-1-default": "", "tags": "disk, linux"})
    response = admin_client_.post("/admin/runbooks/runbook/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    runbook = Runbook.objects.get(name="adm")
    assert runbook.parameters == [{"name": "service", "default": "nginx", "required": True}]
    assert runbook.tags == ["disk", "linux"]
    assert [(s.position, s.name) for s in runbook.steps.order_by("position")] == [(1, "a"), (2, "b")]
    page = admin_client_.get(f"/admin/runbooks/runbook/{runbook.pk}/change/").content.decode()
    assert 'name="parameters-0-name" value="service"' in page and "js/admin-runbook.js" in page


def test_it_says_once_what_is_wrong_with_a_hyphenated_step_name(admin_client_) -> None:  # type: ignore[no-untyped-def]
    response = admin_client_.post("/admin/runbooks/runbook/add/", _form(name="restart-nginx"))
    page = response.content.decode()
    assert response.status_code == 200 and not Runbook.objects.exists()
    assert page.count("no hyphens") == 1 and "__admin_check__" not in page


def test_it_exports_and_imports_yaml_from_the_admin(admin_client_, admin_user) -> None:  # type: ignore[no-untyped-def]
    runbook = save_runbook({"name": "yam", "steps": [{"name": "a", "command": "uptime"}]}, actor=Actor.of(admin_user))
    exported = admin_client_.get(f"/admin/runbooks/runbook/{runbook.pk}/yaml/")
    assert exported.status_code == 200 and exported["Content-Disposition"].endswith('"yam.yaml"')
    text = exported.content.decode().replace("uptime", "uptime --pretty")
    bad = admin_client_.post("/admin/runbooks/runbook/import-yaml/", {"yaml": text.replace("format:", "formt:")})
    assert bad.status_code == 400 and "uptime --pretty" in bad.content.decode()  # the pasted text is kept
    assert admin_client_.post("/admin/runbooks/runbook/import-yaml/", {"yaml": text}).status_code == 302
    runbook.refresh_from_db()
    assert runbook.version == 2 and runbook.steps.get().command == "uptime --pretty"
    assert AuditEvent.objects.filter(action="runbook.imported", object_id=str(runbook.pk)).exists()


def test_it_previews_the_plan_for_a_chosen_server_and_parameters(admin_client_, admin_user) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import ServerFactory

    ServerFactory(name="db-7", hostname="127.0.0.1")
    definition = {
        "name": "pv",
        "parameters": [{"name": "unit"}],
        "steps": [{"name": "a", "command": "systemctl restart {{ params.unit }}"}],
    }
    runbook = save_runbook(definition, actor=Actor.of(admin_user))
    page = admin_client_.get(f"/admin/runbooks/runbook/{runbook.pk}/change/").content.decode()
    assert 'id="plan-preview"' in page and '<option value="db-7">' in page
    preview = admin_client_.get(
        f"/admin/runbooks/runbook/{runbook.pk}/plan-preview/", {"target": "db-7", "param.unit": "nginx"}
    )
    body = preview.content.decode()
    assert preview.status_code == 200 and "db-7" in body and "nginx" in body and "systemctl restart" in body
