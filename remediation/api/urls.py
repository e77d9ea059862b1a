"""Core API routes."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from remediation.api.inventory_views import CredentialViewSet, ServerViewSet
from remediation.api.notification_views import NotificationChannelViewSet, NotificationDeliveryViewSet
from remediation.api.views import AuditEventViewSet

router = SimpleRouter()
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("servers", ServerViewSet, basename="server")
router.register("credentials", CredentialViewSet, basename="credential")
router.register("notification-channels", NotificationChannelViewSet, basename="notification-channel")
router.register("notification-deliveries", NotificationDeliveryViewSet, basename="notification-delivery")

urlpatterns = router.urls
