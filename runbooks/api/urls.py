"""API routes of the runbooks app."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from runbooks.api.schedules import ScheduleViewSet
from runbooks.api.views import ExecutionViewSet, RunbookViewSet

router = SimpleRouter()
router.register("runbooks", RunbookViewSet, basename="runbook")
router.register("executions", ExecutionViewSet, basename="execution")
router.register("schedules", ScheduleViewSet, basename="schedule")

urlpatterns = router.urls
