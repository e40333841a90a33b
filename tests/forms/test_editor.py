"""The counter's form editor (届出内容・聞き取り) through the Django test client, as a clerk's
browser uses it: the case's data shown (audited), corrected into a new version that the printed
forms use, a refused save that keeps every typed value with each message beside its field, 聞き取り
for a visitor without a case (the case is opened, linked to the called ticket), postcode → address
on the spot (internal side), and the refusals (another office, no log-in)."""

import datetime as dt
import re
from html import unescape

import pytest

from madoguchi.cases import selectors as case_selectors
from madoguchi.cases.models import Case, CaseEntry, CaseForm, CaseTicket
from madoguchi.core.actors import SYSTEM
from madoguchi.core.models import AuditLog
from madoguchi.forms import interview, wareki
from madoguchi.queueing import services as queue
from madoguchi.queueing.models import Counter

from .move_data import move_form
from .pdftext import all_text


@pytest.fixture
def clerk(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def counter1(office):
    return Counter.objects.get(office=office, number=1)


def post_fields(data: dict, version: int | None = None) -> dict:
    """The editor's POST for ``data`` (what a clerk would have typed on the screen showing
    ``version``)."""
    out = {"kind": data["kind"], "move_date": data["move_date"], "phone": data["phone"],
           "email": data.get("email", ""), "members": str(len(data["members"])), "op": "save",
           "version": str(version or "")}
    for which in interview.ADDRESSES:
        for field, value in data[which].items():
            out[f"{which}.{field}"] = value
    for i, member in enumerate(data["members"]):
        for field in interview.MEMBER_FIELDS:
            out[f"members-{i}-{field}"] = member[field]
    return out


def value_of(html: str, field_id: str) -> str:
    match = re.search(rf'<input id="{re.escape(field_id)}" name="[^"]*" value="([^"]*)"', html)
    assert match, field_id
    return unescape(match.group(1))


def error_of(html: str, field_id: str) -> str | None:
    match = re.search(rf'<p class="fe-error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    return unescape(match.group(1)) if match else None


def editor_url(counter, case=None) -> str:
    return f"/o/demo/counter/{counter.pk}/form/" + (f"{case.code}/" if case else "")


# ------------------------------------------------------------------ 届出内容: show, correct


def test_the_case_form_data_is_shown_editable_and_the_view_is_audited(clerk, counter1, demo_case):
    before = AuditLog.objects.filter(action="case.view", target=f"demo/case/{demo_case.code}").count()
    page = clerk.get(editor_url(counter1, demo_case))
    assert page.status_code == 200
    html = page.content.decode()
    assert value_of(html, "members-0-family_name") == "髙橋"
    assert value_of(html, "members-0-given_name") == "𠮷男"
    assert value_of(html, "members-3-family_name") == "山﨑"
    assert value_of(html, "new_address.town") == "香林坊"
    assert 'value="head" selected' in html and "第1版を表示しています" in html
    views = AuditLog.objects.filter(action="case.view", target=f"demo/case/{demo_case.code}")
    assert views.count() == before + 1
    assert views.order_by("-id").first().detail["via"] == "form"


def test_a_correction_is_kept_as_the_next_version_and_printed(clerk, counter1, demo_case):
    data = case_selectors.case_form(demo_case).data
    fields = post_fields(data, version=1)
    fields["members-1-given_name"] = "美咲"          # the clerk corrects a name
    fields["members-1-given_kana"] = "みさき"        # typed in hiragana: kept as カタカナ
    fields["members-0-birth_date"] = "S60.4.2"      # 和暦 is read (the same day)
    answer = clerk.post(editor_url(counter1, demo_case), fields)
    assert answer.status_code == 302 and answer["Location"] == f"/o/demo/counter/{counter1.pk}/"
    latest = case_selectors.case_form(demo_case)
    assert latest.version == 2 and latest.source == "interview"
    assert latest.data["members"][1]["given_name"] == "美咲"
    assert latest.data["members"][1]["given_kana"] == "ミサキ"
    assert latest.data["members"][0]["birth_date"] == "1985-04-02"
    assert CaseEntry.objects.filter(case=demo_case, kind="form", detail__version=2).exists()
    # The counter screen says so, and the print uses version 2.
    side = clerk.get(f"/o/demo/counter/{counter1.pk}/case/").content.decode()
    assert "第2版として保存しました" in side and 'id="case-form-edit"' in side
    pdf = clerk.get(f"/o/demo/cases/{demo_case.code}/forms/juumin_idou.pdf?counter={counter1.pk}")
    assert pdf.status_code == 200
    assert "髙橋\u3000美咲" in all_text(pdf.content)

    # Saving the same data again keeps no new version.
    again = clerk.post(editor_url(counter1, demo_case), {**fields, "version": "2"})
    assert again.status_code == 302 and case_selectors.case_form(demo_case).version == 2
    assert "届出内容に変更はありません" in clerk.get(f"/o/demo/counter/{counter1.pk}/case/").content.decode()


def test_a_save_over_a_version_the_screen_did_not_show_is_refused_once(clerk, counter1, demo_case, staff):
    """Two clerks on one case: the second save does not silently replace the first's."""
    fields = post_fields(case_selectors.case_form(demo_case).data, version=1)
    fields["phone"] = "0762209999"
    other = {**case_selectors.case_form(demo_case).data, "phone": "0762208888"}
    from madoguchi.cases.services import case_attach_form

    case_attach_form(actor=staff, case_code=demo_case.code, form_data=other)  # meanwhile, at another counter
    html = clerk.post(editor_url(counter1, demo_case), fields).content.decode()
    assert "届出内容が第2版に更新されました" in unescape(html)
    assert value_of(html, "phone") == "0762209999" and 'name="version" value="2"' in html
    assert case_selectors.case_form(demo_case).version == 2
    # Seen and saved again: it is the next version.
    assert clerk.post(editor_url(counter1, demo_case), {**fields, "version": "2"}).status_code == 302
    assert case_selectors.case_form(demo_case).data["phone"] == "0762209999"


def test_a_character_the_font_lacks_is_flagged_on_the_editor(clerk, counter1, demo_case, staff):
    from madoguchi.cases.services import case_attach_form

    data = case_selectors.case_form(demo_case).data
    data["members"][1]["given_name"] = "美\ue000"
    case_attach_form(actor=staff, case_code=demo_case.code, form_data=data)
    html = unescape(clerk.get(editor_url(counter1, demo_case)).content.decode())
    assert 'id="fe-unprintable"' in html and "2人目の氏名（名）: 「\ue000」U+E000" in html


def test_a_wrong_date_keeps_every_typed_value_and_says_where(clerk, counter1, demo_case):
    fields = post_fields(case_selectors.case_form(demo_case).data, version=1)
    fields["members-2-birth_date"] = "令和5年2月30日"
    fields["members-1-given_name"] = "美咲"
    fields["phone"] = "07612"
    page = clerk.post(editor_url(counter1, demo_case), fields)
    assert page.status_code == 200
    html = page.content.decode()
    assert error_of(html, "members-2-birth_date") == "日付が正しくありません（その月にない日です）。"
    assert error_of(html, "phone").startswith("電話番号は0から始まる")
    assert error_of(html, "members-0-birth_date") is None
    assert "3人目の生年月日: 日付が正しくありません" in unescape(html)
    # Nothing typed is lost, nothing is stored.
    assert value_of(html, "members-2-birth_date") == "令和5年2月30日"
    assert value_of(html, "members-1-given_name") == "美咲"
    assert value_of(html, "phone") == "07612"
    assert value_of(html, "members-3-given_name") == "𠮷子"
    assert case_selectors.case_form(demo_case).version == 1
    assert 'data-focus="members-2-birth_date"' in html  # the keys go to the first problem


def test_adding_and_removing_a_member_keeps_what_was_typed(clerk, counter1, demo_case):
    fields = post_fields(case_selectors.case_form(demo_case).data, version=1)
    fields["members-0-given_name"] = "太郎"
    html = clerk.post(editor_url(counter1, demo_case), {**fields, "op": "add"}).content.decode()
    assert value_of(html, "members-4-family_name") == "" and value_of(html, "members-0-given_name") == "太郎"
    assert 'data-focus="members-4-family_name"' in html and 'name="members" value="5"' in html
    html = clerk.post(editor_url(counter1, demo_case), {**fields, "op": "remove-1"}).content.decode()
    assert 'name="members" value="3"' in html and value_of(html, "members-1-given_name") == "陽菜"
    assert case_selectors.case_form(demo_case).version == 1


# ------------------------------------------------------------------ 聞き取り: a visitor without a case


def test_interview_for_the_called_visitor_opens_a_linked_case_with_its_form(clerk, office, staff, counter1):
    visitor = queue.ticket_issue(actor=SYSTEM, office_code="demo", category_code="moving")
    queue.ticket_call(actor=staff, counter_id=counter1.pk, ticket_id=visitor.public_id)
    page = clerk.get(editor_url(counter1)).content.decode()
    assert f"呼出中の{visitor.number}番に紐付けます" in page
    side = clerk.get(f"/o/demo/counter/{counter1.pk}/case/").content.decode()
    assert 'id="case-interview"' in side and 'data-key="e"' in side

    data = move_form(2)
    data["members"][0]["birth_date"] = "昭和60年4月2日"
    cases_before = Case.objects.count()
    answer = clerk.post(editor_url(counter1), post_fields(data))
    assert answer.status_code == 302
    assert Case.objects.count() == cases_before + 1
    case = case_selectors.case_for_ticket(visitor.public_id)
    assert case is not None and case.source == "interview" and case.life_event == "tennyu"
    assert case.answers["household"][0] == {"relationship": "head", "birth_date": "1985-04-02"}
    kept = case_selectors.case_form(case)
    assert kept.version == 1 and kept.data["members"][1]["family_kana"] == "タカハシ"
    assert case.procedures.exists()
    side = clerk.get(f"/o/demo/counter/{counter1.pk}/case/").content.decode()
    assert f'data-case-code="{case.code}"' in side and "を作成しました" in side
    # Now the visitor has a case: 聞き取り leads to its 届出内容.
    again = clerk.get(editor_url(counter1))
    assert again.status_code == 302 and again["Location"].endswith(f"/form/{case.code}/")


def test_a_refused_interview_opens_nothing(clerk, counter1):
    data = move_form(2)
    data["new_address"]["town"] = ""
    counts = (Case.objects.count(), CaseForm.objects.count(), CaseEntry.objects.count(), CaseTicket.objects.count())
    html = clerk.post(editor_url(counter1), post_fields(data)).content.decode()
    assert error_of(html, "new_address.town") == "都道府県・市区町村・町名を入力してください。"
    assert (Case.objects.count(), CaseForm.objects.count(), CaseEntry.objects.count(),
            CaseTicket.objects.count()) == counts


# ------------------------------------------------------------------ postcode → address


def test_the_postcode_fills_the_address_on_the_internal_side(clerk, counter1):
    url = f"/o/demo/counter/{counter1.pk}/postcode/"
    found = clerk.get(url, {"which": "new_address", "new_address.postcode": "９２０－０９６１",
                            "new_address.banchi": "1-1"}, HTTP_HX_REQUEST="true")
    html = found.content.decode()
    assert found.status_code == 200
    assert value_of(html, "new_address.prefecture") == "石川県"
    assert value_of(html, "new_address.city") == "金沢市"
    assert value_of(html, "new_address.town") == "香林坊"
    assert value_of(html, "new_address.banchi") == "1-1"  # what was typed stays
    assert 'placeholder="1丁目1-1" autofocus' in html     # the keys go on to 番地
    assert clerk.get(url, {"which": "new_address", "new_address.postcode": "92009"}).status_code == 204
    city_only = clerk.get(url, {"which": "old_address", "old_address.postcode": "0600000"}).content.decode()
    assert value_of(city_only, "old_address.city") == "札幌市中央区" and value_of(city_only, "old_address.town") == ""
    assert 'name="old_address.town" value="" autocomplete="off" autofocus' in city_only  # then 町名
    missing = clerk.get(url, {"which": "old_address", "old_address.postcode": "0000000"}).content.decode()
    assert "見つかりません" in missing


def test_the_editor_is_for_staff_of_the_office_only(client, counter1, demo_case):
    assert client.get(editor_url(counter1, demo_case)).status_code == 302  # to the log-in page
    assert client.get(f"/o/demo/counter/{counter1.pk}/postcode/", {"which": "new_address"}).status_code == 302
    assert not AuditLog.objects.filter(action="case.view", detail__via="form").exists()


# ------------------------------------------------------------------ 和暦 typed


@pytest.mark.parametrize(("typed", "day"), [
    ("昭和60年4月2日", "1985-04-02"), ("S60.4.2", "1985-04-02"), ("ｓ６０．４．２", "1985-04-02"),
    ("令和元年5月1日", "2019-05-01"), ("R1/5/1", "2019-05-01"), ("H31.4.30", "2019-04-30"),
    ("1985-04-02", "1985-04-02"), ("1985/4/2", "1985-04-02"), ("19850402", "1985-04-02"),
    ("大正15年12月24日", "1926-12-24"),
])
def test_typed_dates_in_wareki_or_western(typed, day):
    assert wareki.parse(typed) == dt.date.fromisoformat(day)


@pytest.mark.parametrize(("typed", "message"), [
    ("平成31年5月1日", "この元号にない日付です"), ("昭和64年1月8日", "この元号にない日付です"),
    ("60.4.2", "元号を付けて"), ("2023-02-30", "その月にない日"), ("きのう", "読み取れません"),
])
def test_dates_that_cannot_be_read_say_why(typed, message):
    with pytest.raises(wareki.WarekiError, match=message):
        wareki.parse(typed)
