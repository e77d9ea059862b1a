"""Core API routes."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from remediation.api.inventory_views import CredentialViewSet, ServerViewSet
from remediation.api.views import AuditEventViewSet

router = SimpleRouter()
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("servers", ServerViewSet, basename="server")
router.register("credentials", CredentialViewSet, basename="credential")

urlpatterns = router.urls
