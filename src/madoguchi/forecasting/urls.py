"""Citizen pages of the forecasts: served on both zones (the public side from the pushed copy)."""

from django.urls import path

from . import views

public_urlpatterns = [
    path("o/<slug:code>/forecast/", views.office_forecast_page, name="office-forecast"),
]
