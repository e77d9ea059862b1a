"""Plan / dry-run: renders every step, reports every problem, flags raw, contacts nothing."""

from __future__ import annotations

import pytest

from remediation.actors import Actor
from runbooks.services.definitions import save_runbook
from runbooks.services.plan import plan_runbook

pytestmark = pytest.mark.django_db


def _runbook(admin_user, steps, **extra):  # type: ignore[no-untyped-def]
    return save_runbook({"name": "rb", "steps": steps, **extra}, actor=Actor.of(admin_user))


def test_it_renders_http_steps_with_params_and_alert_labels(admin_user, http_server) -> None:  # type: ignore[no-untyped-def]
    runbook = _runbook(
        admin_user,
        [
            {
                "name": "call",
                "kind": "http",
                "method": "POST",
                "url": http_server.base + "/x?i={{ alert.labels.instance }}",
                "body": '{"svc": {{ params.svc }}}',
                "headers": {"Authorization": "Bearer {{ params.token }}"},
            }
        ],
        parameters=[{"name": "svc", "required": True}, {"name": "token", "default": "s3cr3t-token-value"}],
    )
    plan = plan_runbook(runbook, params={"svc": "a b"}, alert={"labels": {"instance": "db 1&x"}}, actor=Actor.system())
    assert plan.ok, plan.problems
    rendered = plan.steps[0].runs[0].rendered
    assert "i=db%201%26x" in rendered and '{"svc": "a b"}' in rendered
    assert "s3cr3t-token-value" not in str(plan)
    assert http_server.count() == 0


def test_it_reports_undefined_variables_policy_hosts_and_params(admin_user, http_server) -> None:  # type: ignore[no-untyped-def]
    runbook = _runbook(
        admin_user,
        [
            {"name": "a", "kind": "http", "url": http_server.base + "/{{ params.nope }}"},
            {"name": "b", "kind": "http", "url": "http://169.254.169.254/latest/meta-data/"},
            {"name": "c", "kind": "http", "url": "http://example.invalid/"},
        ],
        parameters=[{"name": "svc", "required": True, "pattern": "[a-z]+"}],
    )
    plan = plan_runbook(runbook, params={"svc": "BAD!", "extra": 1}, target_ids=[999], actor=Actor.system())
    text = " | ".join(plan.problems)
    assert not plan.ok
    for expected in [
        "undefined variable",
        "link-local",
        "RUNBOOK_HTTP_ALLOWED_HOSTS",
        "does not match",
        "unknown parameter 'extra'",
        "unknown target 999",
    ]:
        assert expected in text
    assert http_server.count() == 0


def test_it_flags_raw_and_requires_targets_for_ssh_steps(admin_user) -> None:  # type: ignore[no-untyped-def]
    runbook = _runbook(
        admin_user,
        [{"name": "a", "command": "echo {{ params.x|raw }}"}],
        parameters=[{"name": "x", "default": "home", "pattern": "[a-z]+"}],
    )
    plan = plan_runbook(runbook, actor=Actor.system())
    assert plan.raw_steps == ("a",)
    assert any("needs at least one target" in p for p in plan.problems)


def test_it_renders_later_steps_with_placeholders_for_earlier_results(admin_user, http_server) -> None:  # type: ignore[no-untyped-def]
    runbook = _runbook(
        admin_user,
        [
            {"name": "first", "kind": "http", "url": http_server.base + "/a", "capture_as": "ver"},
            {
                "name": "second",
                "kind": "http",
                "url": http_server.base + "/b?v={{ vars.ver }}&o={{ steps.first.output }}",
                "condition": "steps.first.status == 'succeeded'",
            },
            {"name": "third", "kind": "http", "url": http_server.base + "/{{ steps.later.stdout }}"},
            {"name": "later", "kind": "http", "url": http_server.base + "/z"},
        ],
    )
    plan = plan_runbook(runbook, actor=Actor.system())
    assert "v=%3Cvars.ver%3E" in plan.steps[1].runs[0].rendered
    assert [p for p in plan.problems if "third" in p and "undefined" in p]
