"""The admin: devices edited (audited, passwords not written to the log); a reading entered by
hand goes through the service, and readings cannot be edited or deleted."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from madoguchi.core.models import AuditLog
from madoguchi.dx.models import Device, Reading


@pytest.fixture
def admin_client(office):
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def test_device_and_manual_reading_from_the_admin(admin_client):
    response = admin_client.post("/admin/dx/device/add/", {
        "host": "10.13.1.202", "port": 161, "url": "", "section": "", "section_name": "秘書課",
        "maker": "ricoh", "model_name": "IM C3000", "kind": "copier", "note": "市長用カラー",
        "active": "on", "snmp_version": "3", "community": "", "v3_user": "dx",
        "v3_auth_protocol": "SHA", "v3_auth_key": "secret-auth", "v3_priv_protocol": "AES",
        "v3_priv_key": "secret-priv", "v3_context": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    device = Device.objects.get()
    assert (device.kind, device.pollable) == ("copier", False)
    log = AuditLog.objects.get(action="dx.device_add")
    assert "secret" not in str(log.detail) and log.detail["v3_auth_key"] == "***"
    assert admin_client.get("/admin/dx/device/").status_code == 200

    for total in (1000, 1250):
        response = admin_client.post("/admin/dx/reading/add/", {
            "device": device.pk, "read_at_0": "2026-11-30", "read_at_1": f"17:0{total % 7}:00",
            "total": total, "mono": "", "colour": ""})
        assert response.status_code == 302, response.content.decode()[:3000]
    latest = Reading.objects.order_by("-total").first()
    assert (latest.source, latest.pages, latest.entered_by) == ("manual", 250, "admin")
    assert AuditLog.objects.filter(action="dx.reading_manual").count() == 2
    page = admin_client.get(f"/admin/dx/reading/{latest.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client.post(f"/admin/dx/reading/{latest.pk}/delete/").status_code == 403
