"""Core API routes."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from remediation.api.inventory_views import CredentialViewSet, ServerViewSet
from remediation.api.maintenance import KillSwitchView, MaintenanceWindowViewSet
from remediation.api.rules import RuleViewSet
from remediation.api.views import AuditEventViewSet

router = SimpleRouter()
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("servers", ServerViewSet, basename="server")
router.register("credentials", CredentialViewSet, basename="credential")
router.register("rules", RuleViewSet, basename="rule")
router.register("maintenance-windows", MaintenanceWindowViewSet, basename="maintenance-window")

urlpatterns = [path("kill-switch/", KillSwitchView.as_view(), name="kill-switch"), *router.urls]
