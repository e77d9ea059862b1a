"""Plan / dry-run: render every step for every target and check the policy, opening no connection at all."""

from __future__ import annotations

from typing import Any

from remediation.redaction import mask_data, mask_text
from runbooks.choices import StepKind
from runbooks.executors import Action, get_executor
from runbooks.models import Runbook, RunbookVersion
from runbooks.policy import active_rules, check_commands
from runbooks.services.context import placeholder_result, resolve_params, variables
from runbooks.services.scope import PLAN_PERM, check_scope
from runbooks.targets import Target, resolve_targets
from runbooks.templating.engine import placeholders_of
from runbooks.templating.safety import definition_findings


def step_targets(step: dict[str, Any], targets: list[Target]) -> list[Target | None]:
    """SSH steps run on every target; other kinds on every target, or once when `once` is set or none are given."""
    if step["kind"] == StepKind.SSH:
        return list(targets)
    if step.get("once") or not targets:
        return [None]
    return list(targets)


def check_action(action: Action, allowed: list[str], rules: list[Any] | None = None) -> list[str]:
    """Problems that must stop an action from running: render problems, policy, target readiness."""
    problems = list(action.problems)
    problems += [str(v) for v in check_commands(action.commands, allowed, rules)]
    target = action.target
    if action.kind == StepKind.SSH and target is not None and not target.host_key_pinned:
        problems.append(f"target {target.name!r} has no pinned SSH host key")
    return problems


def plan_definition(
    definition: dict[str, Any], *, params: dict[str, Any], target_ids: list[Any], alert: dict[str, Any] | None
) -> dict[str, Any]:
    """The rendered plan (secrets masked) and every problem found; `ok` is False when anything would block."""
    values, problems = resolve_params(definition.get("parameters") or [], params)
    # Placements the rules refuse (a version saved before them, too) are problems: such a runbook cannot run.
    problems += [str(finding) for finding in definition_findings(definition)]
    targets, target_problems = resolve_targets(target_ids)
    problems += target_problems
    rules = active_rules()
    allowed = definition.get("allowed_policy_rules") or []
    earlier: dict[str, dict[str, Any]] = {}
    captured: dict[str, Any] = {}
    steps = []
    for index, step in enumerate(definition.get("steps") or []):
        executor = get_executor(step["kind"])
        entry = {
            "index": index,
            "name": step["name"],
            "kind": step["kind"],
            "condition": step.get("condition", ""),
            "on_failure": step.get("on_failure", "stop"),
            "raw": uses_raw(step),
            "runs": [],
        }
        if step["kind"] == StepKind.SSH and not targets:
            problems.append(f"step {step['name']!r}: an ssh step needs at least one target")
        for target in step_targets(step, targets):
            context = variables(params=values, alert=alert, target=target, steps=earlier, captured=captured)
            action = executor.plan(step, context, target)
            run_problems = check_action(action, allowed, rules)
            entry["runs"].append(
                {
                    "target": target.name if target else None,
                    "target_id": target.id if target else None,
                    "rendered": mask_text(action.display, action.secrets),
                    "rollback": mask_text(action.rollback_display, action.secrets),
                    **shown_values(action),
                    "problems": run_problems,
                }
            )
            where = f" on {target.name!r}" if target else ""
            problems += [f"step {step['name']!r}{where}: {p}" for p in run_problems]
        earlier[step["name"]] = placeholder_result(step["name"])
        if step.get("capture_as"):
            captured[step["capture_as"]] = f"<vars.{step['capture_as']}>"
        steps.append(entry)
    return {
        "ok": not problems,
        "problems": problems,
        "params": mask_data(values),
        "targets": [{"id": t.id, "name": t.name} for t in targets],
        "raw_steps": [s["name"] for s in steps if s["raw"]],
        "steps": steps,
    }


def shown_values(action: Action) -> dict[str, Any]:
    """What the approver sees of each substituted value: the display in marked pieces and a table of values."""
    secrets = action.secrets
    substitutions = [{**s, "value": mask_text(s["value"], secrets)} for s in action.substitutions]
    return {
        "segments": masked_segments(action.segments, action.display, secrets),
        "rollback_segments": masked_segments(action.rollback_segments, action.rollback_display, secrets),
        "substitutions": substitutions,
    }


def masked_segments(segments: list[tuple[str, str | None]], display: str, secrets: tuple[str, ...]) -> list[Any]:
    """[[text, label or null], …] with secrets masked; unmarked when a secret spans pieces (masking wins)."""
    pieces = [[mask_text(text, secrets), label] for text, label in segments]
    if "".join(mask_text(text, secrets) for text, _ in segments) != mask_text(display, secrets):
        return [[mask_text(display, secrets), None]] if display else []
    return pieces


def uses_raw(step: dict[str, Any]) -> bool:
    """True when a template of the step inserts a parameter as text (`{{ params.X|raw }}`; the plan flags it)."""
    sources = [step.get(k) or "" for k in ("command", "rollback_command", "url", "body")]
    sources += list((step.get("headers") or {}).values()) if isinstance(step.get("headers"), dict) else []
    return any(placeholder.raw for source in sources for placeholder in placeholders_of(str(source)))


def rendered_commands(plan: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What a plan would run, step by step and target by target (the part an approver approves)."""
    return [
        (step["name"], run["target_id"], run["rendered"], run["rollback"])
        for step in plan.get("steps") or []
        for run in step.get("runs") or []
    ]


def latest_version(runbook: Runbook) -> RunbookVersion:
    version = runbook.versions.order_by("-number").first()
    if version is None:
        raise ValueError(f"runbook {runbook} has no saved version")
    return version


def plan_runbook(
    runbook: Runbook,
    *,
    params: dict[str, Any] | None = None,
    target_ids: list[Any] | None = None,
    alert: dict[str, Any] | None = None,
    actor: Any = None,
) -> dict[str, Any]:
    """Plan the runbook's current version (read-only: nothing is stored, nothing is contacted).

    A person (`actor`) may plan only on targets they hold a grant for (OutOfScope otherwise): a plan shows the
    targets' addresses and the commands that would run there.
    """
    check_scope(actor, list(target_ids or []), perm=PLAN_PERM)
    definition = latest_version(runbook).definition
    return plan_definition(definition, params=params or {}, target_ids=target_ids or [], alert=alert)
