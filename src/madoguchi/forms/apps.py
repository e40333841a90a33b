from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsConfig(AppConfig):
    name = "madoguchi.forms"
    label = "forms"
    verbose_name = _("書かない窓口（届出・帳票）")
