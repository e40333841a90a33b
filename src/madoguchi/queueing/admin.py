from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from madoguchi.core.actors import actor_for_user
from madoguchi.core.admin import ReadOnlyAdmin
from madoguchi.core.errors import ServiceError
from madoguchi.core.models import Role

from . import services
from .calendar_models import check_range, overlap_error
from .models import (
    Category,
    Counter,
    CounterCategory,
    Office,
    OfficeClosure,
    OfficeHours,
    Section,
    SpecialOpening,
    Ticket,
    TicketEvent,
    TicketState,
)


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


class RangesFormSet(BaseInlineFormSet):
    """Ranges of one day (a weekday, or a date) must be ordered and must not overlap,
    also among the rows being added in the same form (the model's own check sees only
    saved rows)."""

    day_field = "weekday"

    def clean(self):
        super().clean()
        seen = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or self._should_delete_form(form):
                continue
            opens, closes, day = data.get("opens"), data.get("closes"), data.get(self.day_field)
            if opens is None or closes is None or day is None:
                continue
            try:
                check_range(opens, closes)
            except ValidationError as exc:
                form.add_error("closes", exc)
                continue
            for other_day, other_opens, other_closes, other in seen:
                if other_day == day and opens < other_closes and other_opens < closes:
                    raise overlap_error(form.instance.__class__(
                        **{self.day_field: day, "opens": opens, "closes": closes}), other)
            seen.append((day, opens, closes, form.instance.__class__(
                **{self.day_field: day, "opens": opens, "closes": closes})))


class DateRangesFormSet(RangesFormSet):
    day_field = "date"


class OfficeHoursInline(admin.TabularInline):
    model = OfficeHours
    formset = RangesFormSet
    extra = 0


class SpecialOpeningInline(admin.TabularInline):
    model = SpecialOpening
    formset = DateRangesFormSet
    extra = 0


class OfficeClosureInline(admin.TabularInline):
    model = OfficeClosure
    extra = 0


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "display_order", "hours_enforced")
    search_fields = ("code", "name")
    fieldsets = [
        (None, {"fields": ["code", "name", "name_en", "display_order"]}),
        (_("開庁日・受付時間"), {
            "fields": ["hours_enforced", "closed_on_holidays", "closed_year_end"],
            "description": _("受付時間は半開区間です（8:45～17:30 なら 17:29 まで発券）。"
                             "休日開庁の日はその時間だけ開庁し、祝日・年末年始・臨時閉庁日より優先します。"
                             "区分ごとの受付終了時刻は「受付区分」で設定します。"),
        }),
    ]
    inlines = [SectionInline, OfficeHoursInline, OfficeClosureInline, SpecialOpeningInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "office")
    list_filter = ("office",)


# ------------------------------------------------------------ categories and counters
# Admin edits go through the same services as the floor-control screen: the busy rule,
# the audit log, the counter event log and a fresh board (never a bare model save).

# Citizen languages whose category names are edited one field each (Japanese is ``name``,
# English ``name_en``); stored in ``Category.names`` as before.
NAME_LANGUAGES = [(code, label) for code, label in settings.LANGUAGES if code not in ("ja", "en")]


def _names_field(code: str) -> str:
    return "names_" + code.replace("-", "_")


