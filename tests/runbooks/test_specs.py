"""Typed specs and plans: defaults in one place, plans stored by older code still load and render the same."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from remediation.models import Credential
from runbooks.choices import ExecutionStatus
from runbooks.models import Execution, Runbook, RunbookVersion, Step
from runbooks.services.definitions import step_definition
from runbooks.services.plan import plan_version
from runbooks.services.runner import stale_plan
from runbooks.specs import Plan, RunbookSpec, StepSpec
from tests.factories.inventory import ServerFactory

pytestmark = pytest.mark.django_db

# Captured from main before these types existed (see its `captured_from`): a version's definition and the plan
# request_execution stored for it, plus a blocked plan as plan_runbook returned it.
BEFORE = json.loads((Path(__file__).parents[1] / "payloads" / "execution_before_specs.json").read_text())
HOST_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"


def _retarget(plan: dict[str, Any], old: int, new: int) -> dict[str, Any]:
    """The captured plan with its server id replaced by the id the same server has in this test database."""
    plan = copy.deepcopy(plan)
    for target in plan["targets"]:
        target["id"] = new if target["id"] == old else target["id"]
    for run in (run for step in plan["steps"] for run in step["runs"]):
        run["target_id"] = new if run["target_id"] == old else run["target_id"]
    return plan


@pytest.fixture
def old_execution(admin_user, settings) -> Execution:  # type: ignore[no-untyped-def]
    """An execution row as the code before the types wrote it, awaiting approval, with its world recreated."""
    settings.RUNBOOK_HTTP_ALLOWED_HOSTS = ["api.example.com"]
    Credential.objects.create(
        name="api", kind="api_token", token="tok-123456", allowed_origins=["https://api.example.com:443"]
    )
    server = ServerFactory(name="web-1", hostname="10.0.0.5", host_key_type="ssh-ed25519", host_key=HOST_KEY)
    runbook = Runbook.objects.create(name=BEFORE["definition"]["name"])
    version = RunbookVersion.objects.create(runbook=runbook, number=1, definition=BEFORE["definition"])
    return Execution.objects.create(
        runbook=runbook,
        version=version,
        status=ExecutionStatus.AWAITING_APPROVAL,
        params=BEFORE["params"],
        alert=BEFORE["alert"],
        target_ids=[server.pk],
        plan=_retarget(BEFORE["plan"], 1, server.pk),
    )


@pytest.mark.parametrize("key", ["plan", "blocked_plan"])
def test_it_round_trips_plans_stored_before_the_types(key: str) -> None:
    stored = BEFORE[key]
    plan = Plan.from_json(stored)
    assert plan.to_json() == stored
    assert json.loads(json.dumps(Plan.from_json(plan.to_json()).to_json())) == stored
    assert plan.steps[2].runs[0].target is None and plan.steps[0].runs[0].segments[1][1] is not None


def test_it_renders_exactly_the_plan_the_code_before_the_types_stored(old_execution: Execution) -> None:
    fresh = plan_version(
        old_execution.version,
        params=old_execution.params,
        target_ids=old_execution.target_ids,
        alert=old_execution.alert,
    )
    assert fresh.to_json() == old_execution.plan
    old_execution.approved_at = old_execution.created_at
    assert stale_plan(old_execution) == ""  # an approved old execution would still run


def test_it_shows_an_old_execution_to_approvers_and_the_api(client, api_as, approver, old_execution) -> None:  # type: ignore[no-untyped-def]
    client.force_login(approver)
    page = client.get(reverse("runbooks:approvals")).content.decode()
    assert '<mark title="{{ alert.labels.instance }} from alert, URL query">web-1%3A9100</mark>' in page
    assert "systemctl start" in page and "on failure rollback" in page
    detail = api_as(approver).get(f"/api/v1/executions/{old_execution.pk}/").json()
    assert detail["plan"] == old_execution.plan


def test_it_reads_an_old_definition_with_its_values_and_the_defaults() -> None:
    spec = RunbookSpec.from_json(BEFORE["definition"])
    assert (spec.timeout_seconds, spec.max_parallel) == (200, 4)
    check, restart, notify = spec.steps
    assert check.expected_exit_codes == (0, 3) and check.timeout_seconds == 20 and check.capture_as == "state"
    assert (restart.retries, restart.retry_backoff_seconds, restart.retry_on_failure) == (2, 0.5, True)
    assert restart.on_failure == "rollback" and restart.rollback_command.startswith("systemctl start")
    assert notify.once and notify.method == "POST" and notify.expected_statuses == (200, 202)
    assert dict(notify.headers) == {"X-Api-Token": "{{ params.api_token }}"} and notify.credential == "api"
    with pytest.raises(dataclasses.FrozenInstanceError):
        notify.once = False  # type: ignore[misc]


def test_it_gives_fields_a_version_lacks_the_same_defaults_as_the_model() -> None:
    """A version saved before a field existed parses to what a step saved today with that field unset holds."""
    minimal = RunbookSpec.from_json({"steps": [{"name": "a", "command": "true"}]})
    saved_today = StepSpec.from_json(step_definition(Step(name="a", command="true")))
    assert minimal.steps[0] == saved_today
    defaults = {field.name: field.get_default() for field in Runbook._meta.fields}
    assert (minimal.timeout_seconds, minimal.max_parallel) == (defaults["timeout_seconds"], defaults["max_parallel"])
    assert minimal.approval_timeout_seconds == defaults["approval_timeout_seconds"]
    assert minimal.verification_window_seconds == defaults["verification_window_seconds"]
    assert Plan.from_json({}).rendered_commands() == []  # rows stored without a plan
