"""The office keys in the admin site: to look at, never to edit (``madoguchi keys``)."""

from django.contrib import admin

from .models import OfficeKey


@admin.register(OfficeKey)
class OfficeKeyAdmin(admin.ModelAdmin):
    list_display = ("office_code", "kid", "created_at", "retired_at", "is_copy")
    list_filter = ("office_code", "is_copy")
    fields = ("office_code", "kid", "public_key", "created_at", "retired_at", "is_copy")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
