"""Demo office modelled on the seed's 混雑状況 table, and a visitor simulator."""

import datetime as dt
import logging
import random
import threading
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from madoguchi.core.actors import Actor, actor_for_user
from madoguchi.core.auth import DEMO_GROUP
from madoguchi.core.errors import ServiceError
from madoguchi.core.models import ApiToken, Role, StaffMembership, TokenKind, hash_token

from . import services
from .models import Category, Counter, CounterCategory, Office, Section, Ticket, TicketState

log = logging.getLogger(__name__)

DEMO_OFFICE = "demo"
HUMAN_COUNTER = 1  # `madoguchi demo --simulate` leaves this counter to the person trying it

# code, name, name_en, range, fast lane, prior minutes
DEMO_CATEGORIES = [
    ("moving", "転入・転出・世帯変更等の異動届出", "Moving-in/out notification, household changes", 1001, 1500, False, 12),
    ("fastlane", "ファストレーン(インターネット事前申請)", "Fast lane (applied online in advance)", 1501, 1700, True, 6),
    ("family-register", "婚姻・出生等の戸籍届出・特別永住者関係", "Marriage, birth and family register; special permanent residents", 1701, 1900, False, 15),
    ("address", "住居表示付番申請・学区外申請", "House numbering; out-of-district school requests", 1901, 1999, False, 10),
    ("certificates", "住民票・印鑑証明・戸籍等の証明書発行", "Certificates (residence, seal, family register)", 2001, 2999, False, 5),
    ("seal", "印鑑登録・仮ナンバー(自動車臨時運行許可)", "Seal registration; temporary vehicle permits", 3001, 3500, False, 8),
    # The other sections a one-stop case sends a visitor to (issue 9 §E), one queue each.
    ("insurance", "国民健康保険・国民年金・後期高齢者医療", "National Health Insurance, pension, late-stage elderly medical care", 4001, 4500, False, 12),
    ("children", "児童手当・こども医療費助成・保育・ひとり親", "Child allowance, children's medical subsidy, day care, single parents", 5001, 5500, False, 12),
    ("care", "介護保険", "Long-term care insurance", 6001, 6300, False, 10),
    ("welfare", "障害者手帳・障害福祉サービス", "Disability certificates and services", 6501, 6800, False, 15),
    ("tax", "市税（住民税・軽自動車税）", "Municipal taxes (resident tax, light vehicle tax)", 7001, 7500, False, 8),
    ("school", "小・中学校の転入学・就学", "Elementary and junior high school enrolment and transfers", 8001, 8300, False, 8),
]

# The section (課) of each category; the others belong to 市民課.
DEMO_SECTIONS = {"insurance": "保険年金課", "children": "こども課", "care": "介護保険課", "welfare": "障害福祉課",
                 "tax": "税務課", "school": "学校教育課"}

