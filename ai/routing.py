"""WebSocket routes of the ai app."""

from __future__ import annotations

from django.urls import path

from ai.consumers import ChatConsumer
from ai.investigation_consumer import InvestigationConsumer

websocket_urlpatterns = [
    path("ws/chat/<int:session_id>/", ChatConsumer.as_asgi()),
    path("ws/investigations/<int:investigation_id>/", InvestigationConsumer.as_asgi()),
]
