"""Offices, sections, categories (受付区分), counters, tickets and their event log."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import rules


def new_stamp() -> str:
    return secrets.token_hex(8)


class Office(models.Model):
    code = models.SlugField(_("コード"), max_length=32, unique=True,
                            help_text=_("URL に使う半角英数字 (例: honcho)"))
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("名称（英語）"), max_length=100, blank=True)
    display_order = models.PositiveIntegerField(_("表示順"), default=0)
    # Office calendar (開庁日・受付時間): rules in calendar.py, rows in calendar_models.py.
    hours_enforced = models.BooleanField(
        _("開庁時間の外は発券しない"), default=False,
        help_text=_("オンにすると、下の「曜日ごとの受付時間」「臨時閉庁日」「休日開庁」と祝日・年末年始の設定に従い、"
                    "開庁時間の外では発券しません。オフのときは終日発券します。"))
    closed_on_holidays = models.BooleanField(
        _("祝日は閉庁"), default=True, help_text=_("国民の祝日・振替休日・国民の休日（jpholiday による）は閉庁します。"))
    closed_year_end = models.BooleanField(_("年末年始（12月29日～1月3日）は閉庁"), default=True)
    # Changes whenever a calendar row or a cut-off changes, so each process's cached
    # calendar is replaced at once (calendar.office_calendar).
    calendar_stamp = models.CharField(max_length=32, default=new_stamp, editable=False)
    # Changes whenever an event of a past business day is added (a log or the demo's simulated
    # past written by services.history_append; a ticket of an earlier day finished today), so
    # each process's kept copy of the office's past services (the wait estimate's history,
    # forecasting/office_history.py) is read again at once. Today's services need no stamp: they
    # are read as they come, from the event log.
    history_stamp = models.CharField(max_length=32, default=new_stamp, editable=False)

    class Meta:
        verbose_name = _("庁舎・拠点")
        verbose_name_plural = _("庁舎・拠点")
        ordering = ["display_order", "code"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # A saved office may carry an old stamp: a new one makes every process reread its calendar.
        self.calendar_stamp = new_stamp()
        super().save(*args, **kwargs)


class Section(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="sections",
                               verbose_name=_("庁舎・拠点"))
    name = models.CharField(_("課名"), max_length=100)

    class Meta:
        verbose_name = _("課")
        verbose_name_plural = _("課")
        ordering = ["office", "name"]

    def __str__(self):
        return self.name


class Category(models.Model):
    """One queue (受付区分) with its own ticket-number range."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="categories",
                               verbose_name=_("庁舎・拠点"))
    section = models.ForeignKey(Section, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="categories", verbose_name=_("課"))
    code = models.SlugField(_("コード"), max_length=32, help_text=_("API で使う半角英数字"))
    name = models.CharField(_("手続き内容"), max_length=100)
    name_en = models.CharField(_("手続き内容（英語）"), max_length=150, blank=True)
    names = models.JSONField(
        _("手続き内容（その他の言語）"), default=dict, blank=True,
        help_text=_('市民向け画面の言語ごとの名称。例: {"zh-hans": "迁入·迁出申报", "ko": "전입·전출 신고"}。'
                    "ない言語は英語名（なければ日本語名）で表示します。"))
    range_start = models.PositiveIntegerField(_("発券番号（開始）"))
    range_end = models.PositiveIntegerField(_("発券番号（終了）"))
    display_order = models.PositiveIntegerField(_("表示順"), default=0)
    is_fast_lane = models.BooleanField(_("ファストレーン"), default=False,
                                       help_text=_("予約・事前申請の方。他の区分より先に呼び出します。"))
    prior_service_minutes = models.PositiveIntegerField(
        _("標準処理時間（分）"), default=5,
        help_text=_("実績がまだないときの待ち時間の目安に使う、1人あたりの処理時間"))
    is_active = models.BooleanField(_("発券中"), default=True)
    reception_until = models.TimeField(
        _("受付終了時刻"), null=True, blank=True,
        help_text=_("この時刻以降、その日はこの区分の番号札を発行しません（例: 16:30）。"
                    "空欄なら閉庁まで発行します。庁舎の「開庁時間の外は発券しない」がオフでも適用します。"))
    notify_ahead = models.PositiveIntegerField(
        _("通知する待ち人数"), default=5,
        help_text=_("通知を希望した方に、前の待ち人数がこの人数以下になったときにお知らせします。"))

    class Meta:
        verbose_name = _("受付区分")
        verbose_name_plural = _("受付区分")
        ordering = ["office", "display_order", "range_start"]
        constraints = [
            models.UniqueConstraint(fields=["office", "code"], name="category_code_per_office"),
            models.CheckConstraint(condition=Q(range_start__lte=models.F("range_end")),
                                   name="category_range_ordered"),
        ]

    def __str__(self):
        return f"{self.name} ({self.range_start}～{self.range_end})"

    def clean(self):
        if self.range_start is None or self.range_end is None:
            return
        if self.range_start > self.range_end:
            raise ValidationError(_("発券番号の開始は終了以下にしてください。"))
        overlapping = Category.objects.filter(
            office_id=self.office_id, range_start__lte=self.range_end,
            range_end__gte=self.range_start).exclude(pk=self.pk)
        if overlapping.exists():
            raise ValidationError(
                _("発券番号の範囲が「%(other)s」と重なっています。番号で区分を見分けられるよう、重ならない範囲にしてください。")
                % {"other": overlapping.first()})


