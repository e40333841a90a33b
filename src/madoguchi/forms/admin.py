"""Print records in the admin site (read only): the DX office counts the paper the counters
print, per office, form and day. Nothing personal is in a record."""

from django.contrib import admin

from madoguchi.core.admin import ReadOnlyAdmin

from .models import FormPrint


@admin.register(FormPrint)
class FormPrintAdmin(ReadOnlyAdmin):
    list_display = ("at", "office", "form_name", "pages", "case_code", "actor")
    list_filter = ("office", "form", "at")
    date_hierarchy = "at"
    search_fields = ("case_code", "form")
