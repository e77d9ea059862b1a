"""Template variables of a step: params, alert, target, earlier step results and captured variables."""

from __future__ import annotations

import re
from typing import Any

from runbooks.specs import ParameterSpec
from runbooks.targets import Target

SCALARS = (str, int, float, bool)


def resolve_params(declared: tuple[ParameterSpec, ...], given: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Apply defaults, then check required values, patterns and unknown names; returns (values, problems)."""
    problems: list[str] = []
    if not isinstance(given, dict):
        return {}, ["params must be a mapping"]
    names = {item.name for item in declared}
    problems += [f"unknown parameter {name!r}" for name in sorted(set(given) - names)]
    values: dict[str, Any] = {}
    for item in declared:
        name = item.name
        value = given.get(name, item.default)
        if value is None or value == "":
            if item.required:
                problems.append(f"parameter {name!r} is required")
            values[name] = "" if value is None else value
            continue
        if not isinstance(value, SCALARS):
            problems.append(f"parameter {name!r} must be a string, number or boolean")
            continue
        pattern = item.pattern
        if pattern and not re.fullmatch(pattern, str(value)):
            problems.append(f"parameter {name!r} does not match {pattern!r}")
        values[name] = value
    return values, problems


def alert_context(alert: dict[str, Any] | None) -> dict[str, Any]:
    alert = alert or {}
    return {
        "labels": dict(alert.get("labels") or {}),
        "annotations": dict(alert.get("annotations") or {}),
        "status": alert.get("status", ""),
        "fingerprint": alert.get("fingerprint", ""),
    }


def variables(
    *,
    params: dict[str, Any],
    alert: dict[str, Any] | None,
    target: Target | None,
    steps: dict[str, dict[str, Any]],
    captured: dict[str, Any],
    execution_id: int | None = None,
) -> dict[str, Any]:
    """The full template context of one step on one target."""
    return {
        "params": params,
        "alert": alert_context(alert),
        "target": target.context() if target else {},
        "steps": steps,
        "vars": captured,
        "execution": {"id": execution_id},
    }


def placeholder_result(name: str) -> dict[str, Any]:
    """What the plan shows for an earlier step's result, which only exists at run time."""
    return {
        "stdout": f"<steps.{name}.stdout>",
        "output": f"<steps.{name}.output>",
        "exit_code": 0,
        "http_status": 200,
        "status": "succeeded",
    }
