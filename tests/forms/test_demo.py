"""The demo's 「DEMO-1」: opened once with its form data, found by the name the banner gives, and
the banner lists its forms."""

from madoguchi.cases import codes
from madoguchi.cases import selectors as case_selectors
from madoguchi.cli import _print_demo_banner
from madoguchi.forms.demo import seed_form_case
from madoguchi.forms.selectors import case_forms_status


def test_demo_1_is_a_household_of_four_with_rare_kanji_and_every_form_ready(office):
    case = seed_form_case(office)
    assert seed_form_case(office).pk == case.pk  # idempotent: a second demo start keeps it
    assert codes.normalize("DEMO-1") == codes.normalize("demo1") == case.code == "DEM00001"
    assert case.display_code == "DEMO-1"  # as the banner names it, not 「DEM0-0001」
    data = case_selectors.case_form(case).data
    names = "".join(m["family_name"] + m["given_name"] for m in data["members"])
    assert data["kind"] == "tennyu" and len(data["members"]) == 4
    assert {"髙", "﨑", "\U00020bb7"} <= set(names)
    status = case_forms_status(case)
    assert [f["code"] for f in status["forms"] if f["ready"]] == [
        "juumin_idou", "inkan_touroku", "kokuho_idou", "jidou_teate", "kodomo_iryo"]


def test_the_banner_names_demo_1_and_its_forms(office, capsys):
    case = seed_form_case(office)
    _print_demo_banner("127.0.0.1", 8102, False, form_case=case.code)
    out = capsys.readouterr().out
    assert "DEMO-1" in out and "http://127.0.0.1:8102/o/demo/cases/DEMO-1/" in out
    for code in ("juumin_idou", "kokuho_idou", "jidou_teate", "inkan_touroku", "kodomo_iryo"):
        assert f"http://127.0.0.1:8102/api/v1/cases/DEMO-1/forms/{code}.pdf" in out
