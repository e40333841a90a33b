"""The engine's own sentences (gettext). The browser's engine receives them rendered in every
language with the public catalogue, so both engines word a reason identically."""

from django.utils.translation import gettext_lazy as _

# A procedure "to check": the questions that were unknown or not answered, joined by the separator.
TO_CHECK_UNKNOWN = _("確認が必要です（わからない・未回答の質問: {questions}）")
# A condition that could not be decided although every question it reads was answered.
TO_CHECK_UNDECIDED = _("条件を判定できなかったため、窓口で確認してください")
LIST_SEPARATOR = _("、")
