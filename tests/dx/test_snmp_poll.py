"""Page counters read from SNMP agents simulated by snmpsim (v2c and v3, three makers and more)."""

import pytest

from madoguchi.core.actors import SYSTEM
from madoguchi.core.models import AuditLog
from madoguchi.dx import services, snmp
from madoguchi.dx.models import Device, Reading

from .conftest import free_udp_port


def device(agent, community, maker, **extra):
    return Device.objects.create(host=agent.host, port=agent.port, community=community, maker=maker,
                                 section_name=extra.pop("section_name", "市民課"), **extra)


def v3_device(agent, context, maker, **extra):
    return Device.objects.create(
        host=extra.pop("host", agent.host), port=agent.port, maker=maker, snmp_version="3",
        v3_user=agent.v3_user, v3_auth_protocol="SHA", v3_auth_key=extra.pop("auth", agent.v3_auth_key),
        v3_priv_protocol="AES", v3_priv_key=agent.v3_priv_key, v3_context=context, **extra)


def test_counts_and_vendor_splits_of_four_makers(snmp_agent):
    """Total from prtMarkerLifeCount; mono/colour from each maker's MIB (print + copy summed)."""
    targets = [snmp.Target(m, snmp_agent.host, snmp_agent.port, maker=m, community=c)
               for m, c in [("fujifilm", "xerox"), ("kyocera", "kyocera"),
                            ("konicaminolta", "konica"), ("epson", "epson"), ("ricoh", "ricoh")]]
    results = {r.key: r for r in snmp.poll(targets, timeout=1, retries=1)}
    assert all(r.ok for r in results.values()), results
    got = {k: (r.total, r.mono, r.colour) for k, r in results.items()}
    assert got == {"fujifilm": (120000, 90000, 30000), "kyocera": (9500, 8000, 1500),
                   "konicaminolta": (10000, 8000, 2000), "epson": (81563, 39797, 41766),
                   "ricoh": (45678, None, None)}
    assert results["kyocera"].serial == "KYO0001"
    assert results["konicaminolta"].sys_descr == "KONICA MINOLTA bizhub C360i"


def test_snmp_v3_with_authentication_and_privacy(snmp_agent):
    good = snmp.Target("good", snmp_agent.host, snmp_agent.port, maker="kyocera", version="3",
                       v3_user=snmp_agent.v3_user, v3_auth_key=snmp_agent.v3_auth_key,
                       v3_priv_key=snmp_agent.v3_priv_key, v3_context="kyocera")
    wrong = snmp.Target("wrong", snmp_agent.host, snmp_agent.port, maker="kyocera", version="3",
                        v3_user=snmp_agent.v3_user, v3_auth_key="not-the-password",
                        v3_priv_key=snmp_agent.v3_priv_key, v3_context="kyocera")
    results = {r.key: r for r in snmp.poll([good, wrong], timeout=0.5, retries=0)}
    assert (results["good"].ok, results["good"].total, results["good"].mono) == (True, 9500, 8000)
    assert not results["wrong"].ok and results["wrong"].total is None


@pytest.mark.django_db
def test_poll_records_pages_and_a_silent_device_is_marked_not_fatal(snmp_agent):
    xerox = device(snmp_agent, "xerox", "fujifilm")
    kyocera = v3_device(snmp_agent, "kyocera", "kyocera", host="localhost")
    silent = Device.objects.create(host="127.0.0.1", port=free_udp_port(), maker="ricoh",
                                   section_name="秘書課")
    manual_only = Device.objects.create(host="10.0.0.9", pollable=False, section_name="秘書課")

    summary = services.device_poll_all(actor=SYSTEM, timeout=0.3, retries=1)

    assert (summary.read, summary.failed, summary.reset, summary.replaced) == (2, 1, 0, 0)
    silent.refresh_from_db()
    assert silent.status == Device.Status.FAILED and "timeout" in silent.last_error.lower()
    assert not manual_only.readings.exists()
    first = xerox.readings.get()
    assert (first.total, first.mono, first.colour, first.baseline, first.pages) == (
        120000, 90000, 30000, Reading.Baseline.FIRST, None)
    assert kyocera.readings.get().total == 9500
    xerox.refresh_from_db()
    assert (xerox.status, xerox.serial, xerox.sys_descr) == ("ok", "XRX0001", "FUJIFILM Apeos C3570")

    Device.objects.filter(pk=xerox.pk).update(community="xerox-later")  # a month of printing
    services.device_poll_all(actor=SYSTEM, timeout=0.3, retries=0)
    later = xerox.readings.order_by("-read_at", "-pk").first()
    assert (later.pages, later.mono_pages, later.colour_pages, later.baseline) == (1500, 1000, 500, "")


