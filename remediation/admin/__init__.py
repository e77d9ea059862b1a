"""Admin of the core app, one module per area."""

from __future__ import annotations

from django.contrib import admin

from remediation.admin import (  # noqa: F401  (registers the ModelAdmins)
    audit,
    grants,
    inventory,
    notifications,
    queue,
    users,
)

admin.site.site_header = "Remediation Engine administration"
admin.site.site_title = "Remediation Engine"
