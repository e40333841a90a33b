from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from madoguchi.core.actors import actor_for_user
from madoguchi.core.audit import audit_record

from . import services
from .models import Device, PaperSettings, Reading

SECRET_FIELDS = {"v3_auth_key", "v3_priv_key", "community"}


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "section_name", "maker", "model_name", "kind", "snmp_version",
                    "status", "last_polled_at", "active")
    list_filter = ("maker", "kind", "status", "snmp_version", "active", "pollable")
    search_fields = ("host", "section_name", "model_name", "note", "serial")
    readonly_fields = ("sys_descr", "serial", "status", "last_error", "last_polled_at")
    fieldsets = (
        (None, {"fields": ("host", "port", "url", "section", "section_name", "maker", "model_name",
                           "kind", "note", "active", "pollable")}),
        (_("SNMP"), {"fields": ("snmp_version", "community", "v3_user", "v3_auth_protocol",
                                "v3_auth_key", "v3_priv_protocol", "v3_priv_key", "v3_context")}),
        (_("読み取り状況"), {"fields": ("status", "last_error", "last_polled_at", "sys_descr", "serial")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(actor=actor_for_user(request.user),
                     action="dx.device_change" if change else "dx.device_add", target=str(obj),
                     detail={k: ("***" if k in SECRET_FIELDS else str(form.cleaned_data.get(k)))
                             for k in form.changed_data})

    def delete_model(self, request, obj):
        audit_record(actor=actor_for_user(request.user), action="dx.device_delete", target=str(obj))
        super().delete_model(request, obj)


class ManualReadingForm(forms.ModelForm):
    class Meta:
        model = Reading
        fields = ("device", "read_at", "total", "mono", "colour")


@admin.register(Reading)
class ReadingAdmin(admin.ModelAdmin):
    """Readings are appended, never edited; staff add one by hand for a device not polled."""

    form = ManualReadingForm
    list_display = ("device", "read_at", "source", "total", "pages", "mono", "colour", "baseline")
    list_filter = ("source", "baseline")
    date_hierarchy = "read_at"

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        reading = services.reading_enter_manual(
            actor=actor_for_user(request.user), device=obj.device, total=obj.total, mono=obj.mono,
            colour=obj.colour, read_at=obj.read_at)
        obj.pk = reading.pk


@admin.register(PaperSettings)
class PaperSettingsAdmin(admin.ModelAdmin):
    """The figures of the paper report, from a fiscal year on; every change is audited."""

    list_display = ("__str__", "baseline_fiscal_year", "target_reduction_percent", "yen_per_box",
                    "mono_yen_per_page", "colour_yen_per_page", "co2_grams_per_sheet")
    fieldsets = (
        (None, {"fields": ("from_fiscal_year", "baseline_fiscal_year", "target_reduction_percent")}),
        (_("費用"), {"fields": ("sheets_per_box", "yen_per_box", "mono_yen_per_page",
                              "colour_yen_per_page", "toner_yen_per_box", "toner_pages_per_box",
                              "cost_source")}),
        (_("CO2"), {"fields": ("co2_grams_per_sheet", "co2_source")}),
    )

    def save_model(self, request, obj, form, change):
        services.paper_settings_save(actor=actor_for_user(request.user), settings=obj,
                                     changed=form.changed_data, created=not change)

    def delete_model(self, request, obj):
        services.paper_settings_delete(actor=actor_for_user(request.user), settings=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


from . import kpi_admin  # noqa: E402,F401  (the KPI definitions)
