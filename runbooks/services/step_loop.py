"""The step loop of a claimed execution: steps in order, each step's targets fanned out to a bounded pool.

Only the runner's thread touches the database; pool threads run attempts and report through a queue. That keeps
SQLite writes serial, makes output batching (throttled broadcasts) trivial, and lets one place watch the cancel
flag, the lease and the runbook deadline. Claiming and finishing the execution live in `runner`.
"""

from __future__ import annotations

import itertools
import queue
import re
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from remediation.redaction import mask_data
from runbooks.choices import ErrorKind, ExecutionStatus, OnFailure, Phase, StepRunStatus
from runbooks.executors import DryRunExecutor, Executor, Outcome, get_executor
from runbooks.models import Execution
from runbooks.policy import active_rules
from runbooks.services.attempts import Unit, run_unit
from runbooks.services.context import resolve_params, variables
from runbooks.services.plan import check_action, step_targets
from runbooks.services.recorder import Recorder
from runbooks.specs import StepSpec
from runbooks.targets import Target, resolve_targets
from runbooks.templating import TemplateProblem, evaluate
from runbooks.templating.safety import definition_findings

POLL, CONTROL_EVERY, FLUSH_EVERY, ABORT_GRACE = 0.2, 0.5, 0.3, 3.0


class Runner:
    """Steps in order; the targets of a step in parallel in a bounded pool; persistence in this thread."""

    def __init__(self, execution: Execution, owner: str) -> None:
        self.execution, self.owner = execution, owner
        self.spec = execution.version.spec
        self.events: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.cancel = threading.Event()
        self.stop_reason = ""
        self.deadline = time.monotonic() + self.spec.timeout_seconds
        parallel = min(self.spec.max_parallel, settings.RUNBOOK_MAX_PARALLEL)
        self.pool = ThreadPoolExecutor(max_workers=max(1, min(parallel, len(execution.target_ids) or 1)))
        self.keys = itertools.count(1)
        self.active: list[Unit] = []
        self.recorder = Recorder(execution)
        self.resources: dict[Any, Any] = {}  # per-execution cache for executors' prepare()
        self.results: dict[str, dict[int | None, dict[str, Any]]] = {}
        self.captured: dict[int | None, dict[str, Any]] = {}
        self.completed: list[Unit] = []
        self.params: dict[str, Any] = {}
        self.last_control = 0.0
        self.last_beat = time.monotonic()

    def run(self) -> tuple[str, str]:
        targets, problems = resolve_targets(self.execution.target_ids)
        self.params, param_problems = resolve_params(self.spec.parameters, self.execution.params)
        # e.g. queued before an upgrade
        unsafe = [str(finding) for finding in definition_findings(self.execution.version.definition)]
        if problems or param_problems or unsafe:
            return ExecutionStatus.FAILED, "; ".join(problems + param_problems + unsafe)
        tolerated: list[str] = []
        for index, step in enumerate(self.spec.steps):
            self.tick()  # cancel, lease and deadline are also honoured between steps (even all-skipped ones)
            if self.stop_reason:
                break
            with transaction.atomic():
                units, failed = self.prepare(index, step, targets)
            self.recorder.send()
            self.run_units(units, self.deadline)
            if self.stop_reason:
                break
            failed += [u for u in units if u.outcome is None or u.outcome.error_kind]
            self.completed += [u for u in units if u.outcome is not None and not u.outcome.error_kind]
            if not failed:
                continue
            where = ", ".join(sorted({u.action.target.name if u.action.target else "-" for u in failed}))
            summary = f"step {step.name!r} failed on {where}"
            if step.on_failure == OnFailure.CONTINUE:
                tolerated.append(summary)
            elif step.on_failure == OnFailure.ROLLBACK:
                return ExecutionStatus.FAILED, f"{summary}; {self.rollback()}"
            else:
                return ExecutionStatus.FAILED, summary
        return self.final(tolerated)

    def final(self, tolerated: list[str]) -> tuple[str, str]:
        if self.stop_reason == "cancel":
            return ExecutionStatus.CANCELLED, "cancelled on request"
        if self.stop_reason == "timeout":
            return ExecutionStatus.FAILED, f"runbook timeout of {self.spec.timeout_seconds:g}s exceeded"
        if self.stop_reason == "lease":
            return ExecutionStatus.ERROR, "this worker lost the execution's lease"
        return ExecutionStatus.SUCCEEDED, (
            "tolerated (on_failure=continue): " + "; ".join(tolerated)
        ) if tolerated else ""

    def executor(self, kind: str) -> Executor:
        executor = get_executor(kind)
        return DryRunExecutor(executor) if self.execution.dry_run else executor

    def context(self, target: Target | None) -> dict[str, Any]:
        key = target.id if target else None
        steps = {
            name: by_target.get(key) or by_target.get(None) or _skipped() for name, by_target in self.results.items()
        }
        captured = {**self.captured.get(None, {}), **self.captured.get(key, {})}
        return variables(
            params=self.params,
            alert=self.execution.alert,
            target=target,
            steps=steps,
            captured=captured,
            execution_id=self.execution.pk,
        )

    def prepare(self, index: int, step: StepSpec, targets: list[Target]) -> tuple[list[Unit], list[Unit]]:
        """Condition, rendering and the policy (checked again right before running); returns (to run, failed)."""
        executor, rules = self.executor(step.kind), active_rules()
        allowed = self.spec.allowed_policy_rules
        runnable: list[Unit] = []
        failed: list[Unit] = []
        for target in step_targets(step, targets):
            context = self.context(target)
            action = executor.plan(step, context, target)
            unit = Unit(key=next(self.keys), index=index, executor=executor, action=action)
            try:
                wanted = evaluate(step.condition, context) if step.condition else True
            except TemplateProblem as exc:
                wanted, action.problems = True, [*action.problems, str(exc)]
            if not wanted:
                self.recorder.settled(unit, StepRunStatus.SKIPPED, Outcome(), "condition is false")
                self.remember(unit, StepRunStatus.SKIPPED)
                continue
            problems = check_action(action, allowed, rules)
            if problems:
                kind = ErrorKind.POLICY if any("command policy" in p for p in problems) else ErrorKind.TEMPLATE
                unit.outcome = Outcome(error_kind=kind, error="; ".join(problems))
                self.recorder.settled(unit, StepRunStatus.FAILED, unit.outcome, unit.outcome.error)
                self.remember(unit, StepRunStatus.FAILED)
                failed.append(unit)
                continue
            try:
                executor.prepare(action, self.resources, f"execution #{self.execution.pk}")
            except Exception as exc:  # no credential, undecryptable secret, server deleted meanwhile
                unit.outcome = Outcome(error_kind=ErrorKind.TARGET, error=f"{type(exc).__name__}: {exc}")
                self.recorder.settled(unit, StepRunStatus.FAILED, unit.outcome, unit.outcome.error)
                self.remember(unit, StepRunStatus.FAILED)
                failed.append(unit)
                continue
            unit.future = self.pool.submit(run_unit, unit, self.events, self.cancel, self.deadline)
            runnable.append(unit)
        return runnable, failed

    def remember(self, unit: Unit, status: str) -> None:
        """Make this result visible to later steps as steps.<name>.* and vars.<capture_as>."""
        key = unit.action.target.id if unit.action.target else None
        outcome = unit.outcome or Outcome()
        output = unit.output[: settings.RUNBOOK_OUTPUT_LIMIT]
        captured = _capture(unit.step, output)
        self.results.setdefault(unit.step.name, {})[key] = {
            "stdout": output,
            "output": captured,
            "exit_code": outcome.exit_code,
            "http_status": outcome.http_status,
            "status": status,
        }
        if unit.step.capture_as and status in {StepRunStatus.SUCCEEDED, StepRunStatus.DRY_RUN}:
            self.captured.setdefault(key, {})[unit.step.capture_as] = captured

    def run_units(self, units: list[Unit], deadline: float) -> None:
        """Run units in the pool while this thread records their events, flushes output and watches control."""
        self.active = units
        futures: list[Future[None]] = []
        for unit in units:  # step units were submitted as soon as they were prepared; rollback units start here
            if unit.future is None:
                unit.future = self.pool.submit(run_unit, unit, self.events, self.cancel, deadline)
            futures.append(unit.future)
        by_key = {unit.key: unit for unit in units}
        while True:
            finished = all(f.done() for f in futures)
            batch = self.drain(0 if finished else POLL)
            if not batch and finished:
                break
            if batch:
                with transaction.atomic():  # one commit per loop turn, however many targets reported
                    for event in batch:
                        self.handle(by_key[event[1]], event)
            self.tick()
            self.recorder.send()
        for future in futures:
            future.result()
        with transaction.atomic():
            self.recorder.flush()
        self.recorder.send()
        self.active = []

    def drain(self, wait: float) -> list[tuple[Any, ...]]:
        """Every event reported so far (waiting up to `wait` seconds for the first one)."""
        try:
            batch = [self.events.get(timeout=wait)]
        except queue.Empty:
            return []
        while True:
            try:
                batch.append(self.events.get_nowait())
            except queue.Empty:
                return batch

    def handle(self, unit: Unit, event: tuple[Any, ...]) -> None:
        kind, _, attempt = event[:3]
        if kind == "start":
            self.recorder.start(unit, attempt)
        elif kind == "output":
            self.recorder.output(unit, attempt, event[3], event[4])
        elif kind == "end":
            status = self.recorder.end(unit, attempt, event[3], event[4] if len(event) > 4 else None)
            if unit.phase == Phase.RUN:
                self.remember(unit, status)

    def tick(self) -> None:
        now = time.monotonic()
        if now - self.recorder.last_flush >= FLUSH_EVERY:
            self.recorder.flush()
        if now >= self.deadline:
            self.stop("timeout")
        for unit in self.active:
            if unit.io is not None and unit.deadline and now > unit.deadline + ABORT_GRACE:
                unit.io.abort()  # backstop: an executor that ignores its own timeout is cut off
        if now - self.last_control >= CONTROL_EVERY:
            self.control(now)

    def control(self, now: float) -> None:
        """Cancel flag and lease ownership (read), heartbeat (write)."""
        self.last_control = now
        row = Execution.objects.filter(pk=self.execution.pk).values("cancel_requested", "status", "lease_owner").first()
        if row is None or row["status"] != ExecutionStatus.RUNNING or row["lease_owner"] != self.owner:
            self.stop("lease")
            return
        if row["cancel_requested"]:
            self.stop("cancel")
        if now - self.last_beat >= settings.RUNBOOK_LEASE_SECONDS / 4:
            self.last_beat = now
            moment = timezone.now()
            Execution.objects.filter(
                pk=self.execution.pk, status=ExecutionStatus.RUNNING, lease_owner=self.owner
            ).update(heartbeat_at=moment, lease_expires_at=moment + timedelta(seconds=settings.RUNBOOK_LEASE_SECONDS))

    def stop(self, reason: str) -> None:
        """First reason wins; closes every live channel so blocking commands end within seconds."""
        if self.stop_reason:
            return
        self.stop_reason = reason
        self.cancel.set()
        for unit in self.active:
            if unit.io is not None:
                unit.io.abort()

    def rollback(self) -> str:
        """Undo completed steps in reverse order (each target that completed it), recording rows."""
        indexes = sorted({u.index for u in self.completed if u.action.rollback_payload}, reverse=True)
        failures = 0
        for index in indexes:
            units = [
                Unit(key=next(self.keys), index=index, executor=u.executor, action=u.action, phase=Phase.ROLLBACK)
                for u in self.completed
                if u.index == index and u.action.rollback_payload
            ]
            timeout = max(u.step.timeout_seconds for u in units)
            self.run_units(units, time.monotonic() + timeout + ABORT_GRACE)
            failures += sum(1 for u in units if u.outcome is None or u.outcome.error_kind)
        done = f"rolled back {len(indexes)} step(s)"
        return done + (f", {failures} rollback(s) failed" if failures else "")

    def stored_variables(self) -> dict[str, Any]:
        names: dict[int | None, str] = {None: "*"}
        masked: dict[str, Any] = mask_data({names.get(k, str(k)): v for k, v in self.captured.items()})
        return masked


def _capture(step: StepSpec, output: str) -> str:
    """The captured value: the first group of output_pattern when it has one, else the stripped output."""
    if step.output_pattern:
        match = re.search(step.output_pattern, output)
        if match and match.groups():
            return match.group(1) or ""
    return output.strip()


def _skipped() -> dict[str, Any]:
    return {"stdout": "", "output": "", "exit_code": None, "http_status": None, "status": StepRunStatus.SKIPPED}
