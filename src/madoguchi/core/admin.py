from django.contrib import admin, messages
from django.utils.translation import gettext as _

from .actors import actor_for_user
from .audit import audit_record
from .models import ApiToken, AuditLog, StaffMembership


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through their services (audit log, tickets, prints, bookings …):
    to look at in the admin site, never to add, edit or delete there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "office", "role")
    list_filter = ("office", "role")
    autocomplete_fields = ("user",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(actor=actor_for_user(request.user), action="membership_save",
                     target=str(obj), detail={"role": obj.role})


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "office", "user", "key_prefix", "is_active", "created_at")
    list_filter = ("kind", "office", "is_active")
    fields = ("name", "kind", "office", "user", "is_active")

    def save_model(self, request, obj, form, change):
        raw = None
        if not change:
            raw = obj.set_key()
        super().save_model(request, obj, form, change)
        audit_record(actor=actor_for_user(request.user),
                     action="token_create" if raw else "token_update", target=str(obj))
        if raw:
            messages.warning(request, _("トークンを発行しました。この画面を閉じると二度と表示されません: %(key)s")
                             % {"key": raw})


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "target")
    list_filter = ("action",)
    search_fields = ("actor", "target")
