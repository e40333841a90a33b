"""Navigator screens: the citizen's (both zones) and the office's kiosk and interview (inside)."""

from django.urls import path

from . import views

public_urlpatterns = [
    path("o/<slug:code>/navi/", views.navigator, name="navigator"),
]

internal_urlpatterns = [
    path("o/<slug:code>/kiosk/navi/", views.kiosk_navigator, name="navi-kiosk"),
    path("o/<slug:code>/kiosk/navi/issue/", views.kiosk_issue, name="navi-kiosk-issue"),
    path("o/<slug:code>/interview/", views.interview, name="interview"),
    path("o/<slug:code>/interview/case/", views.interview_case, name="interview-case"),
]
