"""Places (観光地) in the admin site (internal side): master data saved through ``place_save``;
counts, event days and forecasts to look at (they come from the CSV imports and the refit)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from madoguchi.core.actors import actor_for_user
from madoguchi.core.admin import ReadOnlyAdmin
from madoguchi.core.errors import ServiceError

from . import services
from .models import Place, PlaceCount, PlaceEventDay, PlaceHourForecast


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "country", "time_zone", "opens_at", "closes_at", "is_public")
    search_fields = ("code", "name", "name_en")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "names", "kind", "country", "time_zone",
                           "opens_at", "closes_at", "is_public")}),
        (_("休館日"), {"fields": ("closed_weekdays", "closed_weekday_holiday", "year_end_from",
                                "year_end_until", "closed_dates")}),
    )

    def save_model(self, request, obj, form, change):
        try:
            saved = services.place_save(
                actor=actor_for_user(request.user), code=obj.code, name=obj.name, name_en=obj.name_en,
                names=obj.names, kind=obj.kind, country=obj.country, time_zone=obj.time_zone,
                opens_at=obj.opens_at, closes_at=obj.closes_at, closed_weekdays=obj.closed_weekdays,
                closed_weekday_holiday=obj.closed_weekday_holiday,
                year_end=(obj.year_end_from, obj.year_end_until), closed_dates=obj.closed_dates,
                is_public=obj.is_public)
            obj.pk = saved.pk  # the admin links and logs the row the service saved
        except ServiceError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)


@admin.register(PlaceCount)
class PlaceCountAdmin(ReadOnlyAdmin):
    list_display = ("place", "hour", "count", "source", "imported_at")
    list_filter = ("place",)
    date_hierarchy = "hour"


@admin.register(PlaceEventDay)
class PlaceEventDayAdmin(ReadOnlyAdmin):
    list_display = ("place", "date", "name")
    list_filter = ("place",)


@admin.register(PlaceHourForecast)
class PlaceHourForecastAdmin(ReadOnlyAdmin):
    list_display = ("place", "hour", "predicted", "level", "computed_at")
    list_filter = ("place",)
