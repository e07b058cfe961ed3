"""Helpers shared by the inventory tests."""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from depot.inventory import services
from depot.inventory.choices import CapacityUnit, HazardClass, LocationKind, TemperatureClass
from depot.inventory.models import Balance, Location, Lot, Reservation, StockMove

ZONES = {
    "AMB": {"temperature_class": TemperatureClass.AMBIENT},
    "COOL": {"temperature_class": TemperatureClass.COOL},
    "COLD": {"temperature_class": TemperatureClass.COLD},
    "FRZ": {"temperature_class": TemperatureClass.FROZEN},
    "HAZ3": {"temperature_class": TemperatureClass.AMBIENT, "hazard_class": HazardClass.FLAMMABLE_LIQUID},
}


def build_warehouse(actor, code="WH1", storage_per_zone=3, capacity=100):
    warehouse = services.warehouse_create(actor=actor, data={"code": code, "name": f"测试仓{code}"})
    wh = SimpleNamespace(warehouse=warehouse, zones={}, loc={})
    for zone_code, fields in ZONES.items():
        zone = services.zone_create(actor=actor, warehouse=warehouse, data={
            "code": zone_code, "name": f"{zone_code}库区", **fields})
        wh.zones[zone_code] = zone
        specs = [(f"{zone_code}-RCV", LocationKind.RECEIVING, None), (f"{zone_code}-STG", LocationKind.STAGING, None)]
        specs += [(f"{zone_code}-{n:02d}", LocationKind.STORAGE, capacity) for n in range(1, storage_per_zone + 1)]
        for loc_code, kind, cap in specs:
            wh.loc[loc_code] = services.location_create(actor=actor, zone=zone, data={
                "code": f"{code}-{loc_code}" if code != "WH1" else loc_code, "kind": kind, "capacity": cap})
    wh.loc["AMB-P1"] = services.location_create(actor=actor, zone=wh.zones["AMB"], data={
        "code": f"{code}-AMB-P1" if code != "WH1" else "AMB-P1", "kind": LocationKind.STORAGE, "capacity": 2,
        "capacity_unit": CapacityUnit.PALLETS})
    return wh



def days(n: int) -> datetime.date:
    return datetime.date.today() + datetime.timedelta(days=n)


def ago(n: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=n)


def snapshot_state() -> dict:
    """Everything a stock operation could change, to assert that a refused one changed nothing."""
    return {
        "moves": StockMove.objects.count(),
        "balances": sorted(Balance.objects.values_list("item_id", "lot_id", "location_id", "on_hand", "reserved")),
        "reservations": sorted(Reservation.objects.values_list("pk", "quantity", "consumed", "released", "state")),
        "lots": sorted(Lot.objects.values_list("pk", "lot_number", "production_date", "expiry_date")),
        "locations": sorted(Location.objects.values_list("pk", "status")),
    }


def on_hand(item, location, lot=None) -> int:
    qs = Balance.objects.filter(item=item, location=location)
    if lot is not None:
        qs = qs.filter(lot=lot)
    return sum(qs.values_list("on_hand", flat=True))


def reserved(item, location=None) -> int:
    qs = Balance.objects.filter(item=item)
    if location is not None:
        qs = qs.filter(location=location)
    return sum(qs.values_list("reserved", flat=True))
