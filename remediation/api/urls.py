"""Core API routes."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from remediation.api.views import AuditEventViewSet

router = SimpleRouter()
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = router.urls
