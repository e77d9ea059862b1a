"""Portal routes of the ai app."""

from __future__ import annotations

from django.urls import path

from ai import investigation_views, views

app_name = "ai"

urlpatterns = [
    path("alerts/<int:alert_id>/analyze/", views.alert_analyze, name="alert-analyze"),
    path("chat/", views.chat_list, name="chat"),
    path("chat/new/", views.chat_new, name="chat-new"),
    path("chat/<int:session_id>/", views.chat_session, name="chat-session"),
    path("investigations/", investigation_views.investigation_list, name="investigations"),
    path("investigations/start/", investigation_views.investigation_start, name="investigation-start"),
    path("investigations/<int:pk>/", investigation_views.investigation_detail, name="investigation"),
    path("investigations/<int:pk>/stop/", investigation_views.investigation_stop, name="investigation-stop"),
    path("investigations/commands/<int:pk>/decide/", investigation_views.command_decide, name="command-decide"),
]