@pytest.mark.django_db
def test_a_counter_that_goes_down_starts_a_new_baseline(snmp_agent):
    xerox = device(snmp_agent, "xerox", "fujifilm")
    services.device_poll_all(actor=SYSTEM, timeout=0.5, retries=1)
    Device.objects.filter(pk=xerox.pk).update(community="xerox-reset")  # same serial, counter 150

    summary = services.device_poll_all(actor=SYSTEM, timeout=0.5, retries=1)

    assert (summary.read, summary.reset, summary.replaced) == (1, 1, 0)
    reset = xerox.readings.order_by("-read_at", "-pk").first()
    assert (reset.total, reset.baseline, reset.pages, reset.mono_pages) == (150, "reset", None, None)
    assert AuditLog.objects.filter(action="dx.reading_snmp", target=str(xerox)).exists()
    Device.objects.filter(pk=xerox.pk).update(community="xerox-later")  # counts on from 150
    services.device_poll_all(actor=SYSTEM, timeout=0.5, retries=1)
    assert xerox.readings.order_by("-read_at", "-pk").first().pages == 121500 - 150


@pytest.mark.django_db
def test_a_replaced_device_is_noticed_by_its_serial(snmp_agent):
    xerox = device(snmp_agent, "xerox", "fujifilm")
    services.device_poll_all(actor=SYSTEM, timeout=0.5, retries=1)
    # Another machine at the same address, with a higher counter: not 80,000 pages this month.
    Device.objects.filter(pk=xerox.pk).update(community="xerox-replaced")

    summary = services.device_poll_all(actor=SYSTEM, timeout=0.5, retries=1)

    assert (summary.read, summary.reset, summary.replaced) == (1, 0, 1)
    new = xerox.readings.order_by("-read_at", "-pk").first()
    assert (new.total, new.baseline, new.pages, new.serial) == (200000, "replaced", None, "XRX0999")
    xerox.refresh_from_db()
    assert (xerox.serial, xerox.sys_descr) == ("XRX0999", "FUJIFILM Apeos C5570")


@pytest.mark.django_db
def test_manual_entry_for_a_device_that_cannot_be_polled():
    printer = Device.objects.create(host="10.13.1.202", pollable=False, section_name="秘書課")
    services.reading_enter_manual(actor=SYSTEM, device=printer, total=1000)
    second = services.reading_enter_manual(actor=SYSTEM, device=printer, total=1400, mono=1400)
    assert (second.pages, second.source, second.baseline) == (400, "manual", "")
    lower = services.reading_enter_manual(actor=SYSTEM, device=printer, total=20)
    assert (lower.pages, lower.baseline) == (None, "reset")
    assert AuditLog.objects.filter(action="dx.reading_manual").count() == 3


@pytest.mark.django_db
def test_cli_poll_prints_read_failed_reset(snmp_agent, capsys):
    from madoguchi.cli import main

    device(snmp_agent, "konica", "konicaminolta")
    Device.objects.create(host="127.0.0.1", port=free_udp_port(), section_name="秘書課")
    assert main(["dx", "poll", "--timeout", "0.3", "--retries", "0"]) == 0
    out = capsys.readouterr().out
    assert "読取 1 台、失敗 1 台、リセット 0 台" in out
    assert "read: 1, failed: 1, reset: 0" in out


@pytest.mark.django_db
def test_cli_poll_fails_when_no_device_answers(capsys):
    """One silent printer is routine; all of them silent is a broken set-up that cron must report."""
    from madoguchi.cli import main

    for section in ("秘書課", "市民課"):
        Device.objects.create(host="127.0.0.1", port=free_udp_port(), section_name=section)
    assert main(["dx", "poll", "--timeout", "0.2", "--retries", "0"]) == 1
    captured = capsys.readouterr()
    assert "読取 0 台、失敗 2 台" in captured.out
    assert "どの機器からも読み取れませんでした" in captured.err
