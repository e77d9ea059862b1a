"""Plan / dry-run: render every step for every target and check the policy, opening no connection at all."""

from __future__ import annotations

from typing import Any

from remediation.actors import Actor
from remediation.redaction import mask_data, mask_text
from runbooks.choices import StepKind
from runbooks.executors import Action, get_executor
from runbooks.models import Runbook, RunbookVersion
from runbooks.policy import active_rules, check_commands
from runbooks.services.context import placeholder_result, resolve_params, variables
from runbooks.services.scope import PLAN_PERM, check_scope
from runbooks.specs import Plan, PlanRun, PlanStep, PlanTarget, Segments, StepSpec
from runbooks.targets import Target, resolve_targets
from runbooks.templating.engine import placeholders_of
from runbooks.templating.safety import definition_findings


def step_targets(step: StepSpec, targets: list[Target]) -> list[Target | None]:
    """SSH steps run on every target; other kinds on every target, or once when `once` is set or none are given."""
    if step.kind == StepKind.SSH:
        return list(targets)
    if step.once or not targets:
        return [None]
    return list(targets)


def check_action(action: Action, allowed: tuple[str, ...], rules: list[Any] | None = None) -> list[str]:
    """Problems that must stop an action from running: render problems, policy, target readiness."""
    problems = list(action.problems)
    problems += [str(v) for v in check_commands(action.commands, list(allowed), rules)]
    target = action.target
    if action.kind == StepKind.SSH and target is not None and not target.host_key_pinned:
        problems.append(f"target {target.name!r} has no pinned SSH host key")
    return problems


def plan_version(
    version: RunbookVersion, *, params: dict[str, Any], target_ids: list[Any], alert: dict[str, Any] | None
) -> Plan:
    """The rendered plan (secrets masked) and every problem found; `ok` is False when anything would block."""
    spec = version.spec
    values, problems = resolve_params(spec.parameters, params)
    # Placements the rules refuse (a version saved before them, too) are problems: such a runbook cannot run.
    problems += [str(finding) for finding in definition_findings(version.definition)]
    targets, target_problems = resolve_targets(target_ids)
    problems += target_problems
    rules = active_rules()
    earlier: dict[str, dict[str, Any]] = {}
    captured: dict[str, Any] = {}
    steps: list[PlanStep] = []
    for index, step in enumerate(spec.steps):
        executor = get_executor(step.kind)
        if step.kind == StepKind.SSH and not targets:
            problems.append(f"step {step.name!r}: an ssh step needs at least one target")
        runs: list[PlanRun] = []
        for target in step_targets(step, targets):
            context = variables(params=values, alert=alert, target=target, steps=earlier, captured=captured)
            action = executor.plan(step, context, target)
            runs.append(planned_run(action, check_action(action, spec.allowed_policy_rules, rules)))
            where = f" on {target.name!r}" if target else ""
            problems += [f"step {step.name!r}{where}: {p}" for p in runs[-1].problems]
        earlier[step.name] = placeholder_result(step.name)
        if step.capture_as:
            captured[step.capture_as] = f"<vars.{step.capture_as}>"
        steps.append(plan_step(index, step, runs))
    return Plan(
        ok=not problems,
        problems=tuple(problems),
        params=mask_data(values),
        targets=tuple(PlanTarget(id=t.id, name=t.name) for t in targets),
        raw_steps=tuple(s.name for s in steps if s.raw),
        steps=tuple(steps),
    )


def plan_step(index: int, step: StepSpec, runs: list[PlanRun]) -> PlanStep:
    return PlanStep(
        index=index,
        name=step.name,
        kind=step.kind,
        condition=step.condition,
        on_failure=step.on_failure,
        raw=uses_raw(step),
        runs=tuple(runs),
    )


def planned_run(action: Action, problems: list[str]) -> PlanRun:
    """What the approver sees of one action: the display in marked pieces and a table of values, secrets masked."""
    secrets, target = action.secrets, action.target
    return PlanRun(
        target=target.name if target else None,
        target_id=target.id if target else None,
        rendered=mask_text(action.display, secrets),
        rollback=mask_text(action.rollback_display, secrets),
        segments=masked_segments(action.segments, action.display, secrets),
        rollback_segments=masked_segments(action.rollback_segments, action.rollback_display, secrets),
        substitutions=tuple({**s, "value": mask_text(s["value"], secrets)} for s in action.substitutions),
        problems=tuple(problems),
    )


def masked_segments(segments: list[tuple[str, str | None]], display: str, secrets: tuple[str, ...]) -> Segments:
    """(text, label or None) pieces with secrets masked; unmarked when a secret spans pieces (masking wins)."""
    pieces = tuple((mask_text(text, secrets), label) for text, label in segments)
    if "".join(text for text, _ in pieces) != mask_text(display, secrets):
        return ((mask_text(display, secrets), None),) if display else ()
    return pieces


def uses_raw(step: StepSpec) -> bool:
    """True when a template of the step inserts a parameter as text (`{{ params.X|raw }}`; the plan flags it)."""
    return any(placeholder.raw for source in step.templates for placeholder in placeholders_of(source))


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
    actor: Actor,
) -> Plan:
    """Plan the runbook's current version (read-only: nothing is stored, nothing is contacted).

    A person (`actor`) may plan only on targets they hold a grant for (OutOfScope otherwise): a plan shows the
    targets' addresses and the commands that would run there.
    """
    check_scope(actor, list(target_ids or []), perm=PLAN_PERM)
    version = latest_version(runbook)
    return plan_version(version, params=params or {}, target_ids=target_ids or [], alert=alert)
