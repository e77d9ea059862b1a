"""API routes of the alerts app."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from alerts.api.rules import RuleViewSet
from alerts.api.views import AlertViewSet

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="alert")
router.register("rules", RuleViewSet, basename="rule")

urlpatterns = router.urls
