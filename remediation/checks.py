"""System checks that refuse an unsafe production setup (ids remediation.E001–E006)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
MIN_SECRET_KEY_LENGTH = 50
MIN_CRYPTOGRAPHY_KEY_LENGTH = 32
IN_MEMORY_LAYER = "channels.layers.InMemoryChannelLayer"


@checks.register(checks.Tags.security)
def check_secret_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    key = settings.SECRET_KEY or ""
    insecure = key == settings.INSECURE_DEFAULT_SECRET_KEY or key.startswith("django-insecure")
    if insecure or len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5:
        return [
            checks.Error(
                "SECRET_KEY is the default or too short.",
                hint=f"Set SECRET_KEY to a random string of at least {MIN_SECRET_KEY_LENGTH} characters.",
                id="remediation.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def check_debug_hosts(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    public = [h for h in settings.ALLOWED_HOSTS if h not in LOCAL_HOSTS]
    if settings.DEBUG and public:
        return [
            checks.Error(
                f"DEBUG is on while ALLOWED_HOSTS includes non-local hosts: {', '.join(public)}.",
                hint="Turn DEBUG off for anything reachable beyond this machine.",
                id="remediation.E002",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def check_cryptography_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    key = settings.CRYPTOGRAPHY_KEY or ""
    if len(key) < MIN_CRYPTOGRAPHY_KEY_LENGTH:
        return [
            checks.Error(
                "CRYPTOGRAPHY_KEY is missing or shorter than 32 characters; secrets cannot be encrypted.",
                hint="Set CRYPTOGRAPHY_KEY to a random string, e.g. secrets.token_urlsafe(48).",
                id="remediation.E003",
            )
        ]
    if key == settings.SECRET_KEY:
        return [
            checks.Error(
                "CRYPTOGRAPHY_KEY equals SECRET_KEY.",
                hint="Use a separate key so rotating one does not expose or break the other.",
                id="remediation.E004",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def check_channel_layer(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
    if backend == IN_MEMORY_LAYER and not settings.DEBUG:
        return [
            checks.Error(
                "The in-memory channel layer is configured with DEBUG off.",
                hint="Set REDIS_URL so web and worker processes share one channel layer (DEBUG=true only locally).",
                id="remediation.E005",
            )
        ]
    return []


@checks.register()
def check_queue_retry(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    q = settings.Q_CLUSTER
    timeout, retry = q.get("timeout"), q.get("retry")
    if timeout is not None and (retry is None or retry <= timeout):
        return [
            checks.Error(
                f"Q_CLUSTER retry ({retry}) must be greater than timeout ({timeout}).",
                hint="Otherwise a task still running is handed to a second worker (Q_RETRY > Q_TIMEOUT).",
                id="remediation.E006",
            )
        ]
    return []


SAFETY_CHECKS = (check_secret_key, check_debug_hosts, check_cryptography_key, check_channel_layer, check_queue_retry)


def safety_errors() -> list[checks.CheckMessage]:
    """Every failing safety check, as messages."""
    return [message for check in SAFETY_CHECKS for message in check()]


def refuse_unsafe_start() -> None:
    """Called by the ASGI/WSGI entry points: raise instead of serving with an unsafe configuration."""
    if not settings.STARTUP_CHECKS:
        return
    errors = safety_errors()
    if errors:
        lines = "\n".join(f"  {e.id}: {e.msg} {e.hint or ''}" for e in errors)
        raise ImproperlyConfigured(f"Refusing to start, unsafe configuration:\n{lines}")
