from django.urls import path

from . import views

# Citizen pages: served on every side (public side reads the zone copy).
public_urlpatterns = [
    path("", views.index, name="index"),
    path("o/<slug:code>/", views.office_home, name="office-home"),
    path("o/<slug:code>/board/", views.public_board, name="public-board"),
    path("t/<str:ticket_id>/", views.ticket_page, name="ticket-page"),
]

# Devices and staff inside the city hall: never on the public side.
internal_urlpatterns = [
    path("o/<slug:code>/kiosk/", views.kiosk, name="kiosk"),
    path("o/<slug:code>/kiosk/issue/", views.kiosk_issue, name="kiosk-issue"),
    path("o/<slug:code>/display/", views.display, name="display"),
    path("o/<slug:code>/counter/", views.counter_pick, name="counter-pick"),
    path("o/<slug:code>/counter/<int:counter_id>/", views.counter_screen, name="counter-screen"),
    path("o/<slug:code>/counter/<int:counter_id>/panel/", views.counter_panel, name="counter-panel"),
    path("o/<slug:code>/counter/<int:counter_id>/<slug:action>/", views.counter_action,
         name="counter-action"),
    path("o/<slug:code>/supervisor/", views.supervisor, name="supervisor"),
    path("o/<slug:code>/supervisor/panel/", views.supervisor_panel, name="supervisor-panel"),
]
