"""Citizen pages of the forecasts, on both zones: the places (観光地) and an office's 混雑予想
(the public side serves the copy the internal side pushes)."""

from django.urls import path

from . import office_views, views

urlpatterns = [
    path("places/", views.place_index, name="place-index"),
    path("places/<slug:code>/", views.place_page, name="place-page"),
    path("o/<slug:code>/forecast/", office_views.office_forecast_page, name="office-forecast"),
]
