"""API routes of the ai app."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from ai.api.views import ChatSessionViewSet, ProviderViewSet

router = SimpleRouter()
router.register("ai/providers", ProviderViewSet, basename="ai-provider")
router.register("chat/sessions", ChatSessionViewSet, basename="chat-session")

urlpatterns = router.urls
