"""Portal routes of the ai app."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "ai"

urlpatterns: list[URLPattern] = []
