from django.contrib import admin

from .models import NoticeDelivery


@admin.register(NoticeDelivery)
class NoticeDeliveryAdmin(admin.ModelAdmin):
    """The per-ticket record of notices: read-only (the worker writes it)."""

    list_display = ["created_at", "office", "number", "channel", "kind", "status", "attempts", "last_error"]
    list_filter = ["status", "channel", "kind", "office"]
    search_fields = ["ticket_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
