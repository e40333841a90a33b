"""Django-axes shows these words on the admin site; its package has no Japanese catalogue.

Marked here so that ``makemessages`` keeps their Japanese translations in our catalogue
(locale/ja) instead of retiring them as unused: the administrator reads 「アクセス試行」,
not "access attempt" (tests/core/test_throttle.py).
"""

from django.utils.translation import gettext_noop

AXES_ADMIN_WORDS = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access lock out"),
    gettext_noop("Locked Out"),
    gettext_noop("Expires At"),
    gettext_noop("Logout Time"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
)
