"""Reservation screens: the citizen's booking pages (both zones) and the kiosk's check-in
(inside). Staff screens add their routes to ``internal_urlpatterns``."""

from django.urls import path

from . import citizen_views, kiosk_views

public_urlpatterns = [
    path("o/<slug:code>/reserve/", citizen_views.book_start, name="reserve"),
    path("o/<slug:code>/reserve/<slug:type_code>/", citizen_views.book_time, name="reserve-time"),
    path("o/<slug:code>/reserve/<slug:type_code>/confirm/", citizen_views.book_confirm, name="reserve-confirm"),
    path("r/<str:code>/", citizen_views.reservation_page, name="reservation-page"),
    path("r/<str:code>/cancel/", citizen_views.reservation_cancel, name="reservation-cancel"),
    path("r/<str:code>/calendar.ics", citizen_views.reservation_ics, name="reservation-ics"),
]

internal_urlpatterns = [
    path("o/<slug:code>/kiosk/check-in/", kiosk_views.kiosk_check_in, name="kiosk-check-in"),
]
