"""The DX office's screens (情報政策課), internal side only (madoguchi/urls.py adds them when
ROLE is all or internal). City-wide: no office in the URL; core.permissions' A.DX decides."""

from django.urls import path

from . import views

urlpatterns = [
    path("dx/", views.home, name="dx-home"),
    path("dx/paper/", views.paper, name="dx-paper"),
    path("dx/paper/paper.csv", views.paper_csv, name="dx-paper-csv"),
    path("dx/paper/paper.xlsx", views.paper_xlsx, name="dx-paper-xlsx"),
]
