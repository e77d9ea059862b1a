"""WebSocket routes of the terminal app."""

from __future__ import annotations

from django.urls import path

from terminal.consumers import TerminalConsumer

websocket_urlpatterns = [
    path("ws/terminal/<int:server_id>/", TerminalConsumer.as_asgi()),
]
