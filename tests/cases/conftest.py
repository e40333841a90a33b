"""The case tests run on their own small catalogue (tests/cases/catalogue/) whose sections
point at the demo office's counters: 市民課 moving, 保険年金課 insurance, こども課 children,
介護保険課 care, and 保健所 without a counter."""

from pathlib import Path

import pytest

from madoguchi.core.actors import SYSTEM
from madoguchi.queueing import services as queue

CATALOGUE = Path(__file__).parent / "catalogue"

# A family moving in with a 3-year-old and a 70-year-old (the issue's example household).
FAMILY = {
    "move_date": "2026-11-28",
    "household": [{"relationship": "head", "birth_date": "1985-04-02"},
                  {"relationship": "child", "birth_date": "2023-05-05"},
                  {"relationship": "parent", "birth_date": "1956-01-10"}],
    "previous_insurance": "shaho",
    "dogs": 0,
}


@pytest.fixture(autouse=True)
def case_catalogue(monkeypatch):
    from madoguchi.procedures import catalogue

    monkeypatch.setenv("MADOGUCHI_CATALOGUE_DIR", str(CATALOGUE))
    catalogue.reset_active()
    yield
    catalogue.reset_active()


def issue(category: str = "moving"):
    return queue.ticket_issue(actor=SYSTEM, office_code="demo", category_code=category)


@pytest.fixture
def family_case(office, staff):
    from madoguchi.cases.services import case_open

    return case_open(actor=staff, office=office, life_event="tennyu", answers=FAMILY, on="2026-12-01",
                     source="interview")
