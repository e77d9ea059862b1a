"""WSGI entry point (HTTP only; the product is normally served by Daphne through config.asgi)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from remediation.checks import refuse_unsafe_start  # noqa: E402  (needs the app registry)

refuse_unsafe_start()
