"""Validation of a model's analysis answer against the output schema; invalid answers are reported, not raised."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT = 5000
MAX_COMMANDS = 20
FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


@dataclass
class ParsedAnalysis:
    """The fields of a valid answer, the reasons an answer is invalid, and warnings (dropped parts)."""

    fields: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def _load(raw: str) -> Any:
    text = raw.strip()
    fenced = FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    return json.loads(text)


def _text(data: dict[str, Any], name: str, errors: list[str], *, required: bool = True) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        errors.append(f"{name}: expected a non-empty string")
        return ""
    return value.strip()[:MAX_TEXT]


def _commands(data: dict[str, Any], errors: list[str]) -> list[str]:
    value = data.get("verification_commands")
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        errors.append("verification_commands: expected a list of strings")
        return []
    return [c.strip()[:500] for c in value if c.strip()][:MAX_COMMANDS]


def _confidence(data: dict[str, Any], errors: list[str]) -> float | None:
    value = data.get("confidence")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or not 0 <= value <= 1:
        errors.append("confidence: expected a number between 0 and 1")
        return None
    return float(value)


def _recommendation(data: dict[str, Any], catalogue: set[str], parsed: ParsedAnalysis) -> dict[str, Any] | None:
    value = data.get("recommended_runbook")
    if value is None:
        return None
    params = value.get("params", {}) if isinstance(value, dict) else None
    if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not isinstance(params, dict):
        parsed.errors.append("recommended_runbook: expected null or {name, params}")
        return None
    if not all(isinstance(v, str | int | float | bool) for v in params.values()):
        parsed.errors.append("recommended_runbook.params: values must be strings, numbers or booleans")
        return None
    if value["name"] not in catalogue:
        # A made-up runbook is dropped (never offered), but the rest of the analysis stays useful.
        parsed.warnings.append(f"recommended runbook {value['name'][:100]!r} is not in the catalogue; dropped")
        return None
    reason = value.get("reason", "")
    return {"name": value["name"], "params": params, "reason": reason[:MAX_TEXT] if isinstance(reason, str) else ""}


def parse_analysis(raw: str, catalogue: set[str]) -> ParsedAnalysis:
    """Check an answer against the analysis schema; the recommended runbook must be one of `catalogue`."""
    parsed = ParsedAnalysis()
    try:
        data = _load(raw)
    except (json.JSONDecodeError, ValueError) as exc:
        parsed.errors.append(f"not JSON: {exc}")
        return parsed
    if not isinstance(data, dict):
        parsed.errors.append("expected a JSON object")
        return parsed
    errors = parsed.errors
    parsed.fields = {
        "summary": _text(data, "summary", errors),
        "probable_cause": _text(data, "probable_cause", errors),
        "impact": _text(data, "impact", errors),
        "verification_commands": _commands(data, errors),
        "recommendation": _recommendation(data, catalogue, parsed),
        "confidence": _confidence(data, errors),
    }
    return parsed
