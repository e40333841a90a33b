"""Queue → live events. Board snapshots are coalesced per office; call notices are sent as is."""

import json

from asgiref.sync import sync_to_async

from madoguchi.live.broker import Event, get_broker
from madoguchi.live.publisher import Coalescer, mark_on_commit, publish_on_commit

from .models import Counter, Office, Ticket


def publish_board(office_id: int) -> Event:
    from .selectors import board_snapshot

    office = Office.objects.get(pk=office_id)
    data = json.dumps(board_snapshot(office), ensure_ascii=False, separators=(",", ":"))
    return get_broker().publish(office.code, "board", data)


_boards = Coalescer(publish_board, name="madoguchi-board-publisher")


def board_changed(office: Office) -> None:
    """Schedule a fresh board snapshot for this office after the transaction commits."""
    mark_on_commit(_boards, office.pk)


def ticket_called(office: Office, ticket: Ticket, counter: Counter, *, recall: bool) -> None:
    """The lobby display chimes and speaks on this event (also for recalls)."""
    data = json.dumps({"number": ticket.number, "counter": counter.label, "recall": recall}, ensure_ascii=False, separators=(",", ":"))
    publish_on_commit(office.code, "call", data)


async def publish_board_now(office_id: int) -> Event:
    return await sync_to_async(publish_board)(office_id)
