"""Forms tests: the sample catalogue (its procedure codes are the ones the built-in templates
name), the demo's 「DEMO-1」 household, and a city's own templates dir (fixtures/)."""

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def sample_catalogue(monkeypatch):
    from madoguchi.procedures import catalogue

    monkeypatch.delenv("MADOGUCHI_CATALOGUE_DIR", raising=False)
    catalogue.reset_active()
    yield
    catalogue.reset_active()


@pytest.fixture(autouse=True)
def fresh_templates():
    from madoguchi.forms import layout

    layout.reload()
    yield
    layout.reload()


@pytest.fixture
def city_templates(settings):
    settings.FORM_TEMPLATES_DIR = str(FIXTURES)


@pytest.fixture
def demo_case(office):
    from madoguchi.forms.demo import seed_form_case

    case = seed_form_case(office)
    assert case is not None and case.code == "DEM00001"
    return case
