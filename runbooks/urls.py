"""Portal routes of the runbooks app."""

from __future__ import annotations

from django.urls import path

from runbooks.views import approvals, definitions, executions, guardrails, schedules

app_name = "runbooks"

urlpatterns = [
    path("", definitions.runbook_list, name="list"),
    path("<int:pk>/", definitions.runbook_detail, name="detail"),
    path("<int:pk>/execute/", definitions.runbook_execute, name="execute"),
    path("executions/", executions.execution_list, name="executions"),
    path("executions/<int:pk>/", executions.execution_detail, name="execution"),
    path("executions/<int:pk>/cancel/", executions.execution_cancel, name="cancel"),
    path("approvals/", approvals.approval_list, name="approvals"),
    path("approvals/<int:pk>/", approvals.approval_decide, name="decide"),
    path("schedules/", schedules.schedule_list, name="schedules"),
    path("schedules/<int:pk>/", schedules.schedule_detail, name="schedule"),
    path("schedules/<int:pk>/toggle/", schedules.schedule_toggle, name="schedule_toggle"),
    path("kill-switch/", guardrails.kill_switch, name="kill_switch"),
]
