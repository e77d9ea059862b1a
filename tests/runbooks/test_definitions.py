"""Runbook definitions: validation with clear errors, a new immutable version on every save, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from remediation.actors import Actor
from remediation.models import AuditEvent
from runbooks.models import RunbookVersion
from runbooks.services.definitions import DefinitionError, definition_of, delete_runbook, save_runbook
from tests.factories.runbooks import execution_of

pytestmark = pytest.mark.django_db

VALID = {
    "name": "restart-web",
    "parameters": [{"name": "service", "default": "nginx", "required": True, "pattern": "[a-z-]+"}],
    "steps": [
        {"name": "restart", "kind": "ssh", "command": "systemctl restart {{ params.service }}"},
        {"name": "check", "kind": "http", "url": "http://127.0.0.1/health", "expected_statuses": [200]},
    ],
}


def test_it_creates_a_runbook_with_its_first_version_and_audits(admin_user) -> None:  # type: ignore[no-untyped-def]
    runbook = save_runbook(VALID, actor=Actor.of(admin_user))
    assert [s.name for s in runbook.steps.all()] == ["restart", "check"]
    version = runbook.versions.get()
    assert version.number == 1 and version.definition == definition_of(runbook)
    event = AuditEvent.objects.get(action="runbook.created")
    assert event.actor == admin_user and event.object_id == str(runbook.pk)


def test_it_never_rewrites_history_when_a_runbook_is_edited(admin_user) -> None:  # type: ignore[no-untyped-def]
    runbook = save_runbook(VALID, actor=Actor.of(admin_user))
    first = runbook.versions.get().definition
    save_runbook(
        {**VALID, "steps": [{"name": "only", "command": "uptime"}]}, actor=Actor.of(admin_user), runbook=runbook
    )
    versions = list(RunbookVersion.objects.filter(runbook=runbook).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].definition == first
    assert [s["name"] for s in versions[1].definition["steps"]] == ["only"]
    with pytest.raises(ValidationError):
        versions[0].save()
    with pytest.raises(ValidationError):
        RunbookVersion.objects.filter(pk=versions[0].pk).update(definition={})
    assert AuditEvent.objects.filter(action="runbook.updated").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"steps": [{"name": "a", "kind": "ssh", "command": ""}]}, "steps[0]"),
        ({"steps": [{"name": "a", "command": "x"}, {"name": "a", "command": "y"}]}, "steps"),
        ({"steps": [{"name": "bad name", "command": "x"}]}, "steps[0].name"),
        ({"steps": [{"name": "a", "command": "{{ unclosed"}]}, "steps[0]"),
        ({"steps": [{"name": "a", "command": "x", "condition": "a =="}]}, "steps[0]"),
        ({"steps": [{"name": "a", "kind": "http", "url": "http://h/", "method": "BREW"}]}, "steps[0]"),
        ({"steps": [{"name": "a", "kind": "telnet", "command": "x"}]}, "steps[0].kind"),
        ({"steps": [{"name": "a", "command": "x", "bogus": 1}]}, "steps[0]"),
        ({"parameters": [{"name": "x", "pattern": "("}]}, "parameters"),
        ({"name": ""}, "name"),
    ],
)
def test_it_rejects_invalid_definitions_with_field_errors(admin_user, change, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DefinitionError) as caught:
        save_runbook({**VALID, **change}, actor=Actor.of(admin_user))
    assert field in caught.value.errors


def test_it_refuses_to_delete_a_runbook_that_ran(admin_user) -> None:  # type: ignore[no-untyped-def]
    execution = execution_of({"steps": []})
    with pytest.raises(DefinitionError, match="disable"):
        delete_runbook(execution.runbook, actor=Actor.of(admin_user))
    unused = save_runbook(VALID, actor=Actor.of(admin_user))
    pk = unused.pk
    delete_runbook(unused, actor=Actor.of(admin_user))
    assert AuditEvent.objects.filter(action="runbook.deleted", object_id=str(pk)).exists()


def test_it_keeps_the_runbook_timeout_inside_the_worker_timeout(admin_user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 600}
    with pytest.raises(DefinitionError) as caught:
        save_runbook({**VALID, "timeout_seconds": 590}, actor=Actor.of(admin_user))
    assert "at most 540s" in " ".join(caught.value.errors["timeout_seconds"])
