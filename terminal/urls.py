"""Portal routes of the terminal app."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "terminal"

urlpatterns: list[URLPattern] = []
