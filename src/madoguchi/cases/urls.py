"""Case screens, internal side only (madoguchi/urls.py adds them when ROLE is all or internal)."""

from django.urls import path

from . import views

urlpatterns = [
    path("o/<slug:code>/cases/", views.case_list, name="case-list"),
    path("o/<slug:code>/cases/<str:case_code>/", views.case_page, name="case-page"),
    path("o/<slug:code>/counter/<int:counter_id>/case/", views.counter_part, name="case-counter-part"),
    path("o/<slug:code>/counter/<int:counter_id>/case/scan/", views.scan, name="case-scan"),
    path("o/<slug:code>/counter/<int:counter_id>/case/<str:case_code>/<slug:action>/", views.action,
         name="case-action"),
]
