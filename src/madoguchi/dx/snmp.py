"""Reading page counters over SNMP (pysnmp's asyncio API), many devices at once.

No database here: ``poll`` takes plain targets and returns plain results, so the collector
can be tested and benchmarked on its own; ``services.device_poll_all`` records the results.

Counters: the Printer-MIB's ``prtMarkerLifeCount`` (RFC 3805; every maker has carried it for
25 years) is the total. The mono/colour split comes from the maker's own MIB where one is
known (``VENDOR_SPLITS``); a counter the device does not have is simply absent (None).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    get_cmd,
    usm3DESEDEPrivProtocol,
    usmAesCfb128Protocol,
    usmAesCfb192Protocol,
    usmAesCfb256Protocol,
    usmDESPrivProtocol,
    usmHMAC192SHA256AuthProtocol,
    usmHMAC384SHA512AuthProtocol,
    usmHMACMD5AuthProtocol,
    usmHMACSHAAuthProtocol,
    usmNoAuthProtocol,
    usmNoPrivProtocol,
)
from pysnmp.proto.rfc1905 import EndOfMibView, NoSuchInstance, NoSuchObject

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
PRT_GENERAL_SERIAL = "1.3.6.1.2.1.43.5.1.1.17.1"   # Printer-MIB prtGeneralSerialNumber
PRT_MARKER_LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4.1.1"  # Printer-MIB, marker 1: total impressions

# Maker → (mono OIDs, colour OIDs); each list is summed (print + copy where the maker splits
# them). Sources: XEROX-HOST-RESOURCES-EXT-MIB xcmHrDevDetailValueInteger (as GLPI agent's
# Xerox module reads it); KYOCERA-MIB function counters .42.3.1.2.1.1.<function>.<colour>
# (function 1 print, 2 copy; colour 1 black & white, 3 full colour); Konica Minolta
# .5.7.2.2.1.5.<colour>.<function> (1 black, 2 colour; 1 copy, 2 print); Epson
# .1248.1.2.2.27.1.1.{3,4}.1.1 (black & white, colour); Canon .1602.1.11.1.3.1.4.108
# (「Total (Black & White 1)」; Canon's colour counters differ per model, not read).
# Ricoh and Sharp: the Printer-MIB total only.
VENDOR_SPLITS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fujifilm": (("1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.34",),
                 ("1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.33",)),
    "kyocera": (("1.3.6.1.4.1.1347.42.3.1.2.1.1.1.1", "1.3.6.1.4.1.1347.42.3.1.2.1.1.2.1"),
                ("1.3.6.1.4.1.1347.42.3.1.2.1.1.1.3", "1.3.6.1.4.1.1347.42.3.1.2.1.1.2.3")),
    "konicaminolta": (("1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.1.1",
                       "1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.1.2"),
                      ("1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.2.1",
                       "1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.2.2")),
    "epson": (("1.3.6.1.4.1.1248.1.2.2.27.1.1.3.1.1",), ("1.3.6.1.4.1.1248.1.2.2.27.1.1.4.1.1",)),
    "canon": (("1.3.6.1.4.1.1602.1.11.1.3.1.4.108",), ()),
}

AUTH_PROTOCOLS = {"": usmNoAuthProtocol, "NONE": usmNoAuthProtocol, "MD5": usmHMACMD5AuthProtocol,
                  "SHA": usmHMACSHAAuthProtocol, "SHA256": usmHMAC192SHA256AuthProtocol,
                  "SHA512": usmHMAC384SHA512AuthProtocol}
PRIV_PROTOCOLS = {"": usmNoPrivProtocol, "NONE": usmNoPrivProtocol, "DES": usmDESPrivProtocol,
                  "3DES": usm3DESEDEPrivProtocol, "AES": usmAesCfb128Protocol,
                  "AES128": usmAesCfb128Protocol, "AES192": usmAesCfb192Protocol,
                  "AES256": usmAesCfb256Protocol}


@dataclass(frozen=True)
class Target:
    """Where and how to ask one device."""

    key: int | str
    host: str
    port: int = 161
    maker: str = "other"
    version: str = "2c"
    community: str = "public"
    v3_user: str = ""
    v3_auth_protocol: str = "SHA"
    v3_auth_key: str = ""
    v3_priv_protocol: str = "AES"
    v3_priv_key: str = ""
    v3_context: str = ""


@dataclass
class Result:
    key: int | str
    ok: bool
    total: int | None = None
    mono: int | None = None
    colour: int | None = None
    sys_descr: str = ""
    serial: str = ""
    error: str = ""
    extra: dict = field(default_factory=dict)


def _auth(target: Target):
    if target.version == "3":
        auth_key = target.v3_auth_key or None
        priv_key = target.v3_priv_key or None
        return UsmUserData(
            target.v3_user, auth_key, priv_key,
            authProtocol=AUTH_PROTOCOLS[(target.v3_auth_protocol or "").upper()] if auth_key
            else usmNoAuthProtocol,
            privProtocol=PRIV_PROTOCOLS[(target.v3_priv_protocol or "").upper()] if priv_key
            else usmNoPrivProtocol)
    return CommunityData(target.community, mpModel=1)


def _value(var) -> int | str | None:
    if isinstance(var, NoSuchObject | NoSuchInstance | EndOfMibView):
        return None
    try:
        return int(var)
    except (TypeError, ValueError):
        return var.prettyPrint()


def _sum(values: list) -> int | None:
    numbers = [v for v in values if isinstance(v, int)]
    return sum(numbers) if numbers and len(numbers) == len(values) else None


async def read_one(engine: SnmpEngine, target: Target, *, timeout: float, retries: int) -> Result:
    """Ask one device in one GET; never raises (a device that does not answer is a Result)."""
    mono_oids, colour_oids = VENDOR_SPLITS.get(target.maker, ((), ()))
    oids = [SYS_DESCR, PRT_GENERAL_SERIAL, PRT_MARKER_LIFE_COUNT, *mono_oids, *colour_oids]
    try:
        transport = await UdpTransportTarget.create((target.host, target.port), timeout=timeout,
                                                    retries=retries)
        context = ContextData(contextName=target.v3_context) if target.version == "3" else ContextData()
        error_indication, error_status, error_index, var_binds = await get_cmd(
            engine, _auth(target), transport, context, *[ObjectType(ObjectIdentity(o)) for o in oids],
            lookupMib=False)  # numeric OIDs in, numbers out: no MIB needed to read a counter
    except Exception as exc:  # a bad address, an unknown protocol name: this device only
        return Result(target.key, ok=False, error=f"{type(exc).__name__}: {exc}"[:300])
    if error_indication:
        return Result(target.key, ok=False, error=str(error_indication)[:300])
    if error_status:
        return Result(target.key, ok=False, error=f"{error_status.prettyPrint()} at {error_index}")
    values = {str(name): _value(value) for name, value in var_binds}
    total = values.get(PRT_MARKER_LIFE_COUNT)
    if not isinstance(total, int):
        return Result(target.key, ok=False, sys_descr=str(values.get(SYS_DESCR) or ""),
                      error="prtMarkerLifeCount がありません (no Printer-MIB page counter)")
    return Result(target.key, ok=True, total=total,
                  mono=_sum([values.get(o) for o in mono_oids]) if mono_oids else None,
                  colour=_sum([values.get(o) for o in colour_oids]) if colour_oids else None,
                  sys_descr=str(values.get(SYS_DESCR) or "")[:300],
                  serial=str(values.get(PRT_GENERAL_SERIAL) or "").strip()[:100])


async def poll_async(targets: list[Target], *, timeout: float = 2.0, retries: int = 1,
                     concurrency: int = 64) -> list[Result]:
    """Read every target concurrently, at most ``concurrency`` requests in flight.

    The wall time is about (retries + 1) × timeout for the slowest device, not the sum: a
    city's 305 devices take seconds even when some are switched off.
    """
    # One engine per SNMPv3 credential set: an engine keeps one USM entry per user name, so two
    # devices with the same user name and different passwords must not share one.
    engines: dict[tuple, SnmpEngine] = {}
    limit = asyncio.Semaphore(max(1, concurrency))

    def engine_for(target: Target) -> SnmpEngine:
        key = (() if target.version != "3" else
               (target.v3_user, target.v3_auth_protocol, target.v3_auth_key,
                target.v3_priv_protocol, target.v3_priv_key))
        if key not in engines:
            engines[key] = SnmpEngine()
        return engines[key]

    async def one(target: Target) -> Result:
        async with limit:
            return await read_one(engine_for(target), target, timeout=timeout, retries=retries)

    try:
        return list(await asyncio.gather(*(one(t) for t in targets)))
    finally:
        for engine in engines.values():
            engine.close_dispatcher()


def poll(targets: list[Target], **options) -> list[Result]:
    """Synchronous entry point (CLI, services): runs its own event loop."""
    return asyncio.run(poll_async(targets, **options))
