"""Persistence and broadcast of step runs for one execution (used only from the runner thread)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.utils import timezone

from remediation.redaction import mask_text
from runbooks.choices import ErrorKind, Phase, StepRunStatus
from runbooks.executors import Outcome
from runbooks.models import Execution, StepRun
from runbooks.services import live
from runbooks.services.attempts import OutputBuffer, Unit


class Recorder:
    """Creates a StepRun row per attempt, stores masked output in throttled batches and broadcasts every change."""

    def __init__(self, execution: Execution) -> None:
        self.execution = execution
        self.rows: dict[tuple[int, int], int] = {}
        self.buffers: dict[int, OutputBuffer] = {}
        self.last_flush = 0.0

    def settled(self, unit: Unit, status: str, outcome: Outcome, error: str) -> None:
        """A step run that never reached a target (skipped by its condition, or refused before running)."""
        target, now = unit.action.target, timezone.now()
        row = StepRun.objects.create(
            execution=self.execution, step_index=unit.index, step_name=unit.step["name"], kind=unit.action.kind,
            target_id=target.id if target else None, target_name=target.name if target else "", status=status,
            rendered=mask_text(unit.action.display, unit.action.secrets), error_kind=outcome.error_kind,
            error=mask_text(error, unit.action.secrets), started_at=now, finished_at=now, duration_seconds=0,
        )  # fmt: skip
        self.announce(row.pk)

    def start(self, unit: Unit, attempt: int) -> None:
        target, action = unit.action.target, unit.action
        display = action.rollback_display if unit.phase == Phase.ROLLBACK else action.display
        row = StepRun.objects.create(
            execution=self.execution, step_index=unit.index, step_name=unit.step["name"], kind=action.kind,
            phase=unit.phase, target_id=target.id if target else None, target_name=target.name if target else "",
            attempt=attempt, status=StepRunStatus.RUNNING, rendered=mask_text(display, action.secrets),
        )  # fmt: skip
        self.rows[(unit.key, attempt)] = row.pk
        self.buffers[row.pk] = OutputBuffer(settings.RUNBOOK_OUTPUT_LIMIT, action.secrets)
        self.announce(row.pk)

    def output(self, unit: Unit, attempt: int, stream: str, text: str) -> None:
        self.buffers[self.rows[(unit.key, attempt)]].add(stream, text)

    def end(self, unit: Unit, attempt: int, outcome: Outcome) -> str:
        """Close the attempt's row; returns its status."""
        row_id = self.rows[(unit.key, attempt)]
        buffer = self.buffers.pop(row_id)
        buffer.close()
        self.flush_one(row_id, buffer)
        if not outcome.error_kind:
            status = StepRunStatus.DRY_RUN if self.execution.dry_run else StepRunStatus.SUCCEEDED
        else:
            status = StepRunStatus.CANCELLED if outcome.error_kind == ErrorKind.CANCELLED else StepRunStatus.FAILED
        started = StepRun.objects.values_list("started_at", flat=True).get(pk=row_id)
        finished = timezone.now()
        StepRun.objects.filter(pk=row_id).update(
            status=status, exit_code=outcome.exit_code, http_status=outcome.http_status,
            error_kind=outcome.error_kind, error=mask_text(outcome.error, unit.action.secrets),
            finished_at=finished, duration_seconds=(finished - started).total_seconds(),
        )  # fmt: skip
        self.announce(row_id)
        return status

    def announce(self, row_id: int) -> None:
        state = live.step_run_state(StepRun.objects.values(*live.STEP_RUN_FIELDS).get(pk=row_id))
        live.broadcast(self.execution.pk, {"type": "step_run", "step_run": state})

    def flush(self) -> None:
        for row_id, buffer in list(self.buffers.items()):
            self.flush_one(row_id, buffer)
        self.last_flush = time.monotonic()

    def flush_one(self, row_id: int, buffer: OutputBuffer) -> None:
        """Store and broadcast new (already masked) output."""
        if not buffer.dirty:
            return
        StepRun.objects.filter(pk=row_id).update(
            stdout=buffer.text["stdout"], stderr=buffer.text["stderr"], output_truncated=buffer.truncated
        )
        buffer.dirty = False
        for stream, offset, text in buffer.unsent():
            event: dict[str, Any] = {"type": "output", "step_run": row_id, "stream": stream, "offset": offset}
            live.broadcast(self.execution.pk, {**event, "text": text})
