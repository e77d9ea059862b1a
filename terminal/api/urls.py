"""API routes of the terminal app."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from terminal.api.views import TerminalSessionViewSet

router = SimpleRouter()
router.register("terminal-sessions", TerminalSessionViewSet, basename="terminal-session")

urlpatterns = router.urls
