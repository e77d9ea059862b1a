"""API routes of the ai app."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from ai.api.analysis_views import AnalysisViewSet, AnalyzeAlertView
from ai.api.views import ChatSessionViewSet, ProviderViewSet

router = SimpleRouter()
router.register("ai/providers", ProviderViewSet, basename="ai-provider")
router.register("chat/sessions", ChatSessionViewSet, basename="chat-session")
router.register("ai/analyses", AnalysisViewSet, basename="ai-analysis")

urlpatterns = [
    path("alerts/<int:alert_id>/analyze/", AnalyzeAlertView.as_view(), name="alert-analyze"),
    *router.urls,
]
