"""Demo data of the DX office: its log-in (dx / dx), its API token (demo-dx) and, added by the
paper-use and KPI parts, devices with a year of readings and the seed's KPI table."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from madoguchi.core.auth import DEMO_GROUP
from madoguchi.core.models import DX_PERMISSION, ApiToken, TokenKind, hash_token

DX_GROUP = "情報政策課（DX推進）"
DEMO_LOGIN = ("dx", "dx")
DEMO_TOKEN = "demo-dx"


@transaction.atomic
def seed_dx(office, *, paper_demo: bool = True) -> None:
    """Idempotent. The DX office's account gets the permission through its group, as a city would
    give it (管理画面 → グループ), not as a superuser."""
    app_label, codename = DX_PERMISSION.split(".")
    group, _ = Group.objects.get_or_create(name=DX_GROUP)
    group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    username, password = DEMO_LOGIN
    user, created = get_user_model().objects.get_or_create(username=username)
    if created or not user.check_password(password):
        user.set_password(password)
        user.save()
    user.groups.add(group, Group.objects.get_or_create(name=DEMO_GROUP)[0])
    if not ApiToken.objects.filter(key_hash=hash_token(DEMO_TOKEN)).exists():
        token = ApiToken(name=f"デモ用 {DEMO_TOKEN}", kind=TokenKind.STAFF, office=office, user=user,
                         is_demo=True)
        token.set_key(DEMO_TOKEN)
        token.save()
    if paper_demo:  # ~30 devices, 令和元年度 and the last twelve months of readings
        from .demo_paper import seed_paper_demo

        seed_paper_demo()
    seed_kpis()


def seed_kpis() -> None:
    """The seed's KPI table (dx/data/kpis_seed.yaml: 令和3年度 targets with the 令和4年3月 status,
    令和4年度 targets, the by-year tables) and the KPIs the system computes from the demo's queue
    history, with the demo's own targets. Computed by ``refresh_kpis`` once the history is in."""
    from madoguchi.core.actors import SYSTEM
    from madoguchi.core.timeutil import business_date

    from . import kpi_seed

    kpi_seed.load_seed(actor=SYSTEM)
    kpi_seed.load_system(actor=SYSTEM, demo_today=business_date())


def refresh_kpis() -> None:
    """Last year's and this year's computed KPIs, after the demo's queue history was written (a
    refresh before it would store this morning's few tickets as the year's figures)."""
    from madoguchi.core.actors import SYSTEM

    from . import fiscal, kpi_services

    this_year = fiscal.current_fiscal_year()
    kpi_services.kpis_refresh(actor=SYSTEM, fiscal_years=[this_year - 1, this_year])
