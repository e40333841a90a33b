"""The DX office's screens (情報政策課), internal side only (madoguchi/urls.py adds them when
ROLE is all or internal). City-wide: no office in the URL; core.permissions' A.DX decides."""

from django.urls import path

from . import kpi_views, views

urlpatterns = [
    path("dx/", views.home, name="dx-home"),
    path("dx/kpis/", kpi_views.kpis, name="dx-kpis"),
    path("dx/kpis/export.xlsx", kpi_views.kpis_xlsx, name="dx-kpis-xlsx"),
    path("dx/kpis/<slug:code>/", kpi_views.kpi_history, name="dx-kpi-history"),
    path("dx/paper/", views.paper, name="dx-paper"),
    path("dx/paper/paper.csv", views.paper_csv, name="dx-paper-csv"),
    path("dx/paper/paper.xlsx", views.paper_xlsx, name="dx-paper-xlsx"),
]
