"""URLs by network zone (MADOGUCHI_ROLE): the public side serves only citizen pages and the API
that reads anonymous state; staff screens, devices and the admin exist only inside."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from madoguchi.api import api
from madoguchi.procedures import urls as procedure_urls
from madoguchi.queueing.urls import internal_urlpatterns, public_urlpatterns
from madoguchi.queueing.views import public as public_views
from madoguchi.reservations import urls as reservation_urls
from madoguchi.zones import pull as zone_pull
from madoguchi.zones import receiver

admin.site.site_header = "Madoguchi 管理"
admin.site.site_title = "Madoguchi 管理"
admin.site.index_title = "マスタデータ・アカウント"

urlpatterns = [
    # Async SSE view first: it shares the API prefix but must stream under ASGI.
    path("api/v1/offices/<slug:code>/board/events", public_views.board_events, name="board-events"),
    path("api/v1/", api.urls),
    path("healthz", public_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("madoguchi.notices.urls")),
]

if settings.ROLE in ("all", "internal"):
    urlpatterns += [
        path("admin/", admin.site.urls),
        path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
        path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
        # One-stop cases: personal data, inside only (before the counter's /<action>/ routes).
        path("", include("madoguchi.cases.urls")),
        path("", include("madoguchi.forms.urls")),
        path("", include("madoguchi.reservations.staff_urls")),  # bookings by slot, card list
        path("", include("madoguchi.dx.urls")),  # the DX office: KPIs, paper use (city-wide)
        *internal_urlpatterns,
        *procedure_urls.internal_urlpatterns,
        *reservation_urls.internal_urlpatterns,
    ]
if settings.ROLE == "public":
    urlpatterns.append(path("zone/v1/sync", receiver.sync, name="zone-sync"))
    urlpatterns.append(path("zone/v1/reservations", zone_pull.reservations_feed, name="zone-reservations"))

urlpatterns += public_urlpatterns + procedure_urls.public_urlpatterns + reservation_urls.public_urlpatterns
urlpatterns.append(path("", include("madoguchi.forms.public_urls")))  # the citizen's form
urlpatterns.append(path("", include("madoguchi.forecasting.urls")))  # places (観光地), both zones

# Error pages of the site (JSON under /api/): madoguchi.core.errorpages.
handler400 = "madoguchi.core.errorpages.bad_request"
handler403 = "madoguchi.core.errorpages.permission_denied"
handler404 = "madoguchi.core.errorpages.page_not_found"
handler500 = "madoguchi.core.errorpages.server_error"
