"""The dashboard's entry forms: an actual (達成状況) and a target (目標値), typed by DX staff.

Numbers are read as people type them: full-width digits, thousands commas, a trailing 「%」
or unit are accepted (「１,２６３人」 → 1263). Every error is a Japanese sentence naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms

REQUIRED = "{}を入力してください。"


class NumberField(forms.CharField):
    def __init__(self, *, label: str, required: bool = False, **kwargs):
        super().__init__(label=label, required=required,
                         error_messages={"required": REQUIRED.format(label)}, **kwargs)
        self.widget.attrs.update(inputmode="decimal", autocomplete="off", maxlength="30")

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > 30:
            raise forms.ValidationError(f"{self.label}は30文字までで入力してください。")
        text = unicodedata.normalize("NFKC", text).replace(",", "").replace("，", "").strip()
        text = re.sub(r"[^\d.\-]+$", "", text)  # a unit typed after the number: 「%」「人」「時間減」
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(f"{self.label}は数字で入力してください（例: 1263、62.5）。") from None
        if not number.is_finite() or abs(number) >= Decimal("1e12"):
            raise forms.ValidationError(f"{self.label}は12桁までの数字で入力してください。")
        return number


def _kpi_choices(kpis) -> list[tuple[str, str]]:
    return [("", "選んでください")] + [(k.code, f"{k.name}（{k.area}）") for k in kpis]


class _KpiForm(forms.Form):
    kpi = forms.ChoiceField(label="KPI（成果指標）", error_messages={
        "required": "KPI を選んでください。", "invalid_choice": "KPI を一覧から選んでください。"})
    fiscal_year = forms.IntegerField(label="年度（西暦）", min_value=2000, max_value=2100, error_messages={
        "required": REQUIRED.format("年度"), "invalid": "年度は西暦の数字で入力してください（例: 2022）。",
        "min_value": "年度は2000以降で入力してください。", "max_value": "年度は2100以前で入力してください。"})

    def __init__(self, *args, kpis=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = _kpi_choices(kpis)
        self.fields["fiscal_year"].widget.attrs.update(inputmode="numeric", autocomplete="off")


class ActualForm(_KpiForm):
    as_of = forms.DateField(label="時点", widget=forms.DateInput(attrs={"type": "date"}),
                            input_formats=["%Y-%m-%d", "%Y/%m/%d"], error_messages={
                                "required": REQUIRED.format("時点（日付）"),
                                "invalid": "時点は日付で入力してください（例: 2022-03-31）。"})
    value = NumberField(label="実績値")
    numerator = NumberField(label="分子")
    denominator = NumberField(label="分母")
    note = forms.CharField(label="補足", required=False, max_length=300, error_messages={
        "max_length": "補足は300文字までにしてください。"})


class TargetForm(_KpiForm):
    value = NumberField(label="目標値", required=True)
    note = forms.CharField(label="補足", required=False, max_length=200, error_messages={
        "max_length": "補足は200文字までにしてください。"})
