"""What the placement rules refuse in a runbook definition, before any value exists, each with its safe form.

Used when a runbook is saved (refused), planned and run (a plan problem: it cannot run), and to list runbooks saved
before these rules existed (admin, API `template_problems`, the `runbooks.W001` system check). Nothing is rewritten.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from runbooks.templating.engine import TemplateProblem, prepare
from runbooks.templating.shell import check_command
from runbooks.templating.web import check_body, check_header, check_url


@dataclass(frozen=True)
class Finding:
    """One refused placement: the step, the field (`command`, `url`, `headers.X`, `body`…) and why, with the fix."""

    step: str
    field: str
    problem: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def __str__(self) -> str:
        return f"step {self.step!r} {self.field}: {self.problem}"


def patterned(parameters: Any) -> frozenset[str]:
    """Names of declared parameters constrained by a `pattern` (the only values a raw placement may take)."""
    if not isinstance(parameters, list):
        return frozenset()
    return frozenset(p["name"] for p in parameters if isinstance(p, dict) and p.get("pattern") and p.get("name"))


def step_findings(step: dict[str, Any], parameters: Any) -> list[Finding]:
    """Every refused placement of one step definition."""
    allowed = patterned(parameters)
    name = str(step.get("name") or "")
    fields: list[tuple[str, str, list[str]]] = []
    if step.get("kind", "ssh") == "ssh":
        for key in ("command", "rollback_command"):
            source = str(step.get(key) or "")
            fields.append((key, source, check_command(source)))
    elif step.get("kind") == "http":
        url = str(step.get("url") or "")
        fields.append(("url", url, check_url(url, allowed) if url else []))
        headers = step.get("headers") if isinstance(step.get("headers"), dict) else {}
        for header, value in (headers or {}).items():
            fields.append((f"headers.{header}", str(value), check_header(str(header), str(value))))
        body = str(step.get("body") or "")
        fields.append(("body", body, check_body(body) if body else []))
    findings: list[Finding] = []
    for key, source, problems in fields:
        for problem in [*problems, *_raw_problems(source, allowed)]:
            findings.append(Finding(name, key, problem))
    return findings


def definition_findings(definition: dict[str, Any]) -> list[Finding]:
    """Every refused placement in a runbook definition (a version's stored definition)."""
    steps = definition.get("steps") if isinstance(definition, dict) else None
    parameters = definition.get("parameters") if isinstance(definition, dict) else None
    return [f for step in steps or [] if isinstance(step, dict) for f in step_findings(step, parameters)]


def _raw_problems(source: str, allowed: frozenset[str]) -> list[str]:
    """`|raw` exists only for a runbook parameter with a pattern, as the last filter of the placeholder."""
    try:
        placeholders = prepare(source).placeholders
    except TemplateProblem:
        return []  # the syntax problem is reported by the placement check
    problems = []
    for placeholder in placeholders:
        if placeholder.misplaced_raw:
            problems.append(
                f"{placeholder.tag}: `raw` may only end a placeholder of a runbook parameter, as in "
                "{{ params.NAME|raw }}"
            )
        elif placeholder.raw and placeholder.param not in allowed:
            what = f"parameter {placeholder.param!r} has no `pattern`" if placeholder.param else "not a parameter"
            problems.append(
                f"{placeholder.tag}: raw inserts a value as text, which only a runbook parameter with a `pattern` "
                f"may do ({what}). Safe form: drop |raw (the value is then placed safely), or declare the "
                "parameter with a pattern such as [A-Za-z0-9_.-]+"
            )
    return problems
