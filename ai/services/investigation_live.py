"""What an investigation's WebSocket group hears: its state, transcript entries and commands, sent after commit."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from ai.models import CommandRequest, Investigation, InvestigationEntry

logger = logging.getLogger(__name__)

ENTRY_EVENT = "investigation.entry"
COMMAND_EVENT = "investigation.command"
STATUS_EVENT = "investigation.status"


def group_name(investigation_id: int) -> str:
    return f"investigation.{investigation_id}"


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def investigation_state(investigation: Investigation) -> dict[str, Any]:
    """Status, budgets and usage, and the finding: what the page header shows."""
    return {
        "id": investigation.pk,
        "goal": investigation.goal,
        "status": investigation.status,
        "end_reason": investigation.end_reason,
        "error": investigation.error,
        "provider_name": investigation.provider_name,
        "model": investigation.model,
        "budgets": {
            "max_steps": investigation.max_steps,
            "max_seconds": investigation.max_seconds,
            "max_tokens": investigation.max_tokens,
            "max_cost_usd": str(investigation.max_cost_usd),
        },
        "usage": {
            "steps": investigation.steps,
            "prompt_tokens": investigation.prompt_tokens,
            "completion_tokens": investigation.completion_tokens,
            "cost_usd": str(investigation.cost_usd),
        },
        "finding": investigation.finding,
        "started_at": _when(investigation.started_at),
        "finished_at": _when(investigation.finished_at),
    }


def entry_state(entry: InvestigationEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "seq": entry.seq,
        "kind": entry.kind,
        "content": entry.content,
        "tool": entry.tool,
        "arguments": entry.arguments,
        "tool_call_id": entry.tool_call_id,
        "created_at": _when(entry.created_at),
    }


def command_state(command: CommandRequest) -> dict[str, Any]:
    return {
        "id": command.pk,
        "server": command.server_id,
        "server_name": command.server_name,
        "command": command.command,
        "why": command.why,
        "status": command.status,
        "policy_reason": command.policy_reason,
        "decided_by": command.decided_by.get_username() if command.decided_by else None,
        "decided_at": _when(command.decided_at),
        "decision_reason": command.decision_reason,
        "exit_code": command.exit_code,
        "output": command.output,
        "output_truncated": command.output_truncated,
        "error": command.error,
        "started_at": _when(command.started_at),
        "finished_at": _when(command.finished_at),
    }


def snapshot(investigation: Investigation) -> dict[str, Any]:
    """Everything a (re)connecting client needs."""
    return {
        "type": "snapshot",
        "investigation": investigation_state(investigation),
        "entries": [entry_state(e) for e in investigation.entries.order_by("seq")],
        "commands": [command_state(c) for c in investigation.commands.select_related("decided_by")],
    }


def _send(investigation_id: int, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(investigation_id), {"type": "investigation.event", "event": event})
    except Exception:  # the database stays the source of truth; a reconnecting client gets the snapshot
        logger.warning("broadcast to investigation %s failed", investigation_id, exc_info=True)


def broadcast_after_commit(investigation_id: int, event: dict[str, Any]) -> None:
    """Send one (already redacted) event to the investigation's group once the transaction commits."""
    transaction.on_commit(lambda: _send(investigation_id, event))


def entry_added(entry: InvestigationEntry) -> None:
    broadcast_after_commit(entry.investigation_id, {"type": ENTRY_EVENT, "entry": entry_state(entry)})


def command_changed(command: CommandRequest) -> None:
    broadcast_after_commit(command.investigation_id, {"type": COMMAND_EVENT, "command": command_state(command)})


def status_changed(investigation: Investigation) -> None:
    broadcast_after_commit(
        investigation.pk, {"type": STATUS_EVENT, "investigation": investigation_state(investigation)}
    )
