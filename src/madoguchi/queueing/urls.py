from django.urls import path

from .views import devices, public, staff

# Citizen pages: served on every side (public side reads the zone copy).
public_urlpatterns = [
    path("", public.index, name="index"),
    path("o/<slug:code>/", public.office_home, name="office-home"),
    path("o/<slug:code>/board/", public.public_board, name="public-board"),
    path("t/<str:ticket_id>/", public.ticket_page, name="ticket-page"),
]

# Devices and staff inside the city hall: never on the public side.
internal_urlpatterns = [
    path("o/<slug:code>/kiosk/", devices.kiosk, name="kiosk"),
    path("o/<slug:code>/kiosk/issue/", devices.kiosk_issue, name="kiosk-issue"),
    path("o/<slug:code>/display/", devices.display, name="display"),
    path("o/<slug:code>/counter/", staff.counter_pick, name="counter-pick"),
    path("o/<slug:code>/counter/<int:counter_id>/", staff.counter_screen, name="counter-screen"),
    path("o/<slug:code>/counter/<int:counter_id>/panel/", staff.counter_panel, name="counter-panel"),
    path("o/<slug:code>/counter/<int:counter_id>/<slug:action>/", staff.counter_action,
         name="counter-action"),
    path("o/<slug:code>/supervisor/", staff.supervisor, name="supervisor"),
    path("o/<slug:code>/supervisor/panel/", staff.supervisor_panel, name="supervisor-panel"),
    path("o/<slug:code>/supervisor/<slug:action>/", staff.supervisor_action, name="supervisor-action"),
]
