from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "madoguchi.notices"
    label = "notices"
    verbose_name = _("順番のお知らせ（Web Push・メール）")
