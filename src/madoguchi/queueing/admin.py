from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from .calendar_models import check_range, overlap_error
from .models import (
    Category,
    Counter,
    CounterCategory,
    Office,
    OfficeClosure,
    OfficeHours,
    Section,
    SpecialOpening,
    Ticket,
    TicketEvent,
)


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


class RangesFormSet(BaseInlineFormSet):
    """Ranges of one day (a weekday, or a date) must be ordered and must not overlap,
    also among the rows being added in the same form (the model's own check sees only
    saved rows)."""

    day_field = "weekday"

    def clean(self):
        super().clean()
        seen = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or self._should_delete_form(form):
                continue
            opens, closes, day = data.get("opens"), data.get("closes"), data.get(self.day_field)
            if opens is None or closes is None or day is None:
                continue
            try:
                check_range(opens, closes)
            except ValidationError as exc:
                form.add_error("closes", exc)
                continue
            for other_day, other_opens, other_closes, other in seen:
                if other_day == day and opens < other_closes and other_opens < closes:
                    raise overlap_error(form.instance.__class__(
                        **{self.day_field: day, "opens": opens, "closes": closes}), other)
            seen.append((day, opens, closes, form.instance.__class__(
                **{self.day_field: day, "opens": opens, "closes": closes})))


class DateRangesFormSet(RangesFormSet):
    day_field = "date"


class OfficeHoursInline(admin.TabularInline):
    model = OfficeHours
    formset = RangesFormSet
    extra = 0


class SpecialOpeningInline(admin.TabularInline):
    model = SpecialOpening
    formset = DateRangesFormSet
    extra = 0


class OfficeClosureInline(admin.TabularInline):
    model = OfficeClosure
    extra = 0


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "display_order", "hours_enforced")
    search_fields = ("code", "name")
    fieldsets = [
        (None, {"fields": ["code", "name", "name_en", "display_order"]}),
        (_("開庁日・受付時間"), {
            "fields": ["hours_enforced", "closed_on_holidays", "closed_year_end"],
            "description": _("受付時間は半開区間です（8:45～17:30 なら 17:29 まで発券）。"
                             "休日開庁の日はその時間だけ開庁し、祝日・年末年始・臨時閉庁日より優先します。"
                             "区分ごとの受付終了時刻は「受付区分」で設定します。"),
        }),
    ]
    inlines = [SectionInline, OfficeHoursInline, OfficeClosureInline, SpecialOpeningInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "office")
    list_filter = ("office",)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "office", "range_start", "range_end", "display_order",
                    "is_fast_lane", "prior_service_minutes", "reception_until", "is_active")
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