class Counter(models.Model):
    """A numbered desk that serves some categories."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="counters",
                               verbose_name=_("庁舎・拠点"))
    number = models.PositiveIntegerField(_("窓口番号"))
    name = models.CharField(_("表示名"), max_length=50, blank=True,
                            help_text=_("空欄なら「○番窓口」"))
    categories = models.ManyToManyField(Category, through="CounterCategory",
                                        related_name="counters", verbose_name=_("受付区分"))
    is_open = models.BooleanField(_("受付中"), default=True)

    class Meta:
        verbose_name = _("窓口")
        verbose_name_plural = _("窓口")
        ordering = ["office", "number"]
        constraints = [models.UniqueConstraint(fields=["office", "number"], name="counter_number_per_office")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.name or f"{self.number}番窓口"


class CounterCategory(models.Model):
    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, verbose_name=_("窓口"))
    category = models.ForeignKey(Category, on_delete=models.CASCADE, verbose_name=_("受付区分"))
    position = models.PositiveIntegerField(_("順序"), default=0)

    class Meta:
        verbose_name = _("窓口の受付区分")
        verbose_name_plural = _("窓口の受付区分")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["counter", "category"], name="counter_category_once")]

    def __str__(self):
        return f"{self.counter} – {self.category.name}"


class TicketSequence(models.Model):
    """Last number issued per category and business day; the row lock serialises kiosks."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE)
    business_date = models.DateField()
    last_number = models.PositiveIntegerField(null=True)
    wrapped = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category", "business_date"], name="one_sequence_per_day")]

    def __str__(self):
        return f"{self.category_id} {self.business_date} → {self.last_number}"


class TicketState(models.TextChoices):
    WAITING = rules.WAITING, _("待ち")
    CALLED = rules.CALLED, _("呼出中")
    HELD = rules.HELD, _("保留")
    DONE = rules.DONE, _("完了")
    NO_SHOW = rules.NO_SHOW, _("不在")
    CANCELLED = rules.CANCELLED, _("取消")


# The active states are a rule of the queue (queueing/rules.py), as members of TicketState.
ACTIVE_STATES = tuple(TicketState(state) for state in rules.ACTIVE_STATES)


def new_public_id() -> str:
    return secrets.token_urlsafe(16)


class Ticket(models.Model):
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="tickets")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="tickets",
                                 verbose_name=_("受付区分"))
    issued_category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField()
    number = models.PositiveIntegerField(_("番号"))
    state = models.CharField(_("状態"), max_length=10, choices=TicketState.choices,
                             default=TicketState.WAITING)
    is_fast_lane = models.BooleanField(default=False)
    # Queue position: the original issue time, kept across transfers.
    issued_at = models.DateTimeField(_("発券日時"))
    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("窓口"))
    called_at = models.DateTimeField(null=True, blank=True)
    first_called_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    recall_count = models.PositiveIntegerField(default=0)
    service_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("整理券")
        verbose_name_plural = _("整理券")
        constraints = [
            models.UniqueConstraint(fields=["office", "business_date", "number"],
                                    condition=Q(state__in=ACTIVE_STATES),
                                    name="active_number_unique"),
            models.UniqueConstraint(fields=["counter"], condition=Q(state=TicketState.CALLED),
                                    name="one_called_ticket_per_counter"),
            models.CheckConstraint(condition=~Q(state=TicketState.CALLED) | Q(counter__isnull=False),
                                   name="called_ticket_has_counter"),
        ]
        indexes = [
            models.Index(fields=["office", "business_date", "state"]),
            models.Index(fields=["category", "business_date", "state", "issued_at"]),
            # The board's recent service times: only the last hour and a half of services is read.
            models.Index(fields=["category", "business_date", "finished_at"], condition=Q(state=TicketState.DONE),
                         name="ticket_done_by_finish"),
        ]

    def __str__(self):
        return f"{self.number} ({self.get_state_display()})"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES


