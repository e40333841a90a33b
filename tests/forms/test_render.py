"""The renderer: a form defined only as data prints with each value inside its box, names keep
every character (髙, 﨑, 𠮷), a character the font lacks refuses the print, a missing value is
named, a household larger than the table continues on a second page."""

import datetime as dt

import pytest
from pypdf import PdfReader

from madoguchi.forms import layout, render
from madoguchi.forms.values import context, fill

from .conftest import FIXTURES
from .household import household
from .pdftext import all_text, inside, pieces

TODAY = dt.date(2026, 11, 28)


def embedded_glyph_names(pdf: bytes) -> set[str]:
    import io

    from fontTools.cffLib import CFFFontSet

    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    cid_font = next(iter(fonts.values())).get_object()["/DescendantFonts"][0].get_object()
    data = cid_font["/FontDescriptor"]["/FontFile3"].get_object().get_data()
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(data), None)
    return set(cff[cff.fontNames[0]].charset)


def city_template():
    return layout.load_file(FIXTURES / "city_moving_notice.yaml")


def test_a_form_defined_only_as_data_prints_every_field_inside_its_box():
    template = city_template()  # YAML + the city's blank PDF: no code
    data = household()
    rendered = render.render(template, data, today=TODAY)
    found = pieces(rendered.pdf)
    ctx = context(data, today=TODAY)
    expected = []
    for item in template.pages[0].items:
        if isinstance(item, layout.Rows):
            for slot, member in enumerate(data["members"][:item.max]):
                row_ctx = {**ctx, "row": member, "n": str(slot + 1)}
                for sub in item.items:
                    x, y, w, h = sub.box
                    expected.append((fill(sub.value, row_ctx, TODAY)[0], (x, y + slot * item.step, w, h)))
        else:
            expected.append((fill(item.value, ctx, TODAY)[0], item.box))
    assert len(expected) == 6 + 3 * 4
    for text, box in expected:
        assert text, box
        matches = [p for p in found if p["text"] == text and inside(p, box, page=0)]
        assert matches, f"{text!r} not printed inside {box}: {[p for p in found if p['text'] == text]}"
    # the printed values, as a clerk reads them
    texts = {p["text"] for p in found}
    assert {"髙橋\u3000𠮷男", "昭和60年4月2日", "石川県金沢市香林坊一丁目1番1号", "令和8年11月20日",
            "妻", "令和元年5月1日"} <= texts
    # laid over the city's own blank form: its printed text is on the same page, under the fields
    reader = PdfReader(__import__("io").BytesIO(rendered.pdf))
    assert len(reader.pages) == 2 and rendered.pages == 2  # four members, three rows a page
    assert "EXAMPLE CITY - MOVING NOTICE" in reader.pages[0].extract_text()
    assert "EXAMPLE CITY - MOVING NOTICE" in reader.pages[1].extract_text()
    second = [p for p in found if p["page"] == 1]
    assert any(p["text"] == "山﨑\u3000𠮷子" and inside(p, (30, 100, 70, 10)) for p in second)
    assert any(p["text"] == "4" and inside(p, (20, 100, 10, 10)) for p in second)


def test_a_long_address_shrinks_to_stay_in_its_box():
    data = household()
    data["new_address"]["banchi"] = "一丁目1番1号" * 6
    rendered = render.render(city_template(), data, today=TODAY)
    address = next(p for p in pieces(rendered.pdf) if p["text"].startswith("石川県金沢市"))
    assert inside(address, (50, 60, 140, 12)) and address["size"] < 12


def test_names_with_rare_kanji_read_back_from_the_standard_form():
    rendered = render.render(layout.installed()["juumin_idou"], household(), today=TODAY)
    text = all_text(rendered.pdf)
    for name in ("髙橋\u3000𠮷男", "髙橋\u3000美﨑", "山﨑\u3000𠮷子"):
        assert name in text
    assert "\U00020bb7" in text and "髙" in text and "﨑" in text
    assert "吉男" not in text.replace("𠮷男", "")  # never a substitute (吉 for 𠮷)
    assert "平成元年1月8日" in text and "令和元年5月1日" in text  # the boundaries, as printed
    assert rendered.pages == 1


def test_a_character_the_font_lacks_is_refused_before_printing():
    data = household()
    data["members"][1]["given_name"] = "美\ue000"  # private use: no glyph in any font we ship
    with pytest.raises(render.FormUnprintable) as refused:
        render.render(layout.installed()["juumin_idou"], data, today=TODAY)
    assert refused.value.chars == [{"char": "\ue000", "codepoint": "U+E000", "field": "members[1]"}]


