"""The forms API and the print buttons: the issue's contract (§7), print records with their page
count, the audit log, refusals in the core error shape, and the demo's 「DEMO-1」."""

from django.test import Client

from madoguchi.cases import services as case_services
from madoguchi.core.models import AuditLog
from madoguchi.forms.models import FormPrint

from ..queueing.factories import make_office, make_staff, make_token
from .household import household
from .pdftext import all_text

STAFF = {"HTTP_AUTHORIZATION": "Bearer demo-staff"}
FIVE = {"juumin_idou": "住民異動届", "kokuho_idou": "国民健康保険 異動届", "jidou_teate": "児童手当 認定請求書",
        "inkan_touroku": "印鑑登録申請書", "kodomo_iryo": "こども医療費助成 申請書"}


def error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "detail"} and body["code"] == code and body["message"]
    return body


def test_the_installed_forms(client, office):
    got = client.get("/api/v1/forms", **STAFF)
    assert got.status_code == 200
    assert {f["code"]: f["name"] for f in got.json()} == FIVE
    assert client.get("/api/v1/forms").status_code == 401


def test_printing_a_form_of_demo_1_records_and_audits_it(client, demo_case):
    got = client.get("/api/v1/cases/DEMO-1/forms/juumin_idou.pdf", **STAFF)
    assert got.status_code == 200, got.content[:300]
    assert got["Content-Type"] == "application/pdf" and got.content.startswith(b"%PDF-")
    text = all_text(got.content)
    assert "髙橋\u3000𠮷男" in text and "山﨑\u3000𠮷子" in text and "髙橋\u3000美﨑" in text
    assert "石川県金沢市香林坊一丁目1番1号" in text and "DEMO-1" in text
    record = FormPrint.objects.get()
    assert (record.case_code, record.form, record.form_name, record.pages, record.actor) == (
        "DEM00001", "juumin_idou", "住民異動届", 1, "staff (デモ用 demo-staff)")
    audit = AuditLog.objects.get(action="form.print")
    assert audit.target == "demo/case/DEM00001" and audit.detail["pages"] == 1
    assert "髙橋" not in str(audit.detail)  # nothing personal in the audit log
    assert demo_case.entries.filter(kind="printed", detail__form="juumin_idou").count() == 1


def test_one_entry_many_forms_all_five_print_for_demo_1(client, demo_case):
    for code in FIVE:
        got = client.get(f"/api/v1/cases/{demo_case.code}/forms/{code}.pdf", **STAFF)
        assert got.status_code == 200, (code, got.content[:300])
        assert "髙橋\u3000𠮷男" in all_text(got.content)
    assert FormPrint.objects.count() == 5


def test_a_case_without_form_data_is_refused_naming_it(client, office, staff):
    case = case_services.case_open(actor=staff, office=office, life_event="tennyu", answers={}, source="interview")
    body = error(client.get(f"/api/v1/cases/{case.code}/forms/juumin_idou.pdf", **STAFF), 409, "form_data_missing")
    assert body["detail"]["fields"] == ["*"]
    assert not FormPrint.objects.exists() and not AuditLog.objects.filter(action="form.print").exists()


def test_missing_fields_are_named_for_the_clerk(client, office, staff):
    case = case_services.case_open(actor=staff, office=office, life_event="tennyu", answers={}, source="interview")
    data = household()
    del data["members"][2]["birth_date"]
    data["phone"] = ""
    case_services.case_attach_form(actor=staff, case_code=case.code, form_data=data)
    body = error(client.get(f"/api/v1/cases/{case.code}/forms/juumin_idou.pdf", **STAFF), 409, "form_data_missing")
    assert body["detail"]["fields"] == ["members[2].birth_date", "phone"]
    assert body["detail"]["labels"] == ["3人目の生年月日", "電話番号"]
    assert "3人目の生年月日" in body["message"]
    assert not FormPrint.objects.exists()


