"""Admin: the master data of reservations (types, schedules, slot changes) is edited here;
bookings are shown read-only and cancelled through the service (one path for writes)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from madoguchi.core.actors import actor_for_user
from madoguchi.core.admin import ReadOnlyAdmin
from madoguchi.core.errors import ServiceError
from madoguchi.queueing.calendar_models import Weekday

from . import services
from .models import (
    Availability,
    CardNotice,
    CardNoticeHash,
    Reservation,
    ReservationType,
    SlotOverride,
)


class AvailabilityForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("曜日"), choices=Weekday.choices, coerce=int, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Availability
        fields = ["weekdays", "valid_from", "valid_until", "repeat_weeks", "start_time", "end_time",
                  "slot_minutes", "capacity", "bookable_from_days", "bookable_until_days"]


class AvailabilityInline(admin.StackedInline):
    model = Availability
    form = AvailabilityForm
    extra = 0
    fields = (("weekdays",), ("valid_from", "valid_until", "repeat_weeks"),
              ("start_time", "end_time", "slot_minutes", "capacity"),
              ("bookable_from_days", "bookable_until_days"))


@admin.register(ReservationType)
class ReservationTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "office", "kind", "slots_needed", "category", "is_active")
    list_filter = ("office", "kind", "is_active")
    filter_horizontal = ("sections",)
    inlines = [AvailabilityInline]

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            if hasattr(inline_form.instance, "office_id") and not inline_form.instance.office_id:
                inline_form.instance.office_id = form.instance.office_id
        super().save_formset(request, form, formset, change)


@admin.register(SlotOverride)
class SlotOverrideAdmin(admin.ModelAdmin):
    list_display = ("start", "type", "office", "capacity", "closed", "note", "changed_by")
    list_filter = ("office", "type", "closed")
    date_hierarchy = "start"
    readonly_fields = ("changed_by", "changed_at")

    def save_model(self, request, obj, form, change):
        obj.changed_by = request.user.get_username()
        obj.office_id = obj.type.office_id
        super().save_model(request, obj, form, change)


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    """Read-only: bookings come from citizens (or staff) through the service; 取消 frees the slots."""

    list_display = ("display_code", "start", "type", "office", "slots", "status", "prepared_at")
    list_filter = ("office", "type", "status")
    date_hierarchy = "start"
    search_fields = ("code",)
    exclude = ("email",)
    actions = ["cancel_selected"]

    @admin.action(description=_("選択した予約を取り消す（枠を空ける）"))
    def cancel_selected(self, request, queryset):
        actor = actor_for_user(request.user)
        done = 0
        for reservation in queryset:
            try:
                services.reservation_cancel(actor=actor, code=reservation.code)
                done += 1
            except ServiceError as exc:
                self.message_user(request, f"{reservation.display_code}: {exc.message}", messages.WARNING)
        if done:
            self.message_user(request, _("%(n)d 件の予約を取り消しました。") % {"n": done})


@admin.register(CardNotice)
class CardNoticeAdmin(admin.ModelAdmin):
    """The card system's list (internal side only)."""

    list_display = ("number", "office", "imported_at", "picked_up_at")
    list_filter = ("office",)
    search_fields = ("number",)


@admin.register(CardNoticeHash)
class CardNoticeHashAdmin(admin.ModelAdmin):
    list_display = ("__str__", "office", "created_at")
    list_filter = ("office",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
