import gc
import os

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.base")


class OneThreadASGIHandler(ASGIHandler):
    """Django's ASGI handler, with the middleware chain and the view run in one thread hop.

    Our views that touch the database are synchronous, as are Django's own
    middlewares. In async mode Django hands each middleware's
    ``process_request``/``process_response`` to a thread and back, then the
    view once more: about twenty thread switches per request, which cost
    several times the CPU of a small API call (docs/benchmarks.md, "Request
    overhead"). Here the chain is built synchronously, as under WSGI, and run
    by one ``sync_to_async`` call per request (thread-sensitive: the
    request's own thread, so its database connection is returned at the end).
    Async views (the SSE streams) are still awaited on the event loop, and
    their streaming responses are sent from it.
    """

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)


django.setup(set_prefix=False)
application = OneThreadASGIHandler()


def _load_procedure_catalogue() -> None:
    """Refuse to serve on a broken procedure catalogue: CatalogueError names every problem
    (file, line, message); ``madoguchi serve``/``demo`` check first and print them plainly."""
    from madoguchi.procedures.catalogue import active

    active()


_load_procedure_catalogue()


def _start_background_workers() -> None:
    """Start from the first second, not the first ticket: the internal side's pushes to the
    public side (heartbeats included), and notices left queued before a restart."""
    from django.conf import settings

    from madoguchi.notices import worker
    from madoguchi.zones.sync import get_sender

    sender = get_sender()
    if sender is not None:
        sender.start()
    from madoguchi.zones.pull import get_puller

    puller = get_puller()  # bookings made on the public side come in by this pull
    if puller is not None:
        puller.start()
    if settings.ROLE != "internal":
        worker.wake()


_start_background_workers()

# What the process has loaded by now (Django, the apps, the procedure catalogue: some 120,000
# objects) lives as long as the process. Keep it out of the garbage collector's passes: a full
# pass walked all of it (tens of milliseconds) on the event loop that writes to every open stream.
gc.freeze()
# And collect the young objects less often (700 allocations by default): with 1,000 live streams
# a full collection walks some 250,000 of their objects (0.1-0.15 s of CPU) and stalls every
# stream at once; this makes full collections about fourteen times rarer (docs/benchmarks.md,
# "SSE"). The young generation then holds up to 10,000 objects, a few megabytes at most.
gc.set_threshold(10_000, 10, 10)
