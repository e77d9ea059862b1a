"""Portal routes of the runbooks app."""

from __future__ import annotations

from django.urls import path

from runbooks import views, views_schedules

app_name = "runbooks"

urlpatterns = [
    path("", views.runbook_list, name="list"),
    path("<int:pk>/", views.runbook_detail, name="detail"),
    path("<int:pk>/execute/", views.runbook_execute, name="execute"),
    path("executions/", views.execution_list, name="executions"),
    path("executions/<int:pk>/", views.execution_detail, name="execution"),
    path("executions/<int:pk>/cancel/", views.execution_cancel, name="cancel"),
    path("approvals/", views.approval_list, name="approvals"),
    path("approvals/<int:pk>/", views.approval_decide, name="decide"),
    path("schedules/", views_schedules.schedule_list, name="schedules"),
    path("schedules/<int:pk>/", views_schedules.schedule_detail, name="schedule"),
    path("schedules/<int:pk>/toggle/", views_schedules.schedule_toggle, name="schedule_toggle"),
]
