"""Persistence and broadcast of step runs for one execution (used only from the runner thread).

Writes are batched by the runner into one transaction per loop turn, and broadcasts are queued and sent in one go
after that commit: with 50 targets finishing together, per-row commits and per-event event loops would otherwise
dominate the run.
"""

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
    """Creates a StepRun row per attempt, stores masked output in throttled batches, queues every change."""

    def __init__(self, execution: Execution) -> None:
        self.execution = execution
        self.rows: dict[tuple[int, int], StepRun] = {}
        self.buffers: dict[int, OutputBuffer] = {}
        self.outbox: list[dict[str, Any]] = []
        self.last_flush = 0.0

    def _row(self, unit: Unit, **fields: Any) -> StepRun:
        target = unit.action.target
        return StepRun(
            execution=self.execution,
            step_index=unit.index,
            step_name=unit.step.name,
            kind=unit.action.kind,
            target_id=target.id if target else None,
            target_name=target.name if target else "",
            **fields,
        )

    def settled(self, unit: Unit, status: str, outcome: Outcome, error: str) -> None:
        """A step run that never reached a target (skipped by its condition, or refused before running)."""
        now = timezone.now()
        row = self._row(
            unit,
            status=status,
            rendered=mask_text(unit.action.display, unit.action.secrets),
            error_kind=outcome.error_kind,
            error=mask_text(error, unit.action.secrets),
            started_at=now,
            finished_at=now,
            duration_seconds=0,
        )
        row.save(force_insert=True)
        self.announce(row)

    def start(self, unit: Unit, attempt: int) -> None:
        action = unit.action
        display = action.rollback_display if unit.phase == Phase.ROLLBACK else action.display
        row = self._row(
            unit,
            phase=unit.phase,
            attempt=attempt,
            status=StepRunStatus.RUNNING,
            rendered=mask_text(display, action.secrets),
            started_at=timezone.now(),
        )
        row.save(force_insert=True)
        self.rows[(unit.key, attempt)] = row
        self.buffers[row.pk] = OutputBuffer(settings.RUNBOOK_OUTPUT_LIMIT, action.secrets)
        self.announce(row)

    def output(self, unit: Unit, attempt: int, stream: str, text: str) -> None:
        self.buffers[self.rows[(unit.key, attempt)].pk].add(stream, text)

    def end(self, unit: Unit, attempt: int, outcome: Outcome, dropped: dict[str, int] | None = None) -> str:
        """Close the attempt's row (`dropped`: characters the attempt did not even hold); returns its status."""
        row = self.rows.pop((unit.key, attempt))
        buffer = self.buffers.pop(row.pk)
        buffer.close(dropped)
        self.flush_one(row.pk, buffer)
        if not outcome.error_kind:
            status = StepRunStatus.DRY_RUN if self.execution.dry_run else StepRunStatus.SUCCEEDED
        else:
            status = StepRunStatus.CANCELLED if outcome.error_kind == ErrorKind.CANCELLED else StepRunStatus.FAILED
        finished = timezone.now()
        changes = {
            "status": status,
            "exit_code": outcome.exit_code,
            "http_status": outcome.http_status,
            "error_kind": outcome.error_kind,
            "error": mask_text(outcome.error, unit.action.secrets),
            "finished_at": finished,
            "duration_seconds": (finished - row.started_at).total_seconds(),
            "output_truncated": buffer.truncated,
        }
        StepRun.objects.filter(pk=row.pk).update(**changes)
        for name, value in changes.items():
            setattr(row, name, value)
        self.announce(row)
        return status

    def announce(self, row: StepRun) -> None:
        state = live.step_run_state({name: getattr(row, name) for name in live.STEP_RUN_FIELDS})
        self.outbox.append({"type": "step_run", "step_run": state})

    def flush(self) -> None:
        """Store new output of running rows (the caller wraps it in a transaction, then calls send())."""
        for row_id, buffer in list(self.buffers.items()):
            self.flush_one(row_id, buffer)
        self.last_flush = time.monotonic()

    def flush_one(self, row_id: int, buffer: OutputBuffer) -> None:
        if not buffer.dirty:
            return
        StepRun.objects.filter(pk=row_id).update(
            stdout=buffer.text["stdout"], stderr=buffer.text["stderr"], output_truncated=buffer.truncated
        )
        buffer.dirty = False
        for stream, offset, text in buffer.unsent():
            event: dict[str, Any] = {"type": "output", "step_run": row_id, "stream": stream, "offset": offset}
            self.outbox.append({**event, "text": text})

    def send(self) -> None:
        """Broadcast everything queued (after the writes it describes were committed)."""
        if self.outbox:
            events, self.outbox = self.outbox, []
            live.broadcast_many(self.execution.pk, events)
