from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    name = "madoguchi.zones"
    label = "zones"
    verbose_name = _("ネットワーク分離（公開側への連携）")
