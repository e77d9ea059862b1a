"""Portal routes of the terminal app."""

from __future__ import annotations

from django.urls import path

from terminal import views

app_name = "terminal"

urlpatterns = [
    path("", views.session_list, name="sessions"),
    path("servers/<int:server_id>/", views.terminal_page, name="open"),
    path("sessions/<uuid:session_uuid>/", views.session_detail, name="session"),
    path("sessions/<uuid:session_uuid>/recording.cast", views.session_recording, name="recording"),
]
