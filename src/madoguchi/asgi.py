import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.base")

application = get_asgi_application()


def _start_background_senders() -> None:
    """The internal side pushes to the public side from its first second, not its first ticket."""
    from madoguchi.zones.sync import get_sender

    sender = get_sender()
    if sender is not None:
        sender.start()


_start_background_senders()
