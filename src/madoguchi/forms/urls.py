"""Form screens, internal side only (madoguchi/urls.py adds them when ROLE is all or internal)."""

from django.urls import path

from . import views

urlpatterns = [
    path("o/<slug:code>/cases/<str:case_code>/forms.pdf", views.case_forms_print_all,
         name="case-forms-print-all"),
    path("o/<slug:code>/cases/<str:case_code>/forms/<slug:form>.pdf", views.case_form_print,
         name="case-form-print"),
]
