"""Form screens, internal side only (madoguchi/urls.py adds them when ROLE is all or internal)."""

from django.urls import path

from . import views

urlpatterns = [
    path("o/<slug:code>/cases/<str:case_code>/forms.pdf", views.case_forms_print_all,
         name="case-forms-print-all"),
    path("o/<slug:code>/cases/<str:case_code>/forms/<slug:form>.pdf", views.case_form_print,
         name="case-form-print"),
    # The counter's form editor (届出内容・聞き取り); under counter/ so the screen is staff Japanese.
    path("o/<slug:code>/counter/<int:counter_id>/form/", views.form_editor, name="form-editor"),
    path("o/<slug:code>/counter/<int:counter_id>/form/<str:case_code>/", views.form_editor,
         name="form-editor-case"),
    path("o/<slug:code>/counter/<int:counter_id>/postcode/", views.form_postcode, name="form-postcode"),
]
