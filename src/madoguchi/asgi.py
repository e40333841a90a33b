import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.base")

application = get_asgi_application()


def _start_background_workers() -> None:
    """Start from the first second, not the first ticket: the internal side's pushes to the
    public side (heartbeats included), and notices left queued before a restart."""
    from django.conf import settings

    from madoguchi.notices import worker
    from madoguchi.zones.sync import get_sender

    sender = get_sender()
    if sender is not None:
        sender.start()
    if settings.ROLE != "internal":
        worker.wake()


_start_background_workers()
