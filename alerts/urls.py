"""Portal routes of the alerts app."""

from __future__ import annotations

from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("acknowledge/", views.alert_acknowledge_many, name="acknowledge-many"),
    path("<int:pk>/", views.alert_detail, name="detail"),
    path("<int:pk>/acknowledge/", views.alert_acknowledge, name="acknowledge"),
    path("<int:pk>/suggestions/<int:suggestion_pk>/run/", views.suggestion_run, name="suggestion-run"),
]
