"""Reservation staff screens, internal side only (madoguchi/urls.py adds them when ROLE is all or internal)."""

from django.urls import path

from . import staff_views as views

urlpatterns = [
    path("o/<slug:code>/reservations/", views.day_view, name="reservations-day"),
    path("o/<slug:code>/reservations/slot/", views.slot_change, name="reservations-slot"),
    path("o/<slug:code>/reservations/cards/", views.card_list, name="reservations-cards"),
    path("o/<slug:code>/reservations/cards/preparation.pdf", views.preparation_pdf,
         name="reservations-preparation-pdf"),
    path("o/<slug:code>/reservations/cards/preparation.csv", views.preparation_csv,
         name="reservations-preparation-csv"),
    path("o/<slug:code>/reservations/<str:reservation_code>/prepare/", views.prepare,
         name="reservations-prepare"),
    path("o/<slug:code>/reservations/<str:reservation_code>/hand-over/", views.hand_over,
         name="reservations-hand-over"),
]
