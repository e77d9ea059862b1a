"""WebSocket routes of every app, collected in one list."""

from __future__ import annotations

from django.urls import URLPattern

from runbooks.routing import websocket_urlpatterns as runbooks_routes
from terminal.routing import websocket_urlpatterns as terminal_routes

websocket_urlpatterns: list[URLPattern] = [*runbooks_routes, *terminal_routes]
