"""The runner (fake `script` executor, the one seam): order, retries, conditions, capture, failure policies."""

from __future__ import annotations

import pytest

from remediation.models import AuditEvent
from runbooks.choices import ExecutionStatus
from runbooks.models import Execution
from runbooks.services.runner import run_execution
from tests.factories.runbooks import execution_of, step

pytestmark = pytest.mark.django_db


def _run(steps, **fields):  # type: ignore[no-untyped-def]
    execution = execution_of({"steps": steps, **fields.pop("definition", {})}, **fields)
    result = run_execution(execution.pk)
    execution.refresh_from_db()
    return execution, result


def _rows(execution):  # type: ignore[no-untyped-def]
    return [(r.phase, r.step_name, r.attempt, r.status) for r in execution.step_runs.all()]


def test_it_runs_steps_in_order_and_succeeds(script_executor) -> None:  # type: ignore[no-untyped-def]
    execution, result = _run([step("a", kind="script", command="print:hello"), step("b", kind="script", command="ok")])
    assert result == execution.status == ExecutionStatus.SUCCEEDED
    assert _rows(execution) == [("run", "a", 1, "succeeded"), ("run", "b", 1, "succeeded")]
    assert execution.step_runs.first().stdout == "hello\n"
    assert execution.lease_expires_at is None and execution.finished_at is not None
    assert list(AuditEvent.objects.filter(object_id=str(execution.pk)).values_list("action", flat=True)) == [
        "execution.finished",
        "execution.started",
    ]


def test_it_runs_once_per_delivery_claim(script_executor) -> None:  # type: ignore[no-untyped-def]
    execution, _ = _run([step("a", kind="script", command="ok")])
    assert run_execution(execution.pk) == "not claimed"
    assert script_executor == [("run", "a", "-")]


def test_it_retries_with_backoff_until_success(script_executor) -> None:  # type: ignore[no-untyped-def]
    flaky = step("a", kind="script", command="flaky:2", retries=3, retry_on_failure=True, retry_backoff_seconds=0.01)
    execution, _ = _run([flaky])
    assert execution.status == ExecutionStatus.SUCCEEDED
    assert _rows(execution) == [("run", "a", 1, "failed"), ("run", "a", 2, "failed"), ("run", "a", 3, "succeeded")]


def test_it_does_not_retry_a_nonzero_exit_unless_the_step_allows_it(script_executor) -> None:  # type: ignore[no-untyped-def]
    execution, _ = _run([step("a", kind="script", command="flaky:1", retries=3, retry_backoff_seconds=0.01)])
    assert execution.status == ExecutionStatus.FAILED
    assert _rows(execution) == [("run", "a", 1, "failed")]
    assert execution.step_runs.get().error_kind == "exit_code"


def test_it_rolls_back_completed_steps_in_reverse_order(script_executor) -> None:  # type: ignore[no-untyped-def]
    steps = [
        step("one", kind="script", command="ok", rollback_command="print:undo-one"),
        step("two", kind="script", command="ok", rollback_command="print:undo-two"),
        step("three", kind="script", command="ok"),
        step("four", kind="script", command="fail", on_failure="rollback", rollback_command="print:never"),
        step("five", kind="script", command="ok"),
    ]
    execution, _ = _run(steps)
    assert execution.status == ExecutionStatus.FAILED
    assert "rolled back 2 step(s)" in execution.status_reason
    assert _rows(execution)[-2:] == [("rollback", "two", 1, "succeeded"), ("rollback", "one", 1, "succeeded")]
    assert script_executor[-2:] == [("rollback", "two", "-"), ("rollback", "one", "-")]
    assert ("run", "five", "-") not in script_executor


def test_it_continues_past_a_tolerated_failure(script_executor) -> None:  # type: ignore[no-untyped-def]
    execution, _ = _run(
        [step("a", kind="script", command="fail", on_failure="continue"), step("b", kind="script", command="ok")]
    )
    assert execution.status == ExecutionStatus.SUCCEEDED
    assert "tolerated" in execution.status_reason
    assert _rows(execution) == [("run", "a", 1, "failed"), ("run", "b", 1, "succeeded")]


