"""The citizen's form pages: both zones (the page stores and receives nothing personal)."""

from django.urls import path

from . import citizen

urlpatterns = [
    path("o/<slug:code>/form/", citizen.citizen_form, name="citizen-form"),
]
