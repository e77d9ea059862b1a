"""remediation.hooks: the one registry the apps plug their purgers, housekeeping jobs and effect handlers into."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.utils.module_loading import import_string

from remediation import hooks

# What each installed app registers in its ready(), by kind; the kernel's own jobs included.
EXPECTED = {
    "remediation": {
        "job": ["remediation.worker_heartbeat", "remediation.purge_old_data", "remediation.send_due_notifications"],
        "purger": ["remediation.notifications.delivery.purge_deliveries"],
    },
    "alerts": {
        "handler": ["remediate"],
        "dashboard": ["incidents"],
        "purger": ["alerts.retention.purge_alerts"],
        "job": ["remediation.redispatch_stale", "alerts.check_watchdog"],
    },
    "runbooks": {
        "purger": [
            "runbooks.services.retention.purge_executions",
            "runbooks.services.retention.clear_step_output",
            "runbooks.services.retention.purge_schedule_runs",
        ],
        "job": [
            "runbooks.reap_expired_leases",
            "runbooks.redispatch_pending",
            "runbooks.expire_approvals",
            "runbooks.close_verifications",
            "runbooks.rearm_schedules",
        ],
    },
    "ai": {
        "handler": ["analyze"],
        "purger": ["ai.retention.purge_chats", "ai.retention.purge_investigations"],
        "job": ["ai.check_provider_health", "ai.redispatch_queued", "ai.sweep_investigations"],
        "approvals": ["ai.investigation_views.pending_approvals"],
    },
    "terminal": {"purger": ["terminal.retention.purge_recordings"], "job": ["terminal.reap_stale_sessions"]},
}


def test_every_installed_app_registered_its_hooks_at_startup() -> None:
    installed = [config.label for config in apps.get_app_configs() if config.label in EXPECTED]
    assert installed == list(EXPECTED)
    assert {label: hooks.registered_by(label) for label in installed} == EXPECTED


def test_every_registered_hook_names_a_callable() -> None:
    paths = hooks.purgers() + [job.func for job in hooks.jobs()]
    paths += [found.func for kind in hooks.handled_kinds() if (found := hooks.handler(kind)) is not None]
    paths += list(hooks.dashboard_sections().values())
    assert len(paths) == 25  # 8 purgers, 14 jobs, 2 handlers, 1 dashboard section
    assert all(callable(import_string(path)) for path in paths)


def test_purgers_run_in_installed_apps_order() -> None:
    assert [path.split(".")[0] for path in hooks.purgers()] == [
        "remediation",
        "alerts",
        *["runbooks"] * 3,
        *["ai"] * 2,
        "terminal",
    ]


def test_registering_the_same_hook_twice_changes_nothing(hook_registry) -> None:  # type: ignore[no-untyped-def]
    before = hook_registry.jobs()
    hook_registry.register_job("alerts.check_watchdog", "alerts.tasks.check_watchdog", 1)
    hook_registry.register_purger("alerts.retention.purge_alerts")
    hook_registry.register_handler("remediate", "alerts.services.remediate.handle_remediate", atomic=True)
    assert hook_registry.jobs() == before
    assert hook_registry.purgers().count("alerts.retention.purge_alerts") == 1
    assert hook_registry.handler("remediate") == hooks.Handler("alerts.services.remediate.handle_remediate", True)


def test_another_hook_under_a_taken_name_is_refused_and_the_first_kept(hook_registry) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="already registered"):
        hook_registry.register_handler("analyze", "tests.remediation.test_hooks.elsewhere")
    with pytest.raises(ValueError, match="already registered"):
        hook_registry.register_job("alerts.check_watchdog", "alerts.tasks.check_watchdog", 5)
    assert hook_registry.handler("analyze") == hooks.Handler("ai.tasks.analyze_action_request", False)
    assert next(job for job in hook_registry.jobs() if job.name == "alerts.check_watchdog").minutes == 1


def test_an_unknown_kind_is_refused_and_nothing_registered(hook_registry) -> None:  # type: ignore[no-untyped-def]
    before = {kind: dict(found) for kind, found in hook_registry._registry.items()}
    with pytest.raises(ValueError, match="No such kind of hook 'signal'"):
        hook_registry.register("signal", "x", "tests.remediation.test_hooks.elsewhere")
    with pytest.raises(ValueError, match="No such effect kind 'record'"):
        hook_registry.register_handler("record", "tests.remediation.test_hooks.elsewhere")
    with pytest.raises(ValueError, match="at least one minute"):
        hook_registry.register_job("tests.never", "tests.remediation.test_hooks.elsewhere", 0)
    assert hook_registry._registry == before


def test_a_registered_hook_reaches_its_runner_and_leaves_with_the_app(hook_registry) -> None:  # type: ignore[no-untyped-def]
    from remediation.services.housekeeping import housekeeping_jobs
    from remediation.services.retention import registered_purgers

    hook_registry.register_purger("tests.remediation.test_hooks.elsewhere")
    hook_registry.register_job("tests.every_hour", "tests.remediation.test_hooks.elsewhere", 60)
    assert registered_purgers()[-1] == "tests.remediation.test_hooks.elsewhere"
    assert housekeeping_jobs()[-1] == hooks.Job("tests.every_hour", "tests.remediation.test_hooks.elsewhere", 60)
    hook_registry.unregister("purger", "tests.remediation.test_hooks.elsewhere")
    hook_registry.unregister("job", "tests.every_hour")
    assert "tests.remediation.test_hooks.elsewhere" not in registered_purgers()
    assert "tests.every_hour" not in [job.name for job in housekeeping_jobs()]


def elsewhere(*args: object) -> None:
    """A hook target for the tests above (never registered by the product)."""
