"""Portal routes of the runbooks app."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "runbooks"

urlpatterns: list[URLPattern] = []
