"""ASGI entry point: HTTP through Django (the webhook through its own route), WebSockets through Channels."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Web processes pool their PostgreSQL connections (see DB_POOL in settings); set DB_POOL=false to opt out.
os.environ.setdefault("DB_POOL", "true")

# Django must be set up before anything imports models (consumers do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from alerts.asgi import WebhookRoute  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from remediation.checks import refuse_unsafe_start  # noqa: E402

refuse_unsafe_start()

application = ProtocolTypeRouter(
    {
        # The Alertmanager webhook bypasses Django's one-thread sync bridge (alerts/asgi.py); the rest is Django.
        "http": WebhookRoute(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