# Category names on the citizen pages in the other languages (English is name_en): the words
# foreign residents meet at city halls and in municipal multilingual guides.
DEMO_CATEGORY_NAMES = {
    "moving": {
        "zh-hans": "迁入·迁出·户主变更等住址变动申报",
        "ko": "전입·전출·세대 변경 등 이동 신고",
        "vi": "Thông báo chuyển đến, chuyển đi, thay đổi hộ gia đình",
        "pt-br": "Notificação de mudança (chegada/saída do município) e alteração da unidade familiar",
    },
    "fastlane": {
        "zh-hans": "快速通道（已在网上预先申请）",
        "ko": "패스트 레인(인터넷 사전 신청)",
        "vi": "Làn ưu tiên (đã đăng ký trước qua Internet)",
        "pt-br": "Atendimento rápido (solicitação prévia pela internet)",
    },
    "family-register": {
        "zh-hans": "结婚·出生等户籍申报、特别永住者相关手续",
        "ko": "혼인·출생 등 호적 신고, 특별영주자 관련",
        "vi": "Khai báo hộ tịch (kết hôn, khai sinh, v.v.), thủ tục thường trú nhân đặc biệt",
        "pt-br": "Registro civil (casamento, nascimento etc.) e residentes permanentes especiais",
    },
    "address": {
        "zh-hans": "门牌编号申请·学区外就学申请",
        "ko": "주소 표시 번호 부여 신청·학구 외 취학 신청",
        "vi": "Đăng ký cấp số nhà, xin học ngoài khu vực trường được chỉ định",
        "pt-br": "Numeração de endereço residencial e pedido de escola fora do distrito",
    },
    "certificates": {
        "zh-hans": "住民票、印鉴证明、户籍等证明书的发放",
        "ko": "주민표·인감증명·호적 등 증명서 발급",
        "vi": "Cấp giấy tờ chứng nhận (phiếu cư trú, chứng nhận con dấu, hộ tịch, v.v.)",
        "pt-br": "Emissão de atestados (atestado de residência, certificado de carimbo, registro civil etc.)",
    },
    "seal": {
        "zh-hans": "印章登记、临时车牌（机动车临时运行许可）",
        "ko": "인감 등록·임시 번호판(자동차 임시 운행 허가)",
        "vi": "Đăng ký con dấu, biển số tạm thời (giấy phép lưu hành xe tạm thời)",
        "pt-br": "Registro de carimbo (inkan) e placa provisória (licença temporária de circulação)",
    },
    "insurance": {
        "zh-hans": "国民健康保险·国民年金·后期高龄者医疗",
        "ko": "국민건강보험·국민연금·후기고령자 의료",
        "vi": "Bảo hiểm y tế quốc dân, lương hưu quốc dân, y tế cho người cao tuổi giai đoạn sau",
        "pt-br": "Seguro Nacional de Saúde, Previdência Nacional e assistência médica para idosos (75+)",
    },
    "children": {
        "zh-hans": "儿童津贴·儿童医疗费补助·保育·单亲家庭",
        "ko": "아동수당·어린이 의료비 지원·보육·한부모 가정",
        "vi": "Trợ cấp nhi đồng, hỗ trợ chi phí y tế trẻ em, nhà trẻ, gia đình đơn thân",
        "pt-br": "Abono infantil, subsídio médico infantil, creche e famílias monoparentais",
    },
    "care": {
        "zh-hans": "护理保险",
        "ko": "개호보험(장기요양보험)",
        "vi": "Bảo hiểm chăm sóc điều dưỡng",
        "pt-br": "Seguro de cuidados de longa duração (kaigo)",
    },
    "welfare": {
        "zh-hans": "残疾人手册·残疾人福利服务",
        "ko": "장애인 수첩·장애 복지 서비스",
        "vi": "Sổ người khuyết tật, dịch vụ phúc lợi cho người khuyết tật",
        "pt-br": "Carteira de pessoa com deficiência e serviços de assistência",
    },
    "tax": {
        "zh-hans": "市税（住民税·轻型汽车税）",
        "ko": "시세(주민세·경자동차세)",
        "vi": "Thuế thành phố (thuế cư trú, thuế xe hạng nhẹ)",
        "pt-br": "Impostos municipais (imposto de residente, imposto sobre veículos leves)",
    },
    "school": {
        "zh-hans": "小学·初中的转学·入学",
        "ko": "초·중학교 전학·취학",
        "vi": "Nhập học, chuyển trường tiểu học và trung học cơ sở",
        "pt-br": "Matrícula e transferência no ensino fundamental (escolas municipais)",
    },
}

# counter number -> category codes in the order it serves them
DEMO_COUNTERS = {
    1: ["moving"], 2: ["moving"], 3: ["moving", "address"], 4: ["fastlane", "moving"],
    5: ["family-register"], 6: ["certificates"], 7: ["certificates", "seal"], 8: ["seal", "address"],
    9: ["insurance"], 10: ["children", "school"], 11: ["care", "welfare"], 12: ["tax"],
}

