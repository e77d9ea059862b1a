"""API routes of the ai app."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from ai.api.analysis_views import AnalysisViewSet, AnalyzeAlertView
from ai.api.investigation_views import DecideCommandView, InvestigationViewSet, StopInvestigationView
from ai.api.views import ChatSessionViewSet, ProviderViewSet

router = SimpleRouter()
router.register("ai/providers", ProviderViewSet, basename="ai-provider")
router.register("chat/sessions", ChatSessionViewSet, basename="chat-session")
router.register("ai/analyses", AnalysisViewSet, basename="ai-analysis")
router.register("investigations", InvestigationViewSet, basename="investigation")

urlpatterns = [
    path("alerts/<int:alert_id>/analyze/", AnalyzeAlertView.as_view(), name="alert-analyze"),
    path("investigations/<int:pk>/stop/", StopInvestigationView.as_view(), name="investigation-stop"),
    path(
        "investigations/<int:pk>/commands/<int:cid>/approve/",
        DecideCommandView.as_view(approve=True),
        name="investigation-command-approve",
    ),
    path(
        "investigations/<int:pk>/commands/<int:cid>/reject/",
        DecideCommandView.as_view(approve=False),
        name="investigation-command-reject",
    ),
    *router.urls,
]
