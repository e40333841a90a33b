"""Every citizen-facing message has a reviewed translation in each catalogue (no empty or fuzzy msgstr)."""

from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "madoguchi"
CATALOGUES = ["en", "zh_Hans", "ko", "vi", "pt_BR"]
# Files whose strings citizens see (staff screens are Japanese-only on purpose).
CITIZEN_FILES = (
    "templates/base.html", "queueing/templates/queueing/kiosk.html", "queueing/templates/queueing/_kiosk_",
    "queueing/templates/queueing/ticket.html", "queueing/templates/queueing/_ticket_state.html",
    "queueing/templates/queueing/_wait_estimate.html",
    "queueing/templates/queueing/_stale.html", "queueing/templates/queueing/public_board.html",
    "queueing/templates/queueing/_board_table.html", "queueing/templates/queueing/display.html",
    "queueing/templates/queueing/ticket_missing.html", "queueing/templates/queueing/index.html",
    "queueing/templates/queueing/office_home.html", "queueing/templates/queueing/_screen_links.html",
    "notices/templates/notices/", "notices/messages.py", "notices/selectors.py",
    "core/templatetags/madoguchi_i18n.py", "core/i18n.py", "core/templates/", "core/errorpages.py",
    # the navigator (citizen's phone and the kiosk; the interview screen is staff, Japanese)
    "procedures/views.py", "procedures/texts.py", "procedures/templates/procedures/navigator_citizen.html",
    "procedures/templates/procedures/navigator_kiosk.html", "procedures/templates/procedures/_navigator.html",
    "procedures/templates/procedures/_kiosk_",
    # the citizen's move form (forms/: the printed forms and the counter's screens are staff)
    "forms/citizen.py", "forms/templates/forms/citizen_form.html",
    # booking a visit (phone), its e-mails and calendar file, and the kiosk's check-in
    "reservations/citizen_views.py", "reservations/kiosk_views.py", "reservations/mail.py",
    "reservations/calendar_file.py", "reservations/templates/reservations/book_",
    "reservations/templates/reservations/reservation", "reservations/templates/reservations/_kiosk_",
    # 混雑予想: the office calendar page, the places' pages (the level words live in forecasting/levels.py)
    "forecasting/templates/forecasting/office_forecast", "forecasting/templates/forecasting/_day",
    "forecasting/office_views.py", "forecasting/api.py", "forecasting/levels.py",
    "forecasting/templates/forecasting/place", "forecasting/templates/forecasting/_level", "forecasting/views.py",
    "forecasting/closing.py", "forecasting/holiday_names.py",  # 休館日 reasons, Japan's holiday names
)
# Citizen-facing strings that live in mixed files.
CITIZEN_MSGIDS = {
    "この端末は発券機として登録されていません。職員にお声がけください。",
    "この手続きは現在発券していません。職員にお声がけください。",
    "本日はこの手続きの番号札の発行を終了しました。職員にお声がけください。",
    # the five forecast levels (forecasting/levels.py), shown on the places' pages
    "空いている", "やや空いている", "普通", "やや混雑", "大変混雑",
    # a place's closed weekday on a holiday (forecasting/models.py), shown on the places' pages
    "祝日でも休館", "祝日の場合は開館", "祝日の場合は開館し、翌平日に休館",
}


def parse(path: Path):
    """(references, flags, msgid, msgstrs) for every entry of a .po file."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        refs, flags, fields, key = [], [], {}, None
        for line in block.splitlines():
            if line.startswith("#:"):
                refs += line[2:].split()
            elif line.startswith("#,"):
                flags += [f.strip() for f in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[key] += eval(line)  # noqa: S307 - a quoted PO string literal
            else:
                key, _, value = line.partition(" ")
                fields[key] = eval(value)  # noqa: S307
        if fields.get("msgid"):
            strs = [v for k, v in fields.items() if k.startswith("msgstr")]
            entries.append((refs, flags, fields["msgid"], strs))
    return entries


def citizen(refs, msgid) -> bool:
    return msgid in CITIZEN_MSGIDS or any(ref.startswith(CITIZEN_FILES) for ref in refs)


@pytest.mark.parametrize("lang", CATALOGUES)
def test_citizen_messages_translated(lang):
    po = SRC / "locale" / lang / "LC_MESSAGES" / "django.po"
    entries = parse(po)
    checked = [(msgid, strs, flags) for refs, flags, msgid, strs in entries if citizen(refs, msgid)]
    assert len(checked) >= 85
    missing = [msgid for msgid, strs, flags in checked if "fuzzy" in flags or not all(strs)]
    assert not missing, f"{lang}: untranslated or fuzzy: {missing}"
    for msgid, strs, _flags in checked:
        for placeholder in ("{n}", "{number}", "{counter}", "{w}", "{m}", "{time}", "{date}", "{rule}", "%(n)s", "%(m)s", "%(l)s", "%(w)s", "%(t)s", "%(c)s"):
            if placeholder in msgid:
                assert all(placeholder in s for s in strs), f"{lang}: {placeholder} lost in {msgid}"
    assert po.with_suffix(".mo").exists(), f"{lang}: compile with `madoguchi manage compilemessages`"


@pytest.mark.parametrize("lang,forms", [("en", 2), ("pt_BR", 2), ("zh_Hans", 1), ("ko", 1), ("vi", 1)])
def test_plural_forms(lang, forms):
    text = (SRC / "locale" / lang / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert f"nplurals={forms};" in text


def test_one_set_of_catalogues():
    """The notices app's own catalogue was merged into the project's: no second, diverging copy."""
    stray = [p for p in SRC.rglob("LC_MESSAGES/*.po") if p.parent.parent.parent != SRC / "locale"]
    assert not stray