DEMO_LOGINS = [("staff", "staff", Role.COUNTER_STAFF), ("admin", "admin", Role.ADMIN)]
DEMO_TOKENS = [("demo-kiosk", TokenKind.KIOSK, None), ("demo-staff", TokenKind.STAFF, "staff"),
               ("demo-display", TokenKind.DISPLAY, None)]


@transaction.atomic
def load_demo_data() -> Office:
    """Idempotent: running `madoguchi demo` twice keeps one demo office."""
    office, _ = Office.objects.update_or_create(
        code=DEMO_OFFICE, defaults={"name": "デモ市役所 本庁舎 市民課", "name_en": "Demo City Hall, Citizens Division"})
    sections = {name: Section.objects.get_or_create(office=office, name=name)[0]
                for name in ["市民課", *DEMO_SECTIONS.values()]}
    categories = {}
    for order, (code, name, name_en, start, end, fast, minutes) in enumerate(DEMO_CATEGORIES):
        categories[code], _ = Category.objects.update_or_create(
            office=office, code=code, defaults={
                "section": sections[DEMO_SECTIONS.get(code, "市民課")], "name": name, "name_en": name_en,
                "names": DEMO_CATEGORY_NAMES.get(code, {}), "range_start": start,
                "range_end": end, "display_order": order, "is_fast_lane": fast,
                "prior_service_minutes": minutes, "is_active": True})
    for number, codes in DEMO_COUNTERS.items():
        counter, _ = Counter.objects.get_or_create(office=office, number=number)
        for position, code in enumerate(codes):
            CounterCategory.objects.update_or_create(
                counter=counter, category=categories[code], defaults={"position": position})
    group, _ = Group.objects.get_or_create(name=DEMO_GROUP)
    User = get_user_model()
    users = {}
    for username, password, role in DEMO_LOGINS:
        user, created = User.objects.get_or_create(username=username)
        if created or not user.check_password(password):
            user.set_password(password)
        user.is_staff = role == Role.ADMIN
        user.is_superuser = role == Role.ADMIN
        user.save()
        user.groups.add(group)
        StaffMembership.objects.update_or_create(user=user, office=office, defaults={"role": role})
        users[username] = user
    for key, kind, username in DEMO_TOKENS:
        if not ApiToken.objects.filter(key_hash=hash_token(key)).exists():
            token = ApiToken(name=f"デモ用 {key}", kind=kind, office=office,
                             user=users.get(username), is_demo=True)
            token.set_key(key)
            token.save()
    return office


# ------------------------------------------------------------------ 市民センター (real hours)

CENTER_OFFICE = "center"
CENTER_OPENS, CENTER_CLOSES = dt.time(8, 45), dt.time(17, 30)
# code, name, name_en, other languages, range, cut-off (受付終了時刻)
CENTER_CATEGORIES = [
    ("moving", "転入・転出・転居の届出", "Moving in/out, change of address", {
        "zh-hans": "迁入·迁出·迁居申报", "ko": "전입·전출·전거 신고",
        "vi": "Khai báo chuyển đến, chuyển đi, đổi địa chỉ",
        "pt-br": "Notificação de mudança (chegada, saída, troca de endereço)"}, 101, 299, dt.time(16, 30)),
    ("certificates", "住民票・戸籍・印鑑証明などの証明書", "Certificates (residence, family register, seal)", {
        "zh-hans": "住民票、户籍、印鉴证明等证明书", "ko": "주민표·호적·인감증명 등 증명서",
        "vi": "Giấy chứng nhận (phiếu cư trú, hộ tịch, con dấu)",
        "pt-br": "Atestados (residência, registro civil, carimbo)"}, 301, 599, dt.time(17, 15)),
    ("mynumber", "マイナンバーカードの受取・更新", "My Number Card pickup and renewal", {
        "zh-hans": "个人编号卡的领取·更新", "ko": "마이넘버 카드 수령·갱신",
        "vi": "Nhận và gia hạn thẻ My Number", "pt-br": "Retirada e renovação do cartão My Number"},
     601, 799, None),
]
CENTER_COUNTERS = {1: ["moving"], 2: ["moving", "certificates"], 3: ["certificates", "mynumber"]}
CENTER_TOKENS = [("center-kiosk", TokenKind.KIOSK)]


