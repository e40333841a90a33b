"""Reservations (来庁予約): types, weekly availability, a supervisor's slot overrides, bookings,
the per-slot count that keeps bookings within capacity, and the card-pickup notice list.

Where each model lives (two network zones, DESIGN.md habit 5):

- public and internal: ``ReservationType``, ``Availability``, ``SlotOverride`` (go out),
  ``Reservation`` and ``SlotCount`` (made on the public side, pulled in), ``CardNoticeHash``
  (keyed hashes only, pushed out);
- internal only: ``CardNotice`` (交付通知書番号, birth date, name from the card system's CSV).

A reservation keeps no more than the visit needs: no name, no answers of the navigator (only
the procedure codes they gave), a card notice only as its keyed hash.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Crockford base32 as the case codes (cases/codes.py): 8 characters, read aloud as ABCD-2345.
CODE_LENGTH = 8


class ReservationKind(models.TextChoices):
    GENERAL = "general", _("一般")
    ONESTOP = "onestop", _("転入・転出ワンストップ")
    CARD_PICKUP = "card_pickup", _("マイナンバーカード受取")


class ReservationType(models.Model):
    """What a citizen can book at an office (予約の種類)."""

    office = models.ForeignKey("queueing.Office", on_delete=models.CASCADE,
                               related_name="reservation_types", verbose_name=_("庁舎・拠点"))
    code = models.SlugField(_("コード"), max_length=32, help_text=_("API で使う半角英数字"))
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("名称（英語）"), max_length=150, blank=True)
    names = models.JSONField(
        _("名称（その他の言語）"), default=dict, blank=True,
        help_text=_('市民向け画面の言語ごとの名称。例: {"zh-hans": "…", "ko": "…"}。'
                    "ない言語は英語名（なければ日本語名）で表示します。"))
    kind = models.CharField(_("種別"), max_length=12, choices=ReservationKind.choices,
                            default=ReservationKind.GENERAL)
    slots_needed = models.PositiveSmallIntegerField(
        _("使う予約枠の数"), default=1,
        help_text=_("1件の予約が続けて使う枠の数。ワンストップでは手続きの数から決めます（下の2項目）。"))
    procedures_per_slot = models.PositiveSmallIntegerField(
        _("1枠あたりの手続き数"), default=2,
        help_text=_("ワンストップのみ: 手続きがこの数を超えるごとに枠を1つ増やします。"))
    max_slots = models.PositiveSmallIntegerField(
        _("枠数の上限"), default=3, help_text=_("ワンストップのみ: 1件の予約が使う枠の上限。"))
    category = models.ForeignKey(
        "queueing.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("受付（チェックイン）の受付区分"),
        help_text=_("予約の方が来庁して受付したときの整理券の区分（ファストレーンの区分）。"))
    sections = models.ManyToManyField(
        "queueing.Section", blank=True, related_name="+", verbose_name=_("集まる課"),
        help_text=_("予約があることを知らせ、準備してもらう課。ワンストップでは手続きの課も加わります。"))
    display_order = models.PositiveIntegerField(_("表示順"), default=0)
    is_active = models.BooleanField(_("予約受付中"), default=True)

    class Meta:
        verbose_name = _("予約の種類")
        verbose_name_plural = _("予約の種類")
        ordering = ["office", "display_order", "code"]
        constraints = [models.UniqueConstraint(fields=["office", "code"],
                                               name="reservation_type_code_per_office")]

    def __str__(self):
        return self.name


def default_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class Availability(models.Model):
    """A weekly schedule of bookable slots (ZMS's ``availability``, simplified): on these
    weekdays between these dates, every ``repeat_weeks`` weeks, slots of ``slot_minutes``
    from ``start_time`` to ``end_time`` with ``capacity`` bookings each (the desks kept for
    bookings), bookable from ``bookable_from_days`` to ``bookable_until_days`` days ahead.
    The office calendar (closed days, hours) removes what falls outside it."""

    office = models.ForeignKey("queueing.Office", on_delete=models.CASCADE,
                               related_name="availabilities", verbose_name=_("庁舎・拠点"))
    type = models.ForeignKey(ReservationType, on_delete=models.CASCADE, related_name="availabilities",
                             verbose_name=_("予約の種類"))
    weekdays = models.JSONField(_("曜日"), default=default_weekdays,
                                help_text=_("0=月曜日 … 6=日曜日 の番号のリスト。例: [0, 1, 2, 3, 4]"))
    valid_from = models.DateField(_("開始日"))
    valid_until = models.DateField(_("終了日"), null=True, blank=True, help_text=_("空欄なら期限なし"))
    start_time = models.TimeField(_("開始時刻"))
    end_time = models.TimeField(_("終了時刻"), help_text=_("最後の枠はこの時刻までに終わります。"))
    repeat_weeks = models.PositiveSmallIntegerField(
        _("何週ごと"), default=1, help_text=_("1 なら毎週、2 なら開始日の週から隔週。"))
    slot_minutes = models.PositiveSmallIntegerField(_("1枠の長さ（分）"), default=30)
    capacity = models.PositiveSmallIntegerField(_("1枠の予約数"), default=1,
                                                help_text=_("予約のために空けておく窓口の数"))
    bookable_from_days = models.PositiveSmallIntegerField(
        _("何日後から予約できるか"), default=1, help_text=_("0 なら当日から、1 なら翌日から"))
    bookable_until_days = models.PositiveSmallIntegerField(_("何日後まで予約できるか"), default=60)

    class Meta:
        verbose_name = _("予約枠の設定")
        verbose_name_plural = _("予約枠の設定")
        ordering = ["office", "type", "valid_from", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(start_time__lt=models.F("end_time")),
                                   name="availability_times_ordered"),
            models.CheckConstraint(condition=Q(slot_minutes__gt=0) & Q(repeat_weeks__gt=0),
                                   name="availability_positive_lengths"),
        ]

    def __str__(self):
        return f"{self.type} {self.start_time:%H:%M}～{self.end_time:%H:%M}"

    def clean(self):
        if not isinstance(self.weekdays, list) or not all(
                isinstance(d, int) and 0 <= d <= 6 for d in self.weekdays):
            raise ValidationError({"weekdays": _("曜日は 0（月曜日）から 6（日曜日）の番号のリストにしてください。")})
        if self.start_time and self.end_time and self.start_time >= self.end_time:
            raise ValidationError(_("開始時刻は終了時刻より前にしてください。"))
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError(_("終了日は開始日以降にしてください。"))
        if self.bookable_until_days < self.bookable_from_days:
            raise ValidationError(_("予約できる期間の終わりは始まり以降にしてください。"))
        if self.type_id and self.office_id and self.type.office_id != self.office_id:
            raise ValidationError(_("予約の種類は同じ庁舎のものを選んでください。"))


class SlotOverride(models.Model):
    """A supervisor's change of one slot: another capacity, or closed."""

    office = models.ForeignKey("queueing.Office", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("庁舎・拠点"))
    type = models.ForeignKey(ReservationType, on_delete=models.CASCADE, related_name="overrides",
                             verbose_name=_("予約の種類"))
    start = models.DateTimeField(_("枠の開始日時"))
    capacity = models.PositiveSmallIntegerField(_("予約数"), null=True, blank=True,
                                                help_text=_("空欄なら設定どおり"))
    closed = models.BooleanField(_("この枠を閉じる"), default=False)
    note = models.CharField(_("理由"), max_length=100, blank=True)
    changed_by = models.CharField(_("変更者"), max_length=150, blank=True)
    changed_at = models.DateTimeField(_("変更日時"), auto_now=True)

    class Meta:
        verbose_name = _("予約枠の変更")
        verbose_name_plural = _("予約枠の変更")
        ordering = ["office", "start"]
        constraints = [models.UniqueConstraint(fields=["type", "start"], name="one_override_per_slot")]

    def __str__(self):
        return f"{self.type} {self.start:%Y-%m-%d %H:%M}"


class SlotCount(models.Model):
    """Bookings held in one slot of one type. Booking raises ``booked`` with a conditional
    UPDATE (``booked < capacity``), so concurrent bookings can never overbook (services.py)."""

    type = models.ForeignKey(ReservationType, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    booked = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["type", "start"], name="one_count_per_slot")]

    def __str__(self):
        return f"{self.type_id} {self.start:%Y-%m-%d %H:%M} → {self.booked}"


