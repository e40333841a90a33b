from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "madoguchi.core"
    label = "core"
    verbose_name = _("基本設定")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .actors import forget_tokens
        from .models import ApiToken, StaffMembership

        # A revoked token or a changed role applies at once in this process.
        for model in (ApiToken, StaffMembership, get_user_model()):
            post_save.connect(forget_tokens, sender=model, dispatch_uid=f"forget-tokens-save-{model.__name__}")
            post_delete.connect(forget_tokens, sender=model, dispatch_uid=f"forget-tokens-delete-{model.__name__}")
        # The DX permission comes from the account's own permissions or its groups'.
        User = get_user_model()
        for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(forget_tokens, sender=through, dispatch_uid=f"forget-tokens-m2m-{through.__name__}")
