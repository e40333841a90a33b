"""The form data of one household (the §A MoveForm shape), as the phone form or the interview
gives it: the demo's family of four moving in (forms/demo.py), names with 髙, 﨑 and 𠮷
(U+20BB7), on fixed dates: the spouse born 1989-01-08 (平成元年, the era's first day) and the
child born 2019-05-01 (令和元年) put the 和暦 boundaries on the printed forms."""

import copy
import datetime as dt

from madoguchi.forms.demo import demo_form_data

# The same family on a fixed day: the tests read fixed 和暦 dates off the printed forms.
HOUSEHOLD = demo_form_data(dt.date(2026, 11, 23))
HOUSEHOLD["members"][1]["birth_date"] = "1989-01-08"
HOUSEHOLD["members"][2]["birth_date"] = "2019-05-01"
assert HOUSEHOLD["move_date"] == "2026-11-20"


def household(**changes) -> dict:
    data = copy.deepcopy(HOUSEHOLD)
    data.update(changes)
    return data
