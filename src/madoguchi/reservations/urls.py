"""Reservation screens: the citizen's booking pages (both zones) and the kiosk's check-in
(inside). Staff screens add their routes to ``internal_urlpatterns``."""

from django.urls import path

from . import kiosk_views

public_urlpatterns = []

internal_urlpatterns = [
    path("o/<slug:code>/kiosk/check-in/", kiosk_views.kiosk_check_in, name="kiosk-check-in"),
]
