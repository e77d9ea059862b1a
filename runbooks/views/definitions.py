"""Portal pages of runbook definitions: the list, one runbook with its plan, and the form that runs it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from remediation.actors import Actor
from remediation.permissions import EXECUTE_RUNBOOK, VIEW_RUNBOOK
from runbooks.models import Runbook
from runbooks.services import execute as execute_service
from runbooks.services import verification
from runbooks.services.plan import plan_runbook
from runbooks.services.scope import PLAN_PERM, OutOfScope
from runbooks.targets import ids_for_names, target_choices

PARAM_PREFIX = "param."


@dataclass
class RunInputs:
    """What a run form (or the query string) asked for: parameters, targets, and what could not be read."""

    params: dict[str, str] = field(default_factory=dict)
    targets: list[int | str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    extra_text: str = ""  # the `params` textarea as typed (parameters the runbook does not declare)
    target_names: list[str] = field(default_factory=list)


def parse_inputs(data: Any) -> RunInputs:
    """One `param.<name>` field per declared parameter (blank = the runbook's default), undeclared ones as
    `name=value` lines in `params`, and targets chosen by server name (`target`, repeatable) or typed into
    `targets` as comma-separated names or ids."""
    inputs = RunInputs(extra_text=data.get("params") or "")
    for number, line in enumerate(inputs.extra_text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            inputs.errors.append(f"Parameters line {number} ({line.strip()[:40]!r}) is not name=value.")
            continue
        inputs.params[key.strip()] = value.strip()
    for key in data:
        if key.startswith(PARAM_PREFIX) and key != PARAM_PREFIX and (value := data.get(key, "")) != "":
            inputs.params[key.removeprefix(PARAM_PREFIX)] = value
    getlist = data.getlist if hasattr(data, "getlist") else lambda k: [data[k]] if k in data else []
    typed = [item.strip() for item in (data.get("targets") or "").split(",")]
    inputs.target_names = [name for name in [*getlist("target"), *typed] if name]
    # A name wins; digits no server is named after are read as a server id (the older form and API habit).
    resolved = ids_for_names(inputs.target_names)
    inputs.targets = [int(t) if isinstance(t, str) and t.isdigit() else t for t in resolved]
    return inputs


@require_safe
@login_required
@permission_required(VIEW_RUNBOOK, raise_exception=True)
def runbook_list(request: HttpRequest) -> HttpResponse:
    """All runbooks."""
    runbooks = Runbook.objects.prefetch_related("steps").order_by("name")
    return render(request, "runbooks/runbook_list.html", {"runbooks": runbooks})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required(VIEW_RUNBOOK, raise_exception=True)
def runbook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A runbook, its steps and its plan for the typed parameters and targets (POST from the run form: a plan
    changes nothing; GET for links such as an AI recommendation)."""
    runbook = get_object_or_404(Runbook.objects.prefetch_related("steps"), pk=pk)
    return _detail_page(request, runbook, parse_inputs(request.POST if request.method == "POST" else request.GET))


def _detail_page(request: HttpRequest, runbook: Runbook, inputs: RunInputs, status: int = 200) -> HttpResponse:
    for error in inputs.errors:
        messages.error(request, error)
    plan = None
    if runbook.versions.exists() and not inputs.errors:
        try:
            plan = plan_runbook(runbook, params=inputs.params, target_ids=inputs.targets, actor=Actor.of(request.user))
        except OutOfScope as exc:
            messages.error(request, str(exc))
    can_execute = request.user.has_perm(EXECUTE_RUNBOOK)
    # The servers this person may run on (or, without the run permission, plan on): no one is offered a target the
    # run or the plan would then refuse.
    choices = target_choices(request.user, perm=EXECUTE_RUNBOOK if can_execute else PLAN_PERM)
    declared = {p.get("name") for p in runbook.parameters if isinstance(p, dict)}
    fields = [{**p, "value": inputs.params.get(str(p.get("name")), "")} for p in runbook.parameters]
    context = {
        "runbook": runbook,
        "plan": plan,
        "has_version": runbook.versions.exists(),
        "param_fields": fields,
        "extra_text": inputs.extra_text or "\n".join(f"{k}={v}" for k, v in inputs.params.items() if k not in declared),
        "chosen_targets": inputs.target_names,
        "target_choices": choices,
        "target_choice_names": {name for name, _ in choices},
        "can_execute": can_execute,
        "can_override": request.user.has_perm(execute_service.OVERRIDE_PERMISSION),
        "stats": verification.execution_stats(runbook.executions.all()),
    }
    return render(request, "runbooks/runbook_detail.html", context, status=status)


@login_required
@permission_required(EXECUTE_RUNBOOK, raise_exception=True)
@require_POST
def runbook_execute(request: HttpRequest, pk: int) -> HttpResponse:
    """Request an execution (or a dry run) and go to its live view; a refusal shows the form again, as typed."""
    runbook = get_object_or_404(Runbook.objects.prefetch_related("steps"), pk=pk)
    inputs = parse_inputs(request.POST)
    if inputs.errors:
        return _detail_page(request, runbook, inputs, status=400)
    # Only holders of the override permission are shown the field; anyone else's reason is ignored.
    can_override = request.user.has_perm(execute_service.OVERRIDE_PERMISSION)
    override = request.POST.get("override_reason", "") if can_override else ""
    try:
        execution = execute_service.request_execution(
            runbook,
            actor=Actor.of(request.user),
            params=inputs.params,
            target_ids=inputs.targets,
            dry_run=bool(request.POST.get("dry_run")),
            trigger="manual",
            override_reason=override,
        )
    except execute_service.ExecutionRefused as exc:
        messages.error(request, str(exc))
        return _detail_page(request, runbook, inputs, status=400)
    return redirect("runbooks:execution", pk=execution.pk)
