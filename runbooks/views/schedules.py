"""Portal pages for runbook schedules: the list with next/last run, one schedule's history, pause and resume."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from remediation.actors import Actor
from remediation.permissions import CHANGE_RUNBOOKSCHEDULE, VIEW_RUNBOOKSCHEDULE
from runbooks.models import RunbookSchedule
from runbooks.services import schedules as service


@require_safe
@login_required
@permission_required(VIEW_RUNBOOKSCHEDULE, raise_exception=True)
def schedule_list(request: HttpRequest) -> HttpResponse:
    """Every schedule with its timing, next and last run."""
    schedules = RunbookSchedule.objects.select_related("runbook").order_by("name")
    return render(request, "runbooks/schedule_list.html", {"schedules": schedules})


@require_safe
@login_required
@permission_required(VIEW_RUNBOOKSCHEDULE, raise_exception=True)
def schedule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One schedule: the next intended runs and its history (started, missed, skipped, refused)."""
    schedule = get_object_or_404(RunbookSchedule.objects.select_related("runbook"), pk=pk)
    history = Paginator(schedule.runs.select_related("execution"), 50).get_page(request.GET.get("page"))
    context = {
        "schedule": schedule,
        "next_runs": service.preview(schedule) if schedule.enabled else [],
        "history": history,
        "can_change": request.user.has_perm(CHANGE_RUNBOOKSCHEDULE),
    }
    return render(request, "runbooks/schedule_detail.html", context)


@login_required
@permission_required(CHANGE_RUNBOOKSCHEDULE, raise_exception=True)
@require_POST
def schedule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Pause a running schedule or resume a paused one."""
    schedule = get_object_or_404(RunbookSchedule, pk=pk)
    service.set_schedule_enabled(schedule, not schedule.enabled, actor=Actor.of(request.user))
    messages.success(request, f"Schedule {schedule.name} {'resumed' if schedule.enabled else 'paused'}.")
    return redirect("runbooks:schedule", pk=pk)
