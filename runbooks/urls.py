"""Portal routes of the runbooks app."""

from __future__ import annotations

from django.urls import path

from runbooks import views

app_name = "runbooks"

urlpatterns = [
    path("", views.runbook_list, name="list"),
    path("<int:pk>/", views.runbook_detail, name="detail"),
    path("<int:pk>/execute/", views.runbook_execute, name="execute"),
    path("executions/", views.execution_list, name="executions"),
    path("executions/<int:pk>/", views.execution_detail, name="execution"),
    path("executions/<int:pk>/cancel/", views.execution_cancel, name="cancel"),
]