class ServiceAdminMixin:
    """Refuses on the form, with a Japanese message, what the service would refuse."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request = request
        return form

    def _actor(self, request):
        return actor_for_user(request.user)

    def _run(self, request, action):
        """A refusal that slipped past the form (another screen acted meanwhile): say so."""
        try:
            return action()
        except ServiceError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return None


class SupervisorFormMixin:
    request = None

    def check_role(self, office):
        if self.request is None or office is None:
            return
        try:
            actor_for_user(self.request.user).require_staff(office.pk, Role.SUPERVISOR)
        except ServiceError as exc:
            raise ValidationError(exc.message) from None


class CategoryAdminFormBase(SupervisorFormMixin, forms.ModelForm):
    class Meta:
        model = Category
        # Every editable field but the raw JSON of names (one field per language instead).
        fields = [f.name for f in Category._meta.get_fields()
                  if getattr(f, "concrete", False) and f.editable and not f.auto_created and f.name != "names"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = (self.instance.names or {}) if self.instance else {}
        for code, _label in NAME_LANGUAGES:
            self.initial.setdefault(_names_field(code), names.get(code, ""))

    def clean(self):
        data = super().clean()
        self.check_role(data.get("office"))
        return data

    def save(self, commit=True):
        names = dict(self.instance.names or {})
        for code, _label in NAME_LANGUAGES:
            value = (self.cleaned_data.get(_names_field(code)) or "").strip()
            if value:
                names[code] = value
            else:
                names.pop(code, None)
        self.instance.names = names
        return super().save(commit=commit)


# One declared field per language (declared, so the admin's form factory accepts them).
CategoryAdminForm = type("CategoryAdminForm", (CategoryAdminFormBase,), {
    _names_field(code): forms.CharField(
        label=_("手続き内容（%(lang)s）") % {"lang": label}, max_length=150, required=False,
        help_text=_("空欄なら英語名（なければ日本語名）で表示します。"))
    for code, label in NAME_LANGUAGES})


@admin.register(Category)
class CategoryAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ("name", "code", "office", "range_start", "range_end", "display_order",
                    "is_fast_lane", "prior_service_minutes", "reception_until", "is_active")
    list_editable = ("display_order", "is_active")
    list_filter = ("office", "is_fast_lane", "is_active")
    search_fields = ("name", "name_en", "code")

    def get_fields(self, request, obj=None):
        """The language fields right after the English name."""
        fields = [f for f in super().get_fields(request, obj) if not f.startswith("names_")]
        at = fields.index("name_en") + 1 if "name_en" in fields else len(fields)
        return [*fields[:at], *[_names_field(code) for code, _label in NAME_LANGUAGES], *fields[at:]]

    def save_model(self, request, obj, form, change):
        actor = self._actor(request)
        changed = list(getattr(form, "changed_data", []))
        if change and "is_active" in changed:
            # Issuing on/off has its own service (the floor-control screen's button).
            wanted = obj.is_active
            obj.is_active = Category.objects.values_list("is_active", flat=True).get(pk=obj.pk)
            rest = [f for f in changed if f != "is_active"]
            if rest:
                self._run(request, lambda: services.category_save(actor=actor, category=obj, changed=rest))
            self._run(request, lambda: services.category_set_issuing(actor=actor, category_id=obj.pk,
                                                                     is_active=wanted))
            obj.is_active = wanted
            return
        self._run(request, lambda: services.category_save(actor=actor, category=obj, changed=changed))

    def delete_model(self, request, obj):
        self._run(request, lambda: services.category_delete(actor=self._actor(request), category_id=obj.pk))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class CounterCategoryFormSet(BaseInlineFormSet):
    """The categories a counter serves, in order: the busy rule is checked here so the admin
    says it on the form (the service checks again under the counter's lock)."""

    def served_codes(self) -> list[str]:
        rows = []
        for index, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("category"):
                continue
            rows.append((data.get("position") or 0, index, data["category"].code))
        return list(dict.fromkeys(code for _p, _i, code in sorted(rows)))

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        codes = self.served_codes()
        counter = self.instance
        if counter.pk is None:
            return
        if not codes:
            raise ValidationError(_("受付区分を1つ以上選んでください。"))
        current = (Ticket.objects.filter(counter=counter, state=TicketState.CALLED)
                   .select_related("category").first())
        if current is not None and current.category.code not in codes:
            raise ValidationError(
                _("%(counter)sは%(number)s番（%(name)s）を呼出中のため、「%(name)s」を外せません。"
                  "完了・保留・回送してから変更してください。")
                % {"counter": counter.label, "number": current.number, "name": current.category.name})


class CounterCategoryInline(admin.TabularInline):
    model = CounterCategory
    formset = CounterCategoryFormSet
    extra = 1
    autocomplete_fields = ("category",)


class CounterAdminForm(SupervisorFormMixin, forms.ModelForm):
    class Meta:
        model = Counter
        fields = ("office", "number", "name", "is_open")

    def clean(self):
        data = super().clean()
        self.check_role(data.get("office"))
        counter = self.instance
        if (counter.pk and "is_open" in self.changed_data and not data.get("is_open")
                and Ticket.objects.filter(counter=counter, state=TicketState.CALLED).exists()):
            raise ValidationError(_("呼出中の番号を完了・保留・不在にしてから休止してください。"))
        if counter.pk and "office" in self.changed_data:
            raise ValidationError(_("窓口の庁舎・拠点は変更できません。"))
        return data


@admin.register(Counter)
class CounterAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = CounterAdminForm
    list_display = ("number", "label", "office", "is_open")
    list_filter = ("office", "is_open")
    inlines = [CounterCategoryInline]

    def save_model(self, request, obj, form, change):
        actor = self._actor(request)
        if not change:
            self._run(request, lambda: services.counter_save(actor=actor, counter=obj))
            return
        wanted = obj.is_open
        if {"number", "name"} & set(form.changed_data):
            self._run(request, lambda: services.counter_save(actor=actor, counter=obj))
        if "is_open" in form.changed_data:
            self._run(request, lambda: services.counter_set_open(actor=actor, counter_id=obj.pk, is_open=wanted))

    def save_related(self, request, form, formsets, change):
        """Categories through ``counter_set_categories`` (busy rule, CounterEvent, audit, board)."""
        counter = form.instance
        for formset in formsets:
            if isinstance(formset, CounterCategoryFormSet) and counter.pk:
                codes = formset.served_codes()
                if codes:
                    self._run(request, lambda codes=codes: services.counter_set_categories(
                        actor=self._actor(request), counter_id=counter.pk, category_codes=codes))
                # The admin's change message reads what a formset saved: nothing directly.
                formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            else:
                formset.save()

    def delete_model(self, request, obj):
        self._run(request, lambda: services.counter_delete(actor=self._actor(request), counter_id=obj.pk))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)



@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("number", "category", "state", "business_date", "issued_at", "counter")
    list_filter = ("office", "business_date", "state", "category")


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "ticket", "category", "counter", "actor")
    list_filter = ("office", "business_date", "kind")
