"""API routes of the runbooks app."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from runbooks.api.maintenance import KillSwitchView, MaintenanceWindowViewSet
from runbooks.api.schedules import ScheduleViewSet
from runbooks.api.views import ExecutionViewSet, RunbookViewSet

router = SimpleRouter()
router.register("runbooks", RunbookViewSet, basename="runbook")
router.register("executions", ExecutionViewSet, basename="execution")
router.register("schedules", ScheduleViewSet, basename="schedule")
router.register("maintenance-windows", MaintenanceWindowViewSet, basename="maintenance-window")

urlpatterns = [path("kill-switch/", KillSwitchView.as_view(), name="kill-switch"), *router.urls]