def test_an_unprintable_character_is_refused_naming_it(client, office, staff):
    case = case_services.case_open(actor=staff, office=office, life_event="tennyu", answers={}, source="interview")
    data = household()
    data["members"][3]["family_name"] = "山\ue000"
    case_services.case_attach_form(actor=staff, case_code=case.code, form_data=data)
    body = error(client.get(f"/api/v1/cases/{case.code}/forms/juumin_idou.pdf", **STAFF), 409,
                 "form_unprintable_chars")
    assert body["detail"]["chars"] == [{"char": "\ue000", "codepoint": "U+E000", "field": "members[3]"}]
    assert "U+E000" in body["message"] and "4人目" in body["message"]
    assert not FormPrint.objects.exists()


def test_the_latest_version_of_the_form_data_is_printed(client, demo_case, staff):
    data = household()
    data["members"][0]["given_name"] = "𠮷太郎"
    case_services.case_attach_form(actor=staff, case_code=demo_case.code, form_data=data)
    got = client.get(f"/api/v1/cases/{demo_case.code}/forms/inkan_touroku.pdf", **STAFF)
    assert "髙橋\u3000𠮷太郎" in all_text(got.content)
    assert FormPrint.objects.get().data_version == 2


def test_unknown_form_and_other_office(client, demo_case):
    error(client.get("/api/v1/cases/DEMO-1/forms/nope.pdf", **STAFF), 404, "form_not_found")
    other = make_office("other", categories=[("c", 1, 99, False, 5)], counters={1: ["c"]})
    token = make_token(other, "staff", user=make_staff(other))
    error(client.get("/api/v1/cases/DEMO-1/forms/juumin_idou.pdf", HTTP_AUTHORIZATION=f"Bearer {token}"), 403,
          "forbidden_office")
    assert not FormPrint.objects.exists()


def test_the_case_page_shows_the_print_buttons_the_procedures_need(office, demo_case, staff_user):
    browser = Client()
    browser.force_login(staff_user)
    page = browser.get("/o/demo/cases/DEMO-1/").content.decode()
    for code, _name in FIVE.items():
        assert f'href="/o/demo/cases/DEM00001/forms/{code}.pdf"' in page, code
    assert "印刷: 住民異動届" in page
    printed = browser.get("/o/demo/cases/DEM00001/forms/kokuho_idou.pdf")
    assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf"
    assert FormPrint.objects.get().form == "kokuho_idou"


def test_the_print_button_says_what_is_missing_before_printing(client, office, staff, staff_user):
    case = case_services.case_open(actor=staff, office=office, life_event="tennyu", answers={}, source="interview")
    browser = Client()
    browser.force_login(staff_user)
    page = browser.get(f"/o/demo/cases/{case.code}/").content.decode()
    assert "届出の内容（氏名・住所・生年月日など）がまだありません" in page
    data = household()
    data["members"][1]["given_name"] = "美\ue000"
    case_services.case_attach_form(actor=staff, case_code=case.code, form_data=data)
    page = browser.get(f"/o/demo/cases/{case.code}/").content.decode()
    assert "フォントにない文字（印刷できません）" in page and "U+E000" in page
    assert f'href="/o/demo/cases/{case.code}/forms/juumin_idou.pdf"' not in page  # the button is disabled
    refused = browser.get(f"/o/demo/cases/{case.code}/forms/juumin_idou.pdf")
    assert refused.status_code == 409 and "U+E000" in refused.content.decode()
    assert refused["Content-Type"].startswith("text/html")


