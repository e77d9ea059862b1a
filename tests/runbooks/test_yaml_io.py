"""Runbooks as code: lossless YAML round trip, all-or-nothing import, manage.py commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from remediation.actors import Actor
from remediation.models import AuditEvent
from runbooks.models import Runbook
from runbooks.services.definitions import DefinitionError, save_runbook
from runbooks.services.yaml_io import export_yaml, import_yaml

pytestmark = pytest.mark.django_db

FULL = {
    "name": "full",
    "description": "multi\nline: with 'quotes' and {{ braces }}",
    "enabled": False,
    "tags": ["db", "ünïcode"],
    "timeout_seconds": 120,
    "max_parallel": 3,
    "requires_approval": True,
    "allowed_policy_rules": ["shutdown_reboot"],
    "parameters": [{"name": "svc", "default": "nginx", "required": True, "pattern": "[a-z]+", "description": "x"}],
    "steps": [
        {
            "name": "a",
            "kind": "ssh",
            "command": "systemctl restart {{ params.svc }}",
            "rollback_command": "true",
            "retries": 2,
            "retry_on_failure": True,
            "retry_backoff_seconds": 0.5,
            "expected_exit_codes": [0, 3],
            "output_pattern": "ok (\\d+)",
            "capture_as": "n",
            "condition": "params.svc != ''",
            "on_failure": "rollback",
        },
        {
            "name": "b",
            "kind": "http",
            "method": "POST",
            "url": "https://127.0.0.1/x",
            "headers": {"X-A": "1"},
            "body": '{"n": {{ vars.n }}}',
            "expected_statuses": [200],
            "tls_verify": False,
            "once": True,
        },
    ],
}


def test_it_round_trips_losslessly(admin_user) -> None:  # type: ignore[no-untyped-def]
    save_runbook(FULL, actor=Actor.of(admin_user))
    first = export_yaml(Runbook.objects.all())
    Runbook.objects.all().delete()
    import_yaml(first, actor=Actor.of(admin_user))
    assert export_yaml(Runbook.objects.all()) == first
    assert AuditEvent.objects.filter(action="runbook.imported").count() == 1


def test_it_imports_all_or_nothing_and_skips_unchanged(admin_user) -> None:  # type: ignore[no-untyped-def]
    save_runbook(FULL, actor=Actor.of(admin_user))
    text = export_yaml(Runbook.objects.all())
    import_yaml(text, actor=Actor.of(admin_user))
    assert Runbook.objects.get().version == 1  # unchanged: no new version
    broken = text.replace("name: b", "name: a")
    with pytest.raises(DefinitionError):
        import_yaml(broken + "", actor=Actor.of(admin_user))
    with pytest.raises(DefinitionError, match="format"):
        import_yaml("format: other\nrunbooks: []\n", actor=Actor.of(admin_user))
    assert Runbook.objects.get().version == 1


def test_it_exports_and_imports_with_manage_py(admin_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    save_runbook(FULL, actor=Actor.of(admin_user))
    out = tmp_path / "rb.yaml"
    call_command("runbooks_export", "-o", str(out))
    Runbook.objects.all().delete()
    call_command("runbooks_import", str(out))
    assert Runbook.objects.get().steps.count() == 2
    assert AuditEvent.objects.filter(action="runbook.imported", actor_label="manage.py").exists()


def test_it_plans_and_requests_runs_with_manage_py(admin_user, http_server, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management.base import CommandError

    from runbooks.models import Execution

    save_runbook(
        {
            "name": "cli",
            "parameters": [{"name": "p", "required": True}],
            "steps": [{"name": "c", "kind": "http", "url": http_server.base + "/{{ params.p }}"}],
        },
        actor=Actor.of(admin_user),
    )
    out = StringIO()
    call_command("runbook_plan", "cli", "--param", "p=a b", stdout=out)
    assert "/a%20b" in out.getvalue()
    with pytest.raises(CommandError, match="problem"):
        call_command("runbook_plan", "cli", stdout=StringIO())
    with django_capture_on_commit_callbacks(execute=False):
        call_command("runbook_run", "cli", "--param", "p=x", stdout=StringIO())
    assert Execution.objects.get().status == "pending" and http_server.count() == 0
