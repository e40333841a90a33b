"""Screens, by audience: ``public`` (citizens, on both network zones), ``devices`` (kiosk and
lobby display inside the office) and ``staff`` (counter and supervisor screens).

Views only read through selectors and write through services; the live parts
listen to the office's SSE stream.
"""