def test_a_variation_sequence_prints_its_own_glyph_and_reads_back_as_typed():
    kuzu_e0100 = "葛\U000e0100"  # the variant the font's IVS table names (not the default 葛)
    kuzu_e0101 = "葛\U000e0101"  # the font's default shape of 葛, as a sequence
    uvs = render._font_charset()[1]  # noqa: SLF001
    assert uvs[0xE0100][0x845B] is not None and uvs[0xE0101][0x845B] is None
    data = household()
    data["members"][3]["given_name"] = kuzu_e0100 + "子"
    data["members"][1]["given_name"] = kuzu_e0101 + "美"
    rendered = render.render(layout.installed()["juumin_idou"], data, today=TODAY)
    text = all_text(rendered.pdf)
    assert "山﨑\u3000" + kuzu_e0100 + "子" in text  # exactly the code points typed
    assert "髙橋\u3000" + kuzu_e0101 + "美" in text
    # the variant is drawn with its own glyph: the embedded subset holds it beside the default one
    glyphs = embedded_glyph_names(rendered.pdf)
    assert {uvs[0xE0100][0x845B], render.font_cmap()[0x845B]} <= glyphs
    # a selector the font does not know for that character is refused, never dropped
    data["members"][0]["given_name"] = "あ\U000e0100"
    with pytest.raises(render.FormUnprintable) as refused:
        render.render(layout.installed()["juumin_idou"], data, today=TODAY)
    assert refused.value.chars[0]["codepoint"] == "U+3042 U+E0100"


def test_missing_values_are_named_by_their_place_in_the_data():
    data = household()
    del data["members"][2]["birth_date"]
    data["new_address"]["city"] = ""
    data["phone"] = ""
    with pytest.raises(render.FormDataMissing) as refused:
        render.render(layout.installed()["juumin_idou"], data, today=TODAY)
    assert refused.value.fields == ["members[2].birth_date", "new_address.city", "phone"]
    # optional values (方書) may be empty
    data = household()
    data["new_address"]["building"] = ""
    assert render.render(layout.installed()["juumin_idou"], data, today=TODAY).pages == 1


def test_a_household_of_six_continues_on_a_second_page_of_the_standard_form():
    data = household()
    data["members"] += [
        {**data["members"][2], "given_name": "蒼", "given_kana": "アオイ", "birth_date": "2021-03-03", "sex": "male"},
        {**data["members"][2], "given_name": "葵", "given_kana": "アオイ", "birth_date": "2024-12-01"},
    ]
    rendered = render.render(layout.installed()["juumin_idou"], data, today=TODAY)
    assert rendered.pages == 2
    second = [p["text"] for p in pieces(rendered.pdf) if p["page"] == 1]
    assert "髙橋\u3000蒼" in second and "髙橋\u3000葵" in second and "5" in second and "6" in second
    assert "髙橋\u3000𠮷男" in second  # the head and the addresses repeat on the continuation


def test_each_form_fills_from_the_same_data_and_only_its_own_people():
    data = household()
    texts = {code: all_text(render.render(t, data, today=TODAY).pdf) for code, t in layout.installed().items()}
    assert set(texts) == {"juumin_idou", "kokuho_idou", "jidou_teate", "inkan_touroku", "kodomo_iryo"}
    for text in texts.values():
        assert "髙橋\u3000𠮷男" in text and "香林坊" in text
    assert "陽菜" in texts["jidou_teate"] and "山﨑" not in texts["jidou_teate"]  # children only
    assert "美﨑" in texts["jidou_teate"]                                           # the spouse's row
    assert "陽菜" in texts["kodomo_iryo"] and "美﨑" not in texts["kodomo_iryo"]
    assert "山﨑\u3000𠮷子" in texts["kokuho_idou"]


def test_a_template_with_a_box_off_the_paper_is_refused_at_load():
    with pytest.raises(layout.TemplateError, match="not on the A4 paper"):
        layout.parse("code: bad\nname: x\npages:\n  - items:\n"
                     "      - {type: field, value: '{phone}', box: [200, 10, 30, 10]}\n", "bad.yaml")
    with pytest.raises(layout.TemplateError, match="unknown format"):
        layout.parse("code: bad\nname: x\npages:\n  - items:\n"
                     "      - {type: field, value: '{phone|shout}', box: [10, 10, 30, 10]}\n", "bad.yaml")


def test_a_citys_directory_adds_its_forms(city_templates):
    layout.reload()
    assert "city_moving_notice" in layout.installed() and "juumin_idou" in layout.installed()


def test_the_server_does_not_start_with_a_broken_template(tmp_path, settings):
    from madoguchi.cli import catalogue_problem

    (tmp_path / "bad.yaml").write_text("code: bad\nname: x\npages:\n  - items:\n"
                                       "      - {type: field, value: '{phone}', box: [200, 10, 30, 10]}\n",
                                       encoding="utf-8")
    settings.FORM_TEMPLATES_DIR = str(tmp_path)
    layout.reload()
    problem = catalogue_problem()
    assert problem and "bad.yaml" in problem and "not on the A4 paper" in problem and "起動しません" in problem


def test_a_printed_form_leaves_no_copy_of_the_font_behind():
    """Each document parses its own copy of the font's tables (tens of MB once decompiled); a
    server printing all day must drop it after the PDF is written."""
    import gc

    for _ in range(2):
        render.render(layout.installed()["inkan_touroku"], household(), today=TODAY)
    gc.collect()
    alive = [o for o in gc.get_objects() if type(o).__name__ == "SequenceSubsetMap"]
    assert alive == []
