from madoguchi.queueing import services
from madoguchi.queueing.models import TicketState


def test_issue_call_finish(office, kiosk, staff):
    ticket = services.ticket_issue(actor=kiosk, office_code="demo", category_code="moving")
    assert ticket.number == 1001
    called = services.ticket_call_next(actor=staff, counter_id=office.counters.get(number=1).pk)
    assert called.pk == ticket.pk and called.state == TicketState.CALLED
    done = services.ticket_finish(actor=staff, counter_id=office.counters.get(number=1).pk)
    assert done.state == TicketState.DONE
