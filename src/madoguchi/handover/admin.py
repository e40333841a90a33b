"""The office keys in the admin site: to look at, never to edit (``madoguchi keys``)."""

from django.contrib import admin

from madoguchi.core.admin import ReadOnlyAdmin

from .models import OfficeKey


@admin.register(OfficeKey)
class OfficeKeyAdmin(ReadOnlyAdmin):
    list_display = ("office_code", "kid", "created_at", "retired_at", "is_copy")
    list_filter = ("office_code", "is_copy")
    fields = ("office_code", "kid", "public_key", "created_at", "retired_at", "is_copy")
    readonly_fields = fields
