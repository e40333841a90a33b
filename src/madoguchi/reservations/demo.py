"""Demo reservations for `madoguchi demo`: the three types of issue 11 on the demo office
(転入・転出ワンストップ, マイナンバーカード受取, 一般相談) with a weekday schedule, a card ready for
pickup, and the booking 「DEMO-R1」 for the current half hour so check-in can be tried at once.
Called from cli.py after the queue's demo data."""

from __future__ import annotations

import datetime as dt
import logging

from madoguchi.core.actors import Actor
from madoguchi.core.timeutil import JST, now
from madoguchi.queueing.models import Category, Office, Section

from . import cards, codes, services
from .models import (
    Availability,
    CardNotice,
    Reservation,
    ReservationKind,
    ReservationStatus,
    ReservationType,
)

log = logging.getLogger(__name__)
ACTOR = Actor(kind="system", label="デモデータ")
DEMO_BOOKING = codes.demo_code(1)  # 「DEMO-R1」
DEMO_CARD = ("1234-5678-9012", dt.date(1990, 4, 1))  # the demo's notice letter: number, birth date

# code, kind, name, name_en, other languages, slot minutes, capacity, start, end, extra type fields
TYPES = [
    ("onestop", ReservationKind.ONESTOP, "転入・転出ワンストップ", "Moving in/out (one-stop)",
     {"zh-hans": "迁入·迁出一站式办理", "ko": "전입·전출 원스톱", "vi": "Chuyển đến/đi (một cửa)",
      "pt-br": "Mudança de endereço (atendimento único)"},
     30, 2, dt.time(9), dt.time(16), {"procedures_per_slot": 3, "max_slots": 3}),
    ("card", ReservationKind.CARD_PICKUP, "マイナンバーカード受取", "My Number Card pickup",
     {"zh-hans": "领取个人编号卡", "ko": "마이넘버 카드 수령", "vi": "Nhận thẻ My Number",
      "pt-br": "Retirada do cartão My Number"},
     15, 4, dt.time(9), dt.time(17), {}),
    ("general", ReservationKind.GENERAL, "一般相談", "General consultation",
     {"zh-hans": "一般咨询", "ko": "일반 상담", "vi": "Tư vấn chung", "pt-br": "Atendimento geral"},
     30, 3, dt.time(9), dt.time(17), {}),
]


def seed_reservations(office: Office, *, at: dt.datetime | None = None) -> Reservation | None:
    """The demo's types, schedules and card; DEMO-R1 booked for the half hour at hand (made
    again on every start, so it is always today's and the kiosk checks it in)."""
    at = at or now()
    fast_lane = Category.objects.filter(office=office, is_fast_lane=True).first()
    types = {}
    for order, (code, kind, name, name_en, names, minutes, capacity, start, end, extra) in enumerate(TYPES):
        rtype, created = ReservationType.objects.update_or_create(
            office=office, code=code, defaults={"kind": kind, "name": name, "name_en": name_en, "names": names,
                                                "category": fast_lane, "display_order": order, **extra})
        types[code] = rtype
        if created:
            Availability.objects.create(
                office=office, type=rtype, weekdays=[0, 1, 2, 3, 4], valid_from=dt.date(2026, 1, 1),
                start_time=start, end_time=end, slot_minutes=minutes, capacity=capacity,
                bookable_from_days=1, bookable_until_days=60)
    types["onestop"].sections.set(Section.objects.filter(office=office))
    _seed_card(office, at)
    return _seed_booking(office, types["general"], at)


def _seed_card(office: Office, at: dt.datetime) -> None:
    number, birth = DEMO_CARD
    CardNotice.objects.get_or_create(office=office, number=cards.normalize_number(number),
                                     defaults={"birth_date": birth, "name": "窓口 花子", "imported_at": at})
    # The demo's secret key is new on every start: the keyed hashes of every card waiting (the
    # demo's and any list imported before) are made again with it, the old ones dropped.
    from .staff_services import card_hashes_refresh

    card_hashes_refresh(office=office)


def _seed_booking(office: Office, rtype: ReservationType, at: dt.datetime) -> Reservation | None:
    # The half hour that check-in accepts now and for a while: this one in its first ten
    # minutes, else the next one (the kiosk takes a booking from 30 minutes before to 15 after
    # its time); started at 1:49, a booking for 1:30 would already be "late" at the kiosk.
    local = at.astimezone(JST)
    start = local.replace(minute=0 if local.minute < 30 else 30, second=0, microsecond=0)
    if local - start > dt.timedelta(minutes=10):
        start += dt.timedelta(minutes=30)
    old = Reservation.objects.filter(code=DEMO_BOOKING).first()
    if old is not None:
        if old.start == start and old.status == ReservationStatus.BOOKED:
            return old
        if old.status == ReservationStatus.BOOKED:
            services.reservation_cancel(actor=ACTOR, code=DEMO_BOOKING, at=at)
        old.delete()  # demo data only: the name DEMO-R1 moves to the current half hour
    return services.reservation_book(actor=ACTOR, office=office, type_code=rtype.code, start=start,
                                     code=DEMO_BOOKING, off_schedule=True, at=at)
