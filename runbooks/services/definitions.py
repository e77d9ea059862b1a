"""Runbook definitions: the canonical dict form, its validation, and saving (which creates a new version)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import JSONField, OuterRef, ProtectedError, QuerySet, Subquery

from remediation.actors import Actor, user_of
from remediation.services.audit import diff, record_event
from runbooks import templating
from runbooks.choices import StepKind
from runbooks.executors import get_executor
from runbooks.models import Runbook, RunbookVersion, Step
from runbooks.templating.safety import Finding, definition_findings, step_findings

RUNBOOK_FIELDS = [
    "name",
    "description",
    "enabled",
    "tags",
    "timeout_seconds",
    "max_parallel",
    "requires_approval",
    "approval_timeout_seconds",
    "verification_window_seconds",
    "allowed_policy_rules",
    "parameters",
]
STEP_FIELDS = [
    "name",
    "kind",
    "command",
    "rollback_command",
    "method",
    "url",
    "headers",
    "body",
    "credential",
    "expected_statuses",
    "tls_verify",
    "once",
    "expected_exit_codes",
    "output_pattern",
    "capture_as",
    "condition",
    "timeout_seconds",
    "retries",
    "retry_backoff_seconds",
    "retry_on_failure",
    "on_failure",
]


class DefinitionError(Exception):
    """A runbook definition that does not validate; `errors` maps fields to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def definition_of(runbook: Runbook) -> dict[str, Any]:
    """The canonical, complete dict form of a runbook (what versions store and YAML exports)."""
    data = {field: getattr(runbook, field) for field in RUNBOOK_FIELDS}
    data["steps"] = [step_definition(step) for step in runbook.steps.select_related("credential")]
    return data


def step_definition(step: Step) -> dict[str, Any]:
    """A step as a dict; its credential by name (names travel between installations, ids do not)."""
    data = {field: getattr(step, field) for field in STEP_FIELDS if field != "credential"}
    data["credential"] = step.credential.name if step.credential is not None else ""
    return data


def build(data: dict[str, Any], instance: Runbook | None = None) -> tuple[Runbook, list[Step]]:
    """Validate a definition dict into unsaved model instances; raises DefinitionError listing every problem."""
    if not isinstance(data, dict):
        raise DefinitionError({"non_field_errors": ["a runbook definition must be a mapping"]})
    errors: dict[str, list[str]] = {}
    unknown = set(data) - {*RUNBOOK_FIELDS, "steps", "version"}
    if unknown:
        errors["non_field_errors"] = [f"unknown fields: {sorted(unknown)}"]
    runbook = instance or Runbook()
    for field in RUNBOOK_FIELDS:
        if field in data:
            setattr(runbook, field, data[field])
    _collect(errors, "", lambda: runbook.full_clean(exclude=["created_by"]))
    raw_steps = data.get("steps", [] if instance is None else None)
    if raw_steps is None and instance is not None:
        raw_steps = [step_definition(s) for s in instance.steps.all()]
    if not isinstance(raw_steps, list):
        errors["steps"] = ["steps must be a list"]
        raise DefinitionError(errors)
    steps = [_build_step(i, item, errors, runbook.parameters) for i, item in enumerate(raw_steps)]
    _check_names(steps, errors)
    if errors:
        raise DefinitionError(errors)
    return runbook, steps


def _build_step(index: int, item: Any, errors: dict[str, list[str]], parameters: Any = None) -> Step:
    prefix = f"steps[{index}]"
    if not isinstance(item, dict):
        errors[prefix] = ["each step must be a mapping"]
        return Step(name=f"step_{index}")
    unknown = set(item) - set(STEP_FIELDS)
    if unknown:
        errors[prefix] = [f"unknown fields: {sorted(unknown)}"]
    step = Step(position=index, **{k: v for k, v in item.items() if k in STEP_FIELDS and k != "credential"})
    problem = _attach_credential(step, item.get("credential"))
    if problem:
        errors.setdefault(prefix + ".credential", []).append(problem)
    _collect(errors, prefix + ".", lambda: step.full_clean(exclude=["runbook"], validate_unique=False))
    problems: list[str] = []
    if step.kind in StepKind.values:
        problems += get_executor(step.kind).validate({f: getattr(step, f) for f in STEP_FIELDS})
    if step.kind == StepKind.SSH and not step.command.strip():
        problems.append("an ssh step needs a command")
    for source in (step.command, step.rollback_command):
        if source and templating.check_syntax(source):
            problems.append(templating.check_syntax(source))
    # A placement the rules refuse is refused here, with its safe form (the same check lists older versions).
    definition = {f: getattr(step, f) for f in STEP_FIELDS if f != "credential"}
    problems += [f"{f.field}: {f.problem}" for f in step_findings(definition, parameters) if f.problem not in problems]
    if step.condition and templating.check_expression(step.condition):
        problems.append(f"condition: {templating.check_expression(step.condition)}")
    if step.output_pattern:
        try:
            re.compile(step.output_pattern)
        except re.error as exc:
            problems.append(f"output_pattern: {exc}")
    if problems:
        errors.setdefault(prefix, []).extend(problems)
    return step


