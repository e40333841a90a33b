from django.contrib import admin

from .models import Category, Counter, CounterCategory, Office, Section, Ticket, TicketEvent


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "display_order")
    search_fields = ("code", "name")
    inlines = [SectionInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "office")
    list_filter = ("office",)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "office", "range_start", "range_end", "display_order",
                    "is_fast_lane", "prior_service_minutes", "is_active")
    list_editable = ("display_order", "is_active")
    list_filter = ("office", "is_fast_lane", "is_active")
    search_fields = ("name", "name_en", "code")


class CounterCategoryInline(admin.TabularInline):
    model = CounterCategory
    extra = 1
    autocomplete_fields = ("category",)


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ("number", "label", "office", "is_open")
    list_filter = ("office", "is_open")
    inlines = [CounterCategoryInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Tickets and their events change only through the counter screens and the API."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("number", "category", "state", "business_date", "issued_at", "counter")
    list_filter = ("office", "business_date", "state", "category")


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "ticket", "category", "counter", "actor")
    list_filter = ("office", "business_date", "kind")
