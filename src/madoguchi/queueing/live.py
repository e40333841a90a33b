"""Queue → live events. Board snapshots are coalesced per office; call notices are sent as is."""

import json

from asgiref.sync import sync_to_async

from madoguchi.live.broker import Event, get_broker
from madoguchi.live.publisher import Coalescer, mark_on_commit, publish_on_commit

from . import hooks
from .models import Counter, Office, Ticket


def publish_board(office_id: int) -> Event | None:
    """Publish a fresh board snapshot, then tell the board's subscribers (hooks.BOARD_PUBLISHED:
    the zones app forwards it to the public side, the notices evaluate their subscriptions).
    Nothing for an office deleted meanwhile (its calendar rows went with it)."""
    from .selectors import board_snapshot

    try:
        office = Office.objects.get(pk=office_id)
    except Office.DoesNotExist:
        return None
    board = board_snapshot(office)
    data = json.dumps(board, ensure_ascii=False, separators=(",", ":"))
    event = get_broker().publish(office.code, "board", data)
    hooks.board_published(office.pk, office.code, board)
    return event


_boards = Coalescer(publish_board, name="madoguchi-board-publisher")


def board_changed(office: Office) -> None:
    """Schedule a fresh board snapshot for this office after the transaction commits."""
    mark_on_commit(_boards, office.pk)


def board_changed_id(office_id: int) -> None:
    mark_on_commit(_boards, office_id)


def ticket_called(office: Office, ticket: Ticket, counter: Counter, *, recall: bool) -> None:
    """The lobby display chimes and speaks on this event (also for recalls)."""
    data = json.dumps({"number": ticket.number, "counter": counter.label, "recall": recall}, ensure_ascii=False, separators=(",", ":"))
    publish_on_commit(office.code, "call", data)


def _publish_current_board(office_code: str) -> Event:
    """For an SSE client that connects before any board event exists in the history."""
    from . import public_state

    if public_state.is_public():
        board = public_state.get_board(office_code)
        data = json.dumps(board, ensure_ascii=False, separators=(",", ":"))
        return get_broker().publish(office_code, "board", data)
    return publish_board(Office.objects.get(code=office_code).pk)


async def publish_board_now(office_code: str) -> Event:
    return await sync_to_async(_publish_current_board)(office_code)
