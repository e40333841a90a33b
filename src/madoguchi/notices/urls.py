from django.urls import path

from . import views

# Served wherever ticket pages are (the service worker must sit at the root).
urlpatterns = [
    path("sw.js", views.service_worker, name="service-worker"),
    path("t/<str:ticket_id>/notices/email/", views.email_form, name="notices-email-form"),
]
