"""One entry, many forms, from the citizen's phone: a hand-over carrying the move form opens a
case whose forms print with the names exactly as typed (髙, 﨑, 𠮷, 葛 + U+E0100)."""

from madoguchi.cases import selectors as case_selectors
from madoguchi.cases import services as case_services
from madoguchi.core.actors import SYSTEM
from madoguchi.core.models import AuditLog
from madoguchi.forms.data import navigator_answers, validate
from madoguchi.handover import services as handover_services

from ..handover.helpers import navigator_content, seal_for
from .move_data import VS17, move_form
from .pdftext import all_text

STAFF = {"HTTP_AUTHORIZATION": "Bearer demo-staff"}


def test_a_household_of_six_from_the_phone_prints_its_forms(client, office, staff):
    key = handover_services.office_key_create(actor=SYSTEM, office_code="demo")
    form = move_form(6)
    content = navigator_content(life_event="tennyu", answers=dict(navigator_answers(validate(form))), form=form)
    case = case_services.case_open(actor=staff, office=office, payload=seal_for(key, content))
    kept = case_selectors.case_form(case)
    assert kept.version == 1 and kept.source == "handover"
    assert [m["given_name"] for m in kept.data["members"]] == [m["given_name"] for m in validate(form).model_dump(
        mode="json")["members"]]
    assert case.entries.filter(kind="form").count() == 1
    assert AuditLog.objects.filter(action="case.form", target=f"demo/case/{case.code}").count() == 1

    got = client.get(f"/api/v1/cases/{case.code}/forms/juumin_idou.pdf", **STAFF)
    assert got.status_code == 200, got.content[:300]
    assert got["X-Madoguchi-Pages"] == "2"  # six people on a four-row form
    text = all_text(got.content)
    for member in kept.data["members"]:
        assert f"{member['family_name']}\u3000{member['given_name']}" in text, member["given_name"]
    assert "葛" + VS17 + "子" in text
    assert "石川県金沢市香林坊" in text