def with_latest_definition(queryset: QuerySet[Runbook]) -> QuerySet[Runbook]:
    """Runbooks annotated with their current version's definition (for template_problems without a query each)."""
    latest = RunbookVersion.objects.filter(runbook=OuterRef("pk")).order_by("-number").values("definition")[:1]
    return queryset.annotate(latest_definition=Subquery(latest, output_field=JSONField()))


def template_problems(runbook: Runbook) -> list[Finding]:
    """What the placement rules refuse in the runbook's current version: such a runbook cannot run until fixed."""
    if hasattr(runbook, "latest_definition"):
        definition = runbook.latest_definition
    else:
        version = runbook.versions.order_by("-number").first()
        definition = version.definition if version is not None else None
    return definition_findings(definition) if isinstance(definition, dict) else []


def unsafe_runbooks() -> list[tuple[Runbook, list[Finding]]]:
    """Every runbook whose current version the placement rules refuse (e.g. saved before they existed)."""
    found = [(runbook, template_problems(runbook)) for runbook in with_latest_definition(Runbook.objects.all())]
    return [(runbook, findings) for runbook, findings in found if findings]


def _attach_credential(step: Step, value: Any) -> str:
    """Resolve a credential given by name (or instance); '' when fine."""
    from remediation.models import Credential, CredentialKind

    if not value:
        return ""
    credential = value if isinstance(value, Credential) else Credential.objects.filter(name=str(value)).first()
    if credential is None:
        return f"no credential named {value!r}"
    if step.kind != StepKind.HTTP or credential.kind not in {CredentialKind.API_TOKEN, CredentialKind.BASIC_AUTH}:
        return "only http steps take a credential, and only an API token or basic-auth one"
    step.credential = credential
    return ""


def _check_names(steps: list[Step], errors: dict[str, list[str]]) -> None:
    names = [s.name for s in steps]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    captures = [s.capture_as for s in steps if s.capture_as]
    if duplicates:
        errors.setdefault("steps", []).append(f"step names must be unique: {duplicates}")
    if len(set(captures)) != len(captures):
        errors.setdefault("steps", []).append("capture_as names must be unique")


def _collect(errors: dict[str, list[str]], prefix: str, check: Any) -> None:
    try:
        check()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            key = prefix + field if field != "__all__" else (prefix.rstrip(".") or "non_field_errors")
            errors.setdefault(key, []).extend(messages)


@transaction.atomic
def save_runbook(
    data: dict[str, Any],
    *,
    actor: Actor,
    runbook: Runbook | None = None,
    action: str = "",
) -> Runbook:
    """Create or update a runbook from a definition dict; every save appends an immutable version."""
    before = definition_of(runbook) if runbook is not None else None
    if runbook is not None:
        runbook = Runbook.objects.select_for_update().get(pk=runbook.pk)
    runbook, steps = build(data, runbook)
    if runbook.pk is None and user_of(actor) is not None:
        runbook.created_by = user_of(actor)
    runbook.save()
    if "steps" in data or before is None:
        runbook.steps.all().delete()
        for step in steps:
            step.runbook = runbook
            step.save()
    return commit_version(runbook, before, actor=actor, action=action)


def commit_version(
    runbook: Runbook,
    before: dict[str, Any] | None,
    *,
    actor: Actor,
    action: str = "",
) -> Runbook:
    """After a runbook and its steps were saved (API, YAML or admin): freeze a new version and audit the change."""
    version = snapshot_version(runbook, actor=actor)
    old, new = diff(before, definition_of(runbook))
    record_event(
        actor=actor,
        action=action or ("runbook.created" if before is None else "runbook.updated"),
        obj=runbook,
        before=old,
        after={**(new or {}), "version": version.number},
    )
    return runbook


def snapshot_version(runbook: Runbook, *, actor: Actor) -> RunbookVersion:
    """Freeze the runbook's current definition as its next version (no audit: the caller audits the change)."""
    Runbook.objects.filter(pk=runbook.pk).update(version=runbook.version + 1)
    runbook.version += 1
    return RunbookVersion.objects.create(
        runbook=runbook,
        number=runbook.version,
        definition=definition_of(runbook),
        created_by=user_of(actor),
    )


def delete_runbook(runbook: Runbook, *, actor: Actor) -> None:
    """Delete a runbook that never ran; runbooks with executions must be disabled instead."""
    before, pk = definition_of(runbook), runbook.pk
    try:
        with transaction.atomic():
            runbook.delete()
            record_event(
                actor=actor,
                action="runbook.deleted",
                object_type="runbooks.runbook",
                object_id=pk,
                object_repr=before["name"],
                before=before,
            )
    except ProtectedError as exc:
        raise DefinitionError({"non_field_errors": ["this runbook has executions; disable it instead"]}) from exc
