"""Portal routes of the ai app."""

from __future__ import annotations

from django.urls import path

from ai import views

app_name = "ai"

urlpatterns = [
    path("alerts/<int:alert_id>/analyze/", views.alert_analyze, name="alert-analyze"),
    path("chat/", views.chat_list, name="chat"),
    path("chat/new/", views.chat_new, name="chat-new"),
    path("chat/<int:session_id>/", views.chat_session, name="chat-session"),
]
