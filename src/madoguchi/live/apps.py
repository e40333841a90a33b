from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "madoguchi.live"
    label = "live"
    verbose_name = "Live events"
