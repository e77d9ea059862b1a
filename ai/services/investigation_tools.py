"""The tools an investigation's model may call, and the read-only ones answered at once (as data, redacted).

`run_command` is handled by `investigation_commands` (policy, approval, SSH); `finish` by the loop. No tool
changes policy, approves anything or reaches a server except through those paths.
"""

from __future__ import annotations

import json
from typing import Any

from ai.catalogue import runbook_catalogue
from ai.context import alert_context
from ai.models import Investigation
from ai.privacy import redact
from alerts.models import Alert
from remediation.actors import Actor
from remediation.grants import can_run_on
from remediation.models import Server
from remediation.redaction import mask_text
from runbooks.choices import Trigger
from runbooks.models import Execution, Runbook, StepRun
from runbooks.services.execute import ExecutionRefused, request_execution

RUN_COMMAND = "run_command"
FINISH = "finish"
ALERT_LIMIT = 20


def _tool(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }


TEXT = {"type": "string"}
TOOLS: list[dict[str, Any]] = [
    _tool(
        RUN_COMMAND,
        "Run one shell command on one server. Read-only allow-listed commands may run at once; anything else waits "
        "for a person to approve this exact command. Prefer plain commands without pipes or redirections.",
        {"server": TEXT, "command": TEXT, "why": TEXT},
        ["server", "command", "why"],
    ),
    _tool("read_runbook", "Read a runbook's description, parameters and steps.", {"name": TEXT}, ["name"]),
    _tool(
        "query_alerts",
        "Alerts received, newest first; optionally only those with this alertname, instance or status.",
        {"alertname": TEXT, "instance": TEXT, "status": TEXT},
        [],
    ),
    _tool(
        "alert_history",
        "Context of an alert: its labels, earlier episodes, related firing alerts.",
        {"alert_id": {"type": "integer"}},
        ["alert_id"],
    ),
    _tool(
        "get_execution_output",
        "The status and output of a runbook execution.",
        {"execution_id": {"type": "integer"}},
        ["execution_id"],
    ),
    _tool(
        "propose_runbook",
        "Propose a runbook run; it needs a person's approval in the normal approval queue before anything runs.",
        {"runbook": TEXT, "params": {"type": "object"}, "servers": {"type": "array", "items": TEXT}, "why": TEXT},
        ["runbook"],
    ),
    _tool(
        FINISH,
        "End the investigation with the finding.",
        {
            "summary": TEXT,
            "evidence": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"command": TEXT, "server": TEXT, "observation": TEXT},
                },
            },
            "likely_cause": TEXT,
            "recommendation": {
                "type": "object",
                "properties": {"runbook": TEXT, "params": {"type": "object"}, "next_step": TEXT},
            },
        },
        ["summary", "likely_cause"],
    ),
]


class ToolProblem(Exception):
    """A tool call the model got wrong (unknown name, bad arguments); told back to it as the tool result."""


def parse_arguments(raw: str) -> dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        raise ToolProblem(f"arguments are not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ToolProblem("arguments must be a JSON object")
    return data


def as_text(data: Any, secrets: list[str]) -> str:
    """Tool output as JSON text, with sensitive labels and secrets masked."""
    return json.dumps(redact(data, secrets=secrets), default=str, indent=1)[:20000]


def read_runbook(args: dict[str, Any]) -> dict[str, Any]:
    runbook = Runbook.objects.filter(name=str(args.get("name", "")), enabled=True).first()
    if runbook is None:
        raise ToolProblem(
            f"no enabled runbook named {args.get('name')!r}; known: {[r['name'] for r in runbook_catalogue()]}"
        )
    return {
        "name": runbook.name,
        "description": runbook.description,
        "parameters": runbook.parameters,
        "steps": runbook.steps,
    }


def query_alerts(args: dict[str, Any]) -> list[dict[str, Any]]:
    rows = Alert.objects.order_by("-last_received_at")
    if args.get("alertname"):
        rows = rows.filter(alertname=str(args["alertname"]))
    if args.get("instance"):
        rows = rows.filter(labels__instance=str(args["instance"]))
    if args.get("status"):
        rows = rows.filter(status=str(args["status"]))
    return [
        {
            "id": a.pk,
            "alertname": a.alertname,
            "status": a.status,
            "severity": a.severity,
            "labels": a.labels,
            "summary": a.summary,
            "starts_at": a.starts_at,
            "ends_at": a.ends_at,
        }
        for a in rows[:ALERT_LIMIT]
    ]


def _id(args: dict[str, Any], key: str) -> int:
    value = args.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ToolProblem(f"{key} must be a number")
    return int(value)


def alert_history(args: dict[str, Any]) -> dict[str, Any]:
    alert = Alert.objects.filter(pk=_id(args, "alert_id")).first()
    if alert is None:
        raise ToolProblem("no such alert")
    return alert_context(alert)


def execution_output(args: dict[str, Any]) -> dict[str, Any]:
    execution = Execution.objects.select_related("runbook").filter(pk=_id(args, "execution_id")).first()
    if execution is None:
        raise ToolProblem("no such execution")
    steps = StepRun.objects.filter(execution=execution).order_by("id")
    return {
        "id": execution.pk,
        "runbook": execution.runbook.name,
        "status": execution.status,
        "status_reason": execution.status_reason,
        "steps": [
            {
                "step": s.step_name,
                "target": s.target_name,
                "status": s.status,
                "exit_code": s.exit_code,
                "stdout": s.stdout[-4000:],
                "stderr": s.stderr[-2000:],
                "error": s.error,
            }
            for s in steps
        ],
    }


def propose_runbook(investigation: Investigation, args: dict[str, Any]) -> dict[str, Any]:
    """A normal execution request in the requester's name, always held for an approver (never straight to a server)."""
    runbook = Runbook.objects.filter(name=str(args.get("runbook", ""))).first()
    if runbook is None:
        raise ToolProblem(f"no runbook named {args.get('runbook')!r}")
    params = args.get("params") or {}
    if not isinstance(params, dict):
        raise ToolProblem("params must be an object")
    names = [str(n) for n in args.get("servers") or [] if isinstance(n, str | int)][:50]
    if not names and investigation.server is not None:
        names = [investigation.server.name]
    known = dict(Server.objects.filter(name__in=names).values_list("name", "pk"))
    user = investigation.requested_by
    if user is None:
        raise ToolProblem("the person who started this investigation no longer exists")
    try:
        execution = request_execution(
            runbook,
            actor=Actor.of(user),
            params={str(k): v for k, v in params.items() if isinstance(v, str | int | float | bool)},
            target_ids=[known.get(n, n) for n in names],
            trigger=Trigger.CHAT,
            alert=investigation.alert.run_context() if investigation.alert is not None else None,
            require_approval=True,
        )
    except ExecutionRefused as exc:
        return {"requested": False, "refused": mask_text(str(exc))[:2000]}
    return {
        "requested": True,
        "execution_id": execution.pk,
        "status": execution.status,
        "note": "It waits in the approval queue; a person decides.",
    }


def resolve_server(investigation: Investigation, name: str) -> Server | None:
    """The enabled server the model named, if the investigation's requester may run commands on it."""
    server = Server.objects.filter(name=name, enabled=True).first()
    if server is None or investigation.requested_by is None:
        return None
    return server if can_run_on(investigation.requested_by, server) else None
