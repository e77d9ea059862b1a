"""API routes of the alerts app."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from alerts.api.numbers import IncidentNumbersView
from alerts.api.rules import RuleViewSet
from alerts.api.views import AlertViewSet

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="alert")
router.register("rules", RuleViewSet, basename="rule")

urlpatterns = [
    path("incident-numbers/", IncidentNumbersView.as_view(), name="incident-numbers"),
    *router.urls,
]