def march_moving_sunday(today: dt.date) -> dt.date:
    """The last Sunday of the coming March (引越しシーズンの休日開庁)."""
    year = today.year if today.month <= 3 else today.year + 1
    last = dt.date(year, 3, 31)
    return last - dt.timedelta(days=(last.weekday() + 1) % 7)


@transaction.atomic
def load_center_data(today: dt.date | None = None) -> Office:
    """A second demo office with real hours: weekdays 8:45–17:30, closed on national holidays
    and 12/29–1/3, one 休日開庁 Sunday in March; 転入 until 16:30, 証明書 until 17:15.
    Idempotent; the demo log-ins work here too. Run after ``load_demo_data``."""
    from madoguchi.core.timeutil import business_date

    from .models import OfficeHours, SpecialOpening

    office, _ = Office.objects.update_or_create(
        code=CENTER_OFFICE, defaults={
            "name": "デモ市 市民センター", "name_en": "Demo City Community Center", "display_order": 1,
            "hours_enforced": True, "closed_on_holidays": True, "closed_year_end": True})
    section, _ = Section.objects.get_or_create(office=office, name="市民窓口")
    categories = {}
    for order, (code, name, name_en, names, start, end, until) in enumerate(CENTER_CATEGORIES):
        categories[code], _ = Category.objects.update_or_create(
            office=office, code=code, defaults={
                "section": section, "name": name, "name_en": name_en, "names": names,
                "range_start": start, "range_end": end, "display_order": order,
                "prior_service_minutes": 8, "is_active": True, "reception_until": until})
    for number, codes in CENTER_COUNTERS.items():
        counter, _ = Counter.objects.get_or_create(office=office, number=number)
        for position, code in enumerate(codes):
            CounterCategory.objects.update_or_create(
                counter=counter, category=categories[code], defaults={"position": position})
    if not OfficeHours.objects.filter(office=office).exists():
        OfficeHours.objects.bulk_create([OfficeHours(office=office, weekday=day, opens=CENTER_OPENS,
                                                     closes=CENTER_CLOSES) for day in range(5)])
    sunday = march_moving_sunday(today or business_date())
    SpecialOpening.objects.get_or_create(office=office, date=sunday, defaults={
        "opens": dt.time(9, 0), "closes": dt.time(12, 0), "note": "休日開庁"})
    from .calendar import calendar_changed

    calendar_changed(office.pk, office)  # bulk_create sends no signal
    User = get_user_model()
    for username, _password, role in DEMO_LOGINS:
        user = User.objects.filter(username=username).first()
        if user is not None:
            StaffMembership.objects.update_or_create(user=user, office=office, defaults={"role": role})
    for key, kind in CENTER_TOKENS:
        if not ApiToken.objects.filter(key_hash=hash_token(key)).exists():
            token = ApiToken(name=f"デモ用 {key}", kind=kind, office=office, is_demo=True)
            token.set_key(key)
            token.save()
    return office


def seed_morning(office: Office, *, visitors: int = 14, rng: random.Random | None = None) -> None:
    """A few tickets already issued and called so the screens are not empty."""
    rng = rng or random.Random(7)
    if Ticket.objects.filter(office=office, state__in=[TicketState.WAITING, TicketState.CALLED]).exists():
        return
    actor = Actor(kind="system", label="デモデータ")
    codes = [c.code for c in office.categories.all()]
    # The morning's visitors come for the citizens' division (the seed's table); the other
    # sections get theirs from one-stop cases (cases/demo.py) and the simulator.
    weights = [*[5, 1, 2, 1, 6, 2][: len(codes)], *[0] * max(0, len(codes) - 6)]
    for _ in range(visitors):
        services.ticket_issue(actor=actor, office_code=office.code,
                              category_code=rng.choices(codes, weights)[0])
    # Counter 1 stays free: the person trying the demo calls their first visitor there.
    for counter in (Counter.objects.filter(office=office).exclude(number=HUMAN_COUNTER)
                    .order_by("number")[:5]):
        services.ticket_call_next(actor=actor, counter_id=counter.pk)
    seed_floor(office, actor)


