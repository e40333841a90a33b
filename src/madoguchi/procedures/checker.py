"""``madoguchi catalogue check``: validate a catalogue, run its tests, report coverage.

A catalogue passes when it loads (every file valid, every condition compiled and checked), every
test case gives what it expects, and every dated procedure entry is asserted to apply in at
least one test case and to be absent in at least one (OpenFisca-style tests beside the data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import catalogue as catalogue_mod
from . import engine

STATUS_JA = {"applies": "「対象」", "to_check": "「要確認」", None: "「対象外」（結果に出ない）"}


@dataclass
class Report:
    directory: Path
    catalogue: catalogue_mod.Catalogue | None = None
    load_error: catalogue_mod.CatalogueError | None = None
    cases: int = 0
    failures: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)
    failed_cases: int = 0

    @property
    def ok(self) -> bool:
        return self.load_error is None and not self.failures and not self.uncovered

    def lines(self) -> list[str]:
        out = [f"手続きカタログを確認しています: {self.directory}"]
        if self.load_error is not None:
            out += [self.load_error.report(), "", "NG: カタログを読み込めません。上の誤りを直してください。"]
            return out
        cat = self.catalogue
        name = engine.text(cat.meta.name, "ja")
        entries = len(cat.procedures)
        out.append(f"  {name}")
        out.append(f"  ライフイベント {len(cat.life_events)}、質問 {len(cat.questions)}、手続き "
                   f"{len(cat.codes)}（有効期間ごとの記載 {entries}）、テストケース {self.cases}")
        out.append(f"テスト: {self.cases} 件中 {self.cases - self.failed_cases} 件 成功")
        out += [f"  × {f}" for f in self.failures]
        if self.uncovered:
            out.append(f"網羅: {len(self.uncovered)} 件の手続きのテストが足りません"
                       "（どの手続きも「対象」になるケースと「対象外」になるケースが1件ずつ以上必要です）:")
            out += [f"  - {u}" for u in self.uncovered]
        else:
            out.append(f"網羅: 有効期間ごとの記載 {entries} 件すべてが「対象」と「対象外」の両方でテストされています。")
        out.append("OK" if self.ok else "NG")
        return out


def _entry_label(proc: catalogue_mod.Procedure) -> str:
    eff = proc.spec.effective
    return (f"{proc.code}「{proc.spec.name['ja']}」（有効期間 {eff.from_}〜{eff.to or ''}、"
            f"{proc.file}:{proc.line}）")


def check(directory: str | Path | None = None) -> Report:
    directory = Path(directory).resolve() if directory else catalogue_mod.configured_dir()
    report = Report(directory)
    try:
        cat = catalogue_mod.load(directory)
    except catalogue_mod.CatalogueError as exc:
        report.load_error = exc
        return report
    report.catalogue = cat
    applies_seen: set[int] = set()
    absent_seen: set[int] = set()
    for case in cat.tests:
        spec = case.spec
        report.cases += 1
        where = f"テスト「{spec.name}」（{case.file}:{case.line}）"
        try:
            result = engine.determine(cat, life_event=spec.life_event,
                                      answers=catalogue_mod.plain_answers(spec.answers),
                                      on=spec.on, lang="ja")
        except (engine.InvalidAnswers, engine.UnknownLifeEvent) as exc:
            report.failures.append(f"{where}: 判定できません: {exc}")
            report.failed_cases += 1
            continue
        got = {p["code"]: p["status"] for p in result["procedures"]}
        problems = []
        expectations = [(c, "applies") for c in spec.applies] + \
            [(c, "to_check") for c in spec.to_check] + [(c, None) for c in spec.absent]
        for code, expected in expectations:
            actual = got.get(code)
            if actual != expected:
                reasons = next((p["reasons"] for p in result["procedures"] if p["code"] == code), [])
                why = f"（理由: {' / '.join(reasons)}）" if reasons else ""
                problems.append(f"{code} は {STATUS_JA[expected]} のはずが {STATUS_JA[actual]} でした{why}")
        if problems:
            report.failed_cases += 1
            report.failures.append(f"{where}: " + "; ".join(problems))
            continue
        for proc in cat.procedures:  # the dated entry each assertion exercised
            if not proc.in_force(spec.on):
                continue
            if proc.code in spec.applies:
                applies_seen.add(proc.order)
            if proc.code in spec.absent:  # absent under another life event counts too
                absent_seen.add(proc.order)
    for proc in cat.procedures:
        missing = []
        if proc.order not in applies_seen:
            missing.append("「対象」になるケースがありません")
        if proc.order not in absent_seen:
            missing.append("「対象外」になるケースがありません")
        if missing:
            report.uncovered.append(f"{_entry_label(proc)}: {'、'.join(missing)}")
    return report