class ReservationStatus(models.TextChoices):
    BOOKED = "booked", _("予約中")
    CANCELLED = "cancelled", _("取消")
    CHECKED_IN = "checked_in", _("受付済")
    NO_SHOW = "no_show", _("来庁なし")


def new_manage_token() -> str:
    return secrets.token_urlsafe(24)


class Reservation(models.Model):
    """One booked visit (来庁予約). The citizen holds its code (and QR); no name is kept."""

    code = models.CharField(_("予約番号"), max_length=CODE_LENGTH, unique=True, editable=False)
    office = models.ForeignKey("queueing.Office", on_delete=models.PROTECT, related_name="reservations",
                               verbose_name=_("庁舎・拠点"))
    type = models.ForeignKey(ReservationType, on_delete=models.PROTECT, related_name="reservations",
                             verbose_name=_("予約の種類"))
    start = models.DateTimeField(_("開始日時"))
    end = models.DateTimeField(_("終了日時"))
    slots = models.PositiveSmallIntegerField(_("使う枠の数"), default=1)
    status = models.CharField(_("状態"), max_length=12, choices=ReservationStatus.choices,
                              default=ReservationStatus.BOOKED)
    email = models.EmailField(_("連絡先メールアドレス"), blank=True)
    lang = models.CharField(_("言語"), max_length=10, default="ja")
    # One-stop: the navigator's life event and the procedure codes it determined (not the answers).
    life_event = models.CharField(_("ライフイベント"), max_length=32, blank=True)
    procedures = models.JSONField(_("手続き"), default=list, blank=True)
    # Card pickup: the keyed hash of notice number + birth date (cards.notice_digest), never the number.
    notice_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    # The secret of the change/cancel link (mailed to the citizen; the code alone only shows it).
    manage_token = models.CharField(max_length=64, default=new_manage_token, editable=False)
    created_at = models.DateTimeField(_("予約日時"))
    cancelled_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("受付日時"), null=True, blank=True)
    ticket_public_id = models.CharField(max_length=32, blank=True, default="", editable=False)
    prepared_at = models.DateTimeField(_("準備済"), null=True, blank=True)
    prepared_by = models.CharField(_("準備した職員"), max_length=150, blank=True)
    reminded_at = models.DateTimeField(_("前日のお知らせ送信"), null=True, blank=True)
    # When the row last changed (wall clock): the internal side pulls bookings changed since its
    # cursor from the public side (zones/pull.py). Saves with update_fields must name it.
    changed_at = models.DateTimeField(auto_now=True, db_index=True, editable=False)
    # Where the booking was made, when not here: "public" (pulled in), "internal" (a staff booking
    # sent out, so the public side counts it). Blank: made on this side.
    origin = models.CharField(max_length=8, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("来庁予約")
        verbose_name_plural = _("来庁予約")
        ordering = ["start", "code"]
        indexes = [models.Index(fields=["office", "start"]),
                   models.Index(fields=["status", "start"])]
        constraints = [
            # One active booking per card: a notice number cannot hold two slots.
            models.UniqueConstraint(fields=["office", "notice_hash"],
                                    condition=~Q(notice_hash="") & Q(status="booked"),
                                    name="one_booking_per_card_notice"),
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="reservation_times_ordered"),
        ]

    def __str__(self):
        return self.display_code

    @property
    def display_code(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"


class CardNotice(models.Model):
    """A card ready for pickup (交付通知書), from the card system's CSV. Internal side only:
    never served on or sent to the public side (only ``CardNoticeHash`` goes out)."""

    office = models.ForeignKey("queueing.Office", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("庁舎・拠点"))
    number = models.CharField(_("交付通知書番号"), max_length=32)
    birth_date = models.DateField(_("生年月日"))
    name = models.CharField(_("氏名"), max_length=100)
    imported_at = models.DateTimeField(_("取込日時"))
    picked_up_at = models.DateTimeField(_("交付日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("カード交付通知")
        verbose_name_plural = _("カード交付通知（庁内のみ）")
        ordering = ["office", "number"]
        constraints = [models.UniqueConstraint(fields=["office", "number"], name="one_card_notice_per_number")]

    def __str__(self):
        return self.number


class CardNoticeHash(models.Model):
    """What the public side knows of a card ready for pickup: the keyed HMAC of notice number
    and birth date (cards.notice_digest). It verifies a booking without the list."""

    office = models.ForeignKey("queueing.Office", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("庁舎・拠点"))
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("カード交付通知（鍵付きハッシュ）")
        verbose_name_plural = _("カード交付通知（鍵付きハッシュ）")
        constraints = [models.UniqueConstraint(fields=["office", "digest"], name="one_card_hash_per_office")]

    def __str__(self):
        return self.digest[:12]


class UsedChallenge(models.Model):
    """An ALTCHA solution already accepted (its challenge), kept until the challenge expires:
    a solution books once."""

    challenge = models.CharField(max_length=128, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.challenge[:12]
