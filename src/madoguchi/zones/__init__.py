"""Two network zones (三層の対策): the internal side pushes anonymous queue state to the public side.

``MADOGUCHI_ROLE=internal`` runs the queue and staff screens in the city's
internal network; ``MADOGUCHI_ROLE=public`` serves the public board, ticket
pages, SSE and push on the internet side; ``all`` is both in one process.
Only anonymous state crosses: board snapshots and per-ticket status keyed by
the ticket's unguessable id. It crosses one way, internal → public, signed with
a shared key and protected against replay.
"""