class EventKind(models.TextChoices):
    ISSUED = "issued", _("発券")
    CALLED = "called", _("呼出")
    RECALLED = "recalled", _("再呼出")
    HELD = "held", _("保留")
    RESUMED = "resumed", _("保留解除")
    TRANSFERRED = "transferred", _("回送")
    DONE = "done", _("完了")
    NO_SHOW = "no_show", _("不在")
    REINSTATED = "reinstated", _("不在から復帰")
    CANCELLED = "cancelled", _("取消")


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk ``update()`` and ``delete()`` would rewrite history: refused like single rows."""

    def update(self, **kwargs):
        raise ValueError("event rows are append-only")

    def delete(self):
        raise ValueError("TicketEvent rows are append-only")


class AppendOnlyModel(models.Model):
    """An event log row: written once, never changed or deleted (statistics rest on it)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are append-only")


class TicketEvent(AppendOnlyModel):
    """Immutable record of one ticket transition; statistics are computed from these."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("操作"), max_length=12, choices=EventKind.choices)
    at = models.DateTimeField(_("日時"))
    business_date = models.DateField()
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    actor = models.CharField(_("操作者"), max_length=150)
    # Who acted, as references (the label above stays readable after a user or token is gone).
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", db_constraint=False,
                                   verbose_name=_("操作した職員"))
    actor_token = models.ForeignKey("core.ApiToken", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", db_constraint=False,
                                    verbose_name=_("操作した端末・トークン"))
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("整理券の履歴")
        verbose_name_plural = _("整理券の履歴")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["office", "business_date", "kind"]),
            # 最終呼出番号: the newest call of a category today, without reading the day's events.
            models.Index(fields=["category", "business_date", "kind", "id"], name="event_latest_of_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.ticket_id} @ {self.at:%H:%M:%S}"



class CounterEventKind(models.TextChoices):
    OPENED = "opened", _("受付開始")
    PAUSED = "paused", _("受付休止")
    CATEGORIES = "categories", _("受付区分の変更")


class CounterEvent(AppendOnlyModel):
    """Immutable record of a counter opening, pausing or changing what it serves.

    Wait estimates and forecasts need to know how many counters were open when;
    the counter row only says how things are now.
    """

    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, related_name="events")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("操作"), max_length=12, choices=CounterEventKind.choices)
    at = models.DateTimeField(_("日時"))
    business_date = models.DateField()
    actor = models.CharField(_("操作者"), max_length=150)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", db_constraint=False,
                                   verbose_name=_("操作した職員"))
    actor_token = models.ForeignKey("core.ApiToken", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", db_constraint=False,
                                    verbose_name=_("操作した端末・トークン"))
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("窓口の履歴")
        verbose_name_plural = _("窓口の履歴")
        ordering = ["id"]
        indexes = [models.Index(fields=["office", "business_date"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.counter_id} @ {self.at:%H:%M:%S}"



from .calendar_models import OfficeClosure, OfficeHours, SpecialOpening  # noqa: E402, F401


class TicketMemo(models.Model):
    """An internal note on a ticket (「書類待ち」「車椅子の方」…), for staff only.

    Never leaves the internal side: no public page, citizen API answer or zone
    payload reads this model (tests/queueing/test_floor.py checks each of them).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="memos",
                               verbose_name=_("整理券"))
    text = models.CharField(_("メモ"), max_length=200)
    at = models.DateTimeField(_("日時"))
    author = models.CharField(_("記入者"), max_length=150)
    author_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+", db_constraint=False,
                                    verbose_name=_("記入した職員"))

    class Meta:
        verbose_name = _("整理券のメモ")
        verbose_name_plural = _("整理券のメモ")
        ordering = ["id"]

    def __str__(self):
        return f"{self.ticket_id}: {self.text[:20]}"


from .idempotency_models import IssueKey  # noqa: E402, F401
