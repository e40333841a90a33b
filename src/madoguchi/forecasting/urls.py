"""Citizen pages of the places (観光地), on both zones."""

from django.urls import path

from . import views

urlpatterns = [
    path("places/", views.place_index, name="place-index"),
    path("places/<slug:code>/", views.place_page, name="place-page"),
]
