"""マイナンバーカード受取: the card system's list imported inside, bookings checked against its
keyed hashes only, and the preparation list the staff print."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from madoguchi.core.actors import SYSTEM, actor_for_user
from madoguchi.core.errors import Conflict, Forbidden, ServiceError
from madoguchi.core.models import AuditLog
from madoguchi.reservations import card_import, cards
from madoguchi.reservations.models import CardNotice, CardNoticeHash, Reservation
from madoguchi.reservations.services import CITIZEN, reservation_book
from madoguchi.reservations.staff_services import card_notices_import

from .conftest import AT, TUESDAY, jst

FIXTURE = Path(__file__).parent / "fixtures" / "card_notices.csv"


def book_card(number, birth, start=None, **kw):
    return reservation_book(actor=CITIZEN, office="demo", type_code="card", start=start or jst(TUESDAY, 9),
                            notice_number=number, birth_date=birth, at=AT, **kw)


@pytest.fixture
def imported(card_type, supervisor):
    return card_notices_import(actor=actor_for_user(supervisor), office="demo", data=FIXTURE.read_bytes())


def test_the_imported_list_stays_inside_and_only_keyed_hashes_check_bookings(imported):
    assert imported == {"rows": 4, "added": 4, "updated": 0, "unchanged": 0, "removed": 0, "hashes": 4}
    hanako = CardNotice.objects.get(number="2026000101")
    assert (hanako.name, hanako.birth_date) == ("窓口 花子", dt.date(1980, 1, 2))
    assert CardNotice.objects.get(number="2026000102").birth_date == dt.date(1980, 3, 4)  # 昭和55年
    assert CardNotice.objects.get(number="2026000104").birth_date == dt.date(1995, 5, 6)  # H7
    digests = set(CardNoticeHash.objects.values_list("digest", flat=True))
    assert cards.notice_digest("demo", "2026-000101", dt.date(1980, 1, 2)) in digests
    assert not any("2026000101" in d for d in digests)
    # The audit log counts; it never holds a number, a birth date or a name.
    row = AuditLog.objects.get(action="card_notices_import")
    assert row.detail["added"] == 4 and "窓口" not in str(row.detail) and "2026" not in str(row.detail)


def test_a_valid_notice_books_and_a_wrong_one_is_refused(imported):
    # As people type it off the letter: full-width digits, no hyphen.
    made = book_card("２０２６０００１０１", "1980-01-02")
    assert made.notice_hash == cards.notice_digest("demo", "2026000101", dt.date(1980, 1, 2))
    assert "2026000101" not in str(Reservation.objects.filter(pk=made.pk).values().first())

    for number, birth in (("2026-000101", "1980-01-03"),   # right number, wrong birth date
                          ("2026-000199", "1980-01-02"),   # a number not in the list
                          ("2026-000102", "1980-01-02")):  # someone else's number
        with pytest.raises(ServiceError) as refused:
            book_card(number, birth)
        assert refused.value.code == "card_notice_unknown" and refused.value.status == 422
    with pytest.raises(ServiceError) as missing:
        book_card("", "1980-01-02")
    assert missing.value.code == "card_notice_required"
    # One booking per card.
    with pytest.raises(Conflict) as twice:
        book_card("2026-000101", "1980-01-02", start=jst(TUESDAY, 10))
    assert twice.value.code == "card_already_booked"


def test_a_file_with_bad_lines_imports_nothing_and_says_which(card_type, supervisor):
    data = ("交付通知書番号,生年月日,氏名\n2026-1,1980-01-02,甲\n,1980-01-02,乙\n2026-3,1980-13-40,丙\n"
            "2026-1,1990-01-01,丁\n").encode()
    with pytest.raises(ServiceError) as refused:
        card_notices_import(actor=actor_for_user(supervisor), office="demo", data=data)
    problems = refused.value.detail["problems"]
    assert refused.value.code == "card_csv_invalid"
    assert problems == ["3行目: 交付通知書番号がありません。",
                        "4行目: 生年月日「1980-13-40」を日付として読めません。",
                        "5行目: 交付通知書番号が2行目と重複しています。"]
    assert not CardNotice.objects.exists() and not CardNoticeHash.objects.exists()


def test_replace_removes_cards_no_longer_listed_so_they_cannot_be_booked(imported, supervisor):
    data = "交付通知書番号,生年月日,氏名\n2026-000101,1980-01-02,窓口 花子\n".encode()
    result = card_notices_import(actor=actor_for_user(supervisor), office="demo", data=data, replace=True)
    assert (result["unchanged"], result["removed"], result["hashes"]) == (1, 3, 1)
    with pytest.raises(ServiceError) as refused:
        book_card("2026-000102", "1980-03-04")
    assert refused.value.code == "card_notice_unknown"
    assert book_card("2026-000101", "1980-01-02")


def test_only_supervisors_import(card_type, staff):
    with pytest.raises(Forbidden):
        card_notices_import(actor=staff, office="demo", data=FIXTURE.read_bytes())


def test_the_command_imports_and_reports_bad_files(card_type, tmp_path):
    out = io.StringIO()
    call_command("import_cards", str(FIXTURE), "--office", "demo", stdout=out)
    assert "4行を読みました: 追加 4件" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_bytes("2026-9,そのうち,某\n".encode("cp932"))
    with pytest.raises(CommandError, match="1行目: 生年月日「そのうち」"):
        call_command("import_cards", str(bad), "--office", "demo")



def test_a_new_hash_key_needs_new_hashes_and_the_command_makes_them(card_type, settings):
    call_command("import_cards", str(FIXTURE), "--office", "demo", stdout=io.StringIO())
    settings.CARD_HASH_KEY = "a-new-key-after-rotation"
    with pytest.raises(ServiceError) as refused:
        book_card("2026-000101", "1980-01-02")
    assert refused.value.code == "card_notice_unknown"
    out = io.StringIO()
    call_command("import_cards", "--office", "demo", "--rehash", stdout=out)
    assert "4件" in out.getvalue() and CardNoticeHash.objects.count() == 4
    assert book_card("2026-000101", "1980-01-02")


@pytest.mark.dbfree
@pytest.mark.parametrize("text,expected", [
    ("1980-01-02", dt.date(1980, 1, 2)), ("1980/1/2", dt.date(1980, 1, 2)), ("19800102", dt.date(1980, 1, 2)),
    ("１９８０年１月２日", dt.date(1980, 1, 2)), ("昭和55年1月2日", dt.date(1980, 1, 2)),
    ("S55.1.2", dt.date(1980, 1, 2)), ("平成元年1月8日", dt.date(1989, 1, 8)), ("R2.2.29", dt.date(2020, 2, 29)),
    ("1980-02-30", None), ("不明", None), ("", None)])
def test_birth_dates_as_card_systems_write_them(text, expected):
    assert card_import.parse_date(text) == expected


# ------------------------------------------------------------------ the preparation list


@pytest.fixture
def two_pickups(imported):
    first = book_card("2026-000101", "1980-01-02", start=jst(TUESDAY, 9, 30))
    second = book_card("2026-000103", "1995-12-31", start=jst(TUESDAY, 9))
    return first, second


def test_the_preparation_list_prints_the_cards_by_slot(client, staff_user, two_pickups):
    from pypdf import PdfReader

    client.force_login(staff_user)
    response = client.get(f"/o/demo/reservations/cards/preparation.pdf?date={TUESDAY.isoformat()}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = text.replace("\x00", "")  # the CID font's two-byte codes, as pypdf reads them
    assert "準備リスト" in text and "2026年12月8日" in text
    # By slot: the 9:00 card (Nguyen) before the 9:30 one (窓口 花子).
    assert text.index("Nguyen Van An") < text.index("窓口 花子")
    assert "2026000103" in text and "09:30" in text

    csv_response = client.get(f"/o/demo/reservations/cards/preparation.csv?date={TUESDAY.isoformat()}")
    body = csv_response.content.decode("utf-8-sig").splitlines()
    assert body[0] == "予約時刻,予約番号,交付通知書番号,氏名,生年月日,状態,準備済"
    assert body[1].startswith("2026-12-08 09:00,") and "2026000103,Nguyen Van An,1995-12-31,予約中," in body[1]
    assert "2026000101,窓口 花子,1980-01-02" in body[2]
    assert len(body) == 3


def test_the_preparation_list_is_for_staff_of_the_office(client, two_pickups):
    response = client.get(f"/o/demo/reservations/cards/preparation.csv?date={TUESDAY.isoformat()}")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_preparation_list_leaves_out_cancelled_bookings(client, staff_user, two_pickups):
    from madoguchi.reservations.services import reservation_cancel

    reservation_cancel(actor=SYSTEM, code=two_pickups[1].code, at=AT)
    client.force_login(staff_user)
    body = client.get(f"/o/demo/reservations/cards/preparation.csv?date={TUESDAY.isoformat()}") \
        .content.decode("utf-8-sig").splitlines()
    assert len(body) == 2 and "窓口 花子" in body[1]


def test_a_card_already_handed_over_cannot_be_booked_after_the_next_import(imported, supervisor):
    # The card system's next list still names it, but the notice is marked handed over inside.
    CardNotice.objects.filter(number="2026000102").update(picked_up_at=AT)
    result = card_notices_import(actor=actor_for_user(supervisor), office="demo", data=FIXTURE.read_bytes())
    assert result["hashes"] == 3
    with pytest.raises(ServiceError) as refused:
        book_card("2026-000102", "1980-03-04")
    assert refused.value.code == "card_notice_unknown"


def test_a_card_handed_over_is_marked_and_cannot_be_booked_again(client, staff_user, two_pickups,
                                                                  django_capture_on_commit_callbacks):
    hanako = two_pickups[0]
    client.force_login(staff_user)
    day = f"/o/demo/reservations/?date={TUESDAY.isoformat()}"
    assert client.get(day).content.decode().count("交付済にする") == 2
    response = client.post(f"/o/demo/reservations/{hanako.code}/hand-over/", {"date": TUESDAY.isoformat()})
    assert response.status_code == 302
    notice = CardNotice.objects.get(number="2026000101")
    assert notice.picked_up_at is not None
    assert not CardNoticeHash.objects.filter(digest=hanako.notice_hash).exists()
    page = client.get(day).content.decode()
    assert "交付通知書 2026000101 のカードを交付済にしました。" in page and page.count("交付済にする") == 1
    csv_body = client.get(f"/o/demo/reservations/cards/preparation.csv?date={TUESDAY.isoformat()}") \
        .content.decode("utf-8-sig")
    assert "窓口 花子,1980-01-02,交付済" in csv_body
    # Cancelled, it cannot be booked again with the same letter.
    from madoguchi.reservations.services import reservation_cancel

    reservation_cancel(actor=SYSTEM, code=hanako.code, at=AT)
    with pytest.raises(ServiceError) as refused:
        book_card("2026-000101", "1980-01-02", start=jst(TUESDAY, 10))
    assert refused.value.code == "card_notice_unknown"
    # Not a card booking: refused plainly.
    other = client.post(f"/o/demo/reservations/{hanako.code[:4]}XXXX/hand-over/")
    assert other.status_code == 404


def test_handed_over_notices_go_after_the_retention_period(imported):
    from madoguchi.reservations.staff_services import card_notices_purge

    CardNotice.objects.filter(number="2026000101").update(picked_up_at=AT - dt.timedelta(days=31))
    CardNotice.objects.filter(number="2026000102").update(picked_up_at=AT - dt.timedelta(days=29))
    with pytest.raises(Forbidden):
        card_notices_purge(actor=actor_for_user(imported_supervisor()), days=30, at=AT)
    assert card_notices_purge(actor=SYSTEM, days=30, at=AT) == 1
    assert set(CardNotice.objects.values_list("number", flat=True)) == {"2026000102", "2026000103", "2026000104"}


def imported_supervisor():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="kacho")
