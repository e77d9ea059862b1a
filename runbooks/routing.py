"""WebSocket routes of the runbooks app."""

from __future__ import annotations

from django.urls import path

from runbooks.consumers import ExecutionConsumer

websocket_urlpatterns = [path("ws/executions/<int:execution_id>/", ExecutionConsumer.as_asgi())]