DEMO_MEMO = "書類待ち（住民票の写しを取りに戻られています）"


def seed_floor(office: Office, actor: Actor) -> None:
    """Something for the floor-control screen to act on: a visitor called as 不在 (listed on the
    lobby display, to reinstate) and a staff memo on a waiting ticket."""
    called = (Ticket.objects.filter(office=office, state=TicketState.CALLED)
              .exclude(counter__number=1).order_by("-counter__number").first())
    if called is not None:
        services.ticket_no_show(actor=actor, counter_id=called.counter_id)
        services.ticket_call_next(actor=actor, counter_id=called.counter_id)
    waiting = (Ticket.objects.filter(office=office, state=TicketState.WAITING)
               .order_by("issued_at", "id").first())
    if waiting is not None:
        services.ticket_memo_add(actor=actor, ticket_id=waiting.public_id, text=DEMO_MEMO)


def sample_ticket_id(office: Office) -> str | None:
    """A waiting ticket of the demo morning, for the banner's sample ticket page."""
    return (Ticket.objects.filter(office=office, state=TicketState.WAITING).order_by("-issued_at")
            .values_list("public_id", flat=True).first())


class Simulator(threading.Thread):
    """Visitors keep arriving and clerks keep serving, so every screen moves."""

    def __init__(self, office_code: str, *, tick: float = 2.0, seed: int | None = None):
        super().__init__(name="madoguchi-simulator", daemon=True)
        self.office_code = office_code
        self.tick = tick
        self.rng = random.Random(seed)
        self.stopped = threading.Event()

    def run(self) -> None:
        from django.contrib.auth import get_user_model

        staff = get_user_model().objects.filter(username="staff").first()
        actor = actor_for_user(staff) if staff else Actor(kind="system", label="simulator")
        actor = Actor(kind="system", label="シミュレーター", roles=actor.roles)
        office = Office.objects.get(code=self.office_code)
        codes = list(office.categories.filter(is_active=True).values_list("code", flat=True))
        weights = [5, 1, 2, 1, 6, 2][: len(codes)] + [1] * max(0, len(codes) - 6)
        # Counter 1 is left to the human trying the demo (the banner says so): the simulator
        # never calls, finishes or pauses there.
        counters = list(Counter.objects.filter(office=office).exclude(number=HUMAN_COUNTER)
                        .values_list("pk", flat=True))
        # Each clerk spends 20–90 s with a visitor, so wait estimates look like a real morning.
        busy_until = {pk: 0.0 for pk in counters}
        while not self.stopped.wait(self.tick):
            if self.rng.random() < 0.3:
                self._step(services.ticket_issue, actor=actor, office_code=self.office_code,
                           category_code=self.rng.choices(codes, weights)[0])
            for counter_id in counters:
                if time.monotonic() < busy_until[counter_id]:
                    continue
                roll = self.rng.random()
                if roll < 0.04:
                    self._step(services.ticket_recall, actor=actor, counter_id=counter_id)
                    busy_until[counter_id] = time.monotonic() + 10
                    continue
                if roll < 0.06:
                    self._step(services.ticket_hold, actor=actor, counter_id=counter_id)
                elif roll < 0.08:
                    self._step(services.ticket_no_show, actor=actor, counter_id=counter_id)
                else:
                    self._step(services.ticket_finish, actor=actor, counter_id=counter_id)
                self._step(services.ticket_call_next, actor=actor, counter_id=counter_id)
                busy_until[counter_id] = time.monotonic() + self.rng.uniform(20, 90)

    @staticmethod
    def _step(action, **kwargs) -> None:
        """One simulated action; a refusal (nobody at that counter…) only skips it."""
        try:
            action(**kwargs)
        except ServiceError:
            pass
        except Exception:
            log.exception("simulator step failed")
