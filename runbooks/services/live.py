"""Live output: what the execution WebSocket sends (snapshot and events) and the broadcast to its group."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import models

from remediation.templatetags.portal_times import format_instant
from runbooks.choices import FINISHED_STATUSES
from runbooks.models import Execution, StepRun

logger = logging.getLogger(__name__)

FINISHED = {s.value for s in FINISHED_STATUSES}

STEP_RUN_FIELDS = [
    "id",
    "step_index",
    "step_name",
    "kind",
    "phase",
    "target_id",
    "target_name",
    "attempt",
    "status",
    "rendered",
    "exit_code",
    "http_status",
    "output_truncated",
    "error_kind",
    "error",
    "started_at",
    "finished_at",
    "duration_seconds",
]


def group_name(execution_id: int) -> str:
    return f"execution.{execution_id}"


def execution_state(execution: Execution) -> dict[str, Any]:
    return {
        "id": execution.pk,
        "status": execution.status,
        "status_reason": execution.status_reason,
        "cancel_requested": execution.cancel_requested,
        "started_at": execution.started_at.isoformat() if execution.started_at else None,
        "finished_at": execution.finished_at.isoformat() if execution.finished_at else None,
        # The same text the page renders (one timestamp format, with the zone), so a live update matches a reload.
        "started_at_text": format_instant(execution.started_at) if execution.started_at else "",
        "finished_at_text": format_instant(execution.finished_at) if execution.finished_at else "",
        "duration_text": duration_text(execution.duration_seconds) if execution.finished_at else "",
    }


def duration_text(seconds: float | None) -> str:
    """`1 h 02 min 03 s`, `4 min 05 s`, `2.5 s`; empty for None."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min {secs:02d} s" if hours else f"{minutes} min {secs:02d} s"


def step_run_state(row: dict[str, Any]) -> dict[str, Any]:
    """A JSON-safe step run (output included only when present in `row`)."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def snapshot(execution: Execution) -> dict[str, Any]:
    """Everything a (re)connecting client needs: the execution and every step run with its output so far."""
    rows = StepRun.objects.filter(execution=execution).values(*STEP_RUN_FIELDS, "stdout", "stderr")
    return {
        "type": "snapshot",
        "execution": execution_state(execution),
        "step_runs": [step_run_state(row) for row in rows],
    }


def broadcast(execution_id: int, event: dict[str, Any]) -> None:
    """Send one (already redacted) event to the execution's group."""
    broadcast_many(execution_id, [event])


def broadcast_many(execution_id: int, events: list[dict[str, Any]]) -> None:
    """Send events in order with one event-loop round trip; a layer failure never breaks a run."""
    layer = get_channel_layer()
    if layer is None or not events:
        return
    group = group_name(execution_id)

    async def send_all() -> None:
        for event in events:
            await layer.group_send(group, {"type": "execution.event", "event": event})

    try:
        async_to_sync(send_all)()
    except Exception:  # the database remains the source of truth; the consumer tails it
        logger.warning("broadcast to execution %s failed", execution_id, exc_info=True)


def changes_since(
    execution_id: int, last_id: int, running: list[int], offsets: dict[int, dict[str, int]]
) -> list[dict[str, Any]]:
    """Events for what the database holds beyond a client's cursor (new rows, status changes, new output)."""
    execution = Execution.objects.filter(pk=execution_id).first()
    if execution is None:
        return []
    # Read the status before the rows but send it after them: a finished status then never precedes its output.
    status = {"type": "status", "execution": execution_state(execution)}
    events: list[dict[str, Any]] = []
    rows = StepRun.objects.filter(execution_id=execution_id).filter(models.Q(pk__gt=last_id) | models.Q(pk__in=running))
    for row in rows.values(*STEP_RUN_FIELDS, "stdout", "stderr"):
        texts = {"stdout": row.pop("stdout"), "stderr": row.pop("stderr")}
        state = {"type": "step_run", "step_run": step_run_state(row)}
        # A new row is announced before its output; a known row's final status follows its last output.
        row_events: list[dict[str, Any]] = [] if row["id"] <= last_id else [state]
        for stream, text in texts.items():
            sent = offsets.get(row["id"], {}).get(stream, 0)
            if len(text) > sent:
                row_events.append(
                    {"type": "output", "step_run": row["id"], "stream": stream, "offset": sent, "text": text[sent:]}
                )
        events += row_events if row["id"] > last_id else [*row_events, state]
    return [*events, status]