def test_it_evaluates_conditions_over_params_and_earlier_results(script_executor) -> None:  # type: ignore[no-untyped-def]
    steps = [
        step("probe", kind="script", command="exit:3", expected_exit_codes=[0, 3]),
        step("fix", kind="script", command="ok", condition="steps.probe.exit_code == 3 and params.mode == 'fix'"),
        step("skip", kind="script", command="ok", condition="steps.probe.exit_code == 0"),
    ]
    execution, _ = _run(steps, definition={"parameters": [{"name": "mode", "default": "fix"}]}, params={"mode": "fix"})
    assert _rows(execution) == [
        ("run", "probe", 1, "succeeded"),
        ("run", "fix", 1, "succeeded"),
        ("run", "skip", 1, "skipped"),
    ]


def test_it_passes_captured_output_to_later_steps(script_executor) -> None:  # type: ignore[no-untyped-def]
    steps = [
        step(
            "read", kind="script", command="print:version=1.2.3 $(id)", output_pattern=r"version=(.*)", capture_as="ver"
        ),
        step("use", kind="script", command="print:got {{ vars.ver }} / {{ steps.read.output }}"),
    ]
    execution, _ = _run(steps)
    used = execution.step_runs.get(step_name="use")
    assert used.rendered == "print:got 1.2.3 $(id) / 1.2.3 $(id)"  # the fake renders plain text
    assert execution.variables == {"*": {"ver": "1.2.3 $(id)"}}


def test_it_fails_a_step_blocked_by_policy_right_before_running(script_executor) -> None:  # type: ignore[no-untyped-def]
    execution, _ = _run(
        [step("a", kind="script", command="print:{{ params.c|raw }}")],
        definition={"parameters": [{"name": "c"}]},
        params={"c": "; mkfs.ext4 /dev/sda"},
    )
    row = execution.step_runs.get()
    assert (execution.status, row.error_kind) == (ExecutionStatus.FAILED, "policy")
    assert script_executor == []


def test_it_times_out_a_step_and_the_runbook(script_executor) -> None:  # type: ignore[no-untyped-def]
    execution, _ = _run([step("a", kind="script", command="sleep:30", timeout_seconds=1)])
    assert (execution.status, execution.step_runs.get().error_kind) == (ExecutionStatus.FAILED, "timeout")
    execution, _ = _run([step("b", kind="script", command="sleep:30")], definition={"timeout_seconds": 1})
    assert execution.status == ExecutionStatus.FAILED and "runbook timeout" in execution.status_reason


def test_it_caps_and_masks_output(script_executor, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RUNBOOK_OUTPUT_LIMIT = 40
    long = "x" * 100
    execution, _ = _run([step("a", kind="script", command=f"print:password=hunter2 {long}")])
    row = execution.step_runs.get()
    assert "hunter2" not in row.stdout and row.output_truncated
    assert "output truncated" in row.stdout


def test_it_marks_an_engine_failure_as_error(script_executor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr("runbooks.services.runner.Runner.prepare", broken)
    execution, _ = _run([step("a", kind="script", command="ok")])
    assert execution.status == ExecutionStatus.ERROR and "boom" in execution.status_reason
    assert Execution.objects.filter(status=ExecutionStatus.RUNNING).count() == 0


def test_it_reaps_only_executions_whose_lease_ran_out() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from runbooks.services.execute import reap_expired_leases

    past, future = timezone.now() - timedelta(seconds=5), timezone.now() + timedelta(seconds=60)
    dead = execution_of({"steps": []}, status="running", lease_owner="w:1", lease_expires_at=past, heartbeat_at=past)
    alive = execution_of({"steps": []}, status="running", lease_owner="w:2", lease_expires_at=future)
    assert reap_expired_leases() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == ExecutionStatus.ERROR and "w:1 stopped renewing its lease" in dead.status_reason
    assert alive.status == ExecutionStatus.RUNNING
    assert AuditEvent.objects.filter(action="execution.reaped", object_id=str(dead.pk)).exists()
    # The dead worker, should it come back, cannot overwrite the verdict.
    from runbooks.services.runner import finish

    assert finish(dead, "w:1", ExecutionStatus.SUCCEEDED, "", {}) == "lost lease"
