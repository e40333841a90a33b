"""The KPI definitions in the admin (name, area, unit, direction, how the actual is obtained); a
save goes through kpi_services.kpi_define, so it is audited. Targets and actuals are set on the
dashboard (/dx/kpis/) and shown here read-only: the actuals are an append-only history."""

from django.contrib import admin

from madoguchi.core.actors import actor_for_user

from . import kpi_services
from .kpi_models import Kpi, KpiActual, KpiTarget


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TargetInline(_ReadOnlyInline):
    model = KpiTarget
    fields = ("fiscal_year", "value", "note", "set_by", "set_at")
    readonly_fields = fields


class ActualInline(_ReadOnlyInline):
    model = KpiActual
    fields = ("fiscal_year", "as_of", "value", "numerator", "denominator", "note", "source",
              "recorded_by", "recorded_at")
    readonly_fields = fields


@admin.register(Kpi)
class KpiAdmin(admin.ModelAdmin):
    list_display = ("name", "area", "unit", "direction", "kind", "computed", "baseline_fy",
                    "display_order", "active")
    list_filter = ("area", "computed", "active")
    search_fields = ("code", "name", "description")
    inlines = (TargetInline, ActualInline)

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()  # the API's key

    def has_delete_permission(self, request, obj=None):
        return False  # its actuals are history: hide a KPI with 「表示する」 instead

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in kpi_services.DEFINITION_FIELDS
                  if name in form.cleaned_data}
        saved = kpi_services.kpi_define(actor=actor_for_user(request.user), code=obj.code, **fields)
        obj.pk = saved.pk
