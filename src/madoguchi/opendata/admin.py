from django.contrib import admin

from .models import PublishedStats


@admin.register(PublishedStats)
class PublishedStatsAdmin(admin.ModelAdmin):
    """Read-only: rows arrive from the internal side through ``stats_publish``."""

    list_display = ("office_code", "date", "computed_at")
    list_filter = ("office_code",)
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