def test_a_household_of_six_is_recorded_as_two_pages(client, office, staff):
    case = case_services.case_open(actor=staff, office=office, life_event="tennyu", answers={}, source="interview")
    data = household()
    data["members"] += [{**data["members"][2], "given_name": "蒼", "birth_date": "2021-03-03"},
                        {**data["members"][2], "given_name": "葵", "birth_date": "2024-12-01"}]
    case_services.case_attach_form(actor=staff, case_code=case.code, form_data=data)
    got = client.get(f"/api/v1/cases/{case.code}/forms/juumin_idou.pdf", **STAFF)
    assert got.status_code == 200 and got["X-Madoguchi-Pages"] == "2"
    assert FormPrint.objects.get().pages == 2
    assert AuditLog.objects.get(action="form.print").detail["pages"] == 2


def test_the_dx_office_sees_the_prints_and_their_pages(client, demo_case, staff):
    from django.contrib.auth import get_user_model

    from madoguchi.forms.selectors import print_counts

    data = household()
    data["members"] += [{**data["members"][2], "given_name": "蒼"}, {**data["members"][2], "given_name": "葵"}]
    case_services.case_attach_form(actor=staff, case_code=demo_case.code, form_data=data)  # six: 2 pages
    for code in ("juumin_idou", "juumin_idou", "kokuho_idou"):
        assert client.get(f"/api/v1/cases/DEMO-1/forms/{code}.pdf", **STAFF).status_code == 200
    assert print_counts(office=demo_case.office) == [
        {"form": "juumin_idou", "form_name": "住民異動届", "prints": 2, "pages": 4},
        {"form": "kokuho_idou", "form_name": "国民健康保険 異動届", "prints": 1, "pages": 1}]
    admin = Client()
    admin.force_login(get_user_model().objects.get(username="admin"))
    listing = admin.get("/admin/forms/formprint/")
    assert listing.status_code == 200 and "住民異動届" in listing.content.decode()
    assert admin.get(f"/admin/forms/formprint/{FormPrint.objects.first().pk}/delete/").status_code == 403


def test_print_all_gives_one_pdf_of_every_needed_form_each_recorded(office, demo_case, staff_user):
    from pypdf import PdfReader

    browser = Client()
    browser.force_login(staff_user)
    page = browser.get("/o/demo/cases/DEMO-1/").content.decode()
    assert 'href="/o/demo/cases/DEM00001/forms.pdf"' in page and "まとめて印刷（5種類）" in page
    got = browser.get("/o/demo/cases/DEM00001/forms.pdf")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert len(PdfReader(__import__("io").BytesIO(got.content)).pages) == 5 == int(got["X-Madoguchi-Pages"])
    text = all_text(got.content)
    for title in ("住民異動届", "国民健康保険 被保険者異動届", "児童手当 認定請求書", "印鑑登録申請書", "こども医療費助成"):
        assert title.replace(" ", "") in text.replace(" ", ""), title
    assert sorted(FormPrint.objects.values_list("form", flat=True)) == sorted(FIVE)


def test_print_all_is_refused_whole_when_one_form_cannot_print(office, staff, staff_user):
    case = case_services.case_open(actor=staff, office=office, life_event="tennyu",
                                   answers={"seal_registered": True}, source="interview")
    data = household()
    data["members"] = [m for m in data["members"] if m["relationship"] != "child"]  # no child
    case_services.case_attach_form(actor=staff, case_code=case.code, form_data=data)
    browser = Client()
    browser.force_login(staff_user)
    got = browser.get(f"/o/demo/cases/{case.code}/forms.pdf")
    assert got.status_code == 409 and "印刷できません" in got.content.decode()
    assert "世帯の方（続柄: 子）" in got.content.decode()  # 児童手当 needs a child's row
    assert not FormPrint.objects.exists()


def test_unprintable_characters_are_found_anywhere_in_the_form_data():
    from madoguchi.forms.selectors import unprintable_in

    data = household()
    data["old_address"]["building"] = "ハイツ\ue001"
    data["members"][3]["given_name"] = "𠮷子"  # printable
    assert unprintable_in(data) == [{"char": "\ue001", "codepoint": "U+E001", "field": "old_address.building",
                                     "label": "前の住所の建物名・部屋番号"}]
