"""Demo custody records: inspection plans per warehouse (one overdue, one with a past inspection)
and a week of temperature/humidity readings per zone, with one excursion that opened an alert
still waiting to be handled and an earlier one that was handled and closed."""

import datetime
import math
import random
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from depot.inventory import services
from depot.inventory.choices import InspectionResult, ReadingSource
from depot.inventory.choices import TemperatureClass as T
from depot.inventory.models import Balance, Zone

READING_DAYS = 7
READING_HOURS = 6

CHECKLISTS = {
    "cold": "温度记录仪读数是否在2–8℃\n冷库门密封条是否完好\n货物有无结霜、冷凝水\n近效期批次是否已标识",
    "frozen": "库温是否低于−18℃\n地面及货架有无结冰\n包装有无破损、解冻迹象",
    "hazardous": "危险品标签是否清晰\n消防器材是否在有效期内\n有无泄漏、异味\n禁忌物料是否分开存放",
    "ambient": "地面是否干燥、无积水\n货物有无受潮、霉变、虫害\n堆码是否整齐、不超高\n通道与消防通道是否畅通",
}


def _plans(staff, warehouses) -> None:
    supervisor, keeper = staff["supervisor"], staff["keeper"]
    today = timezone.localdate()
    zones = {(z.warehouse.code, z.code): z for z in Zone.objects.select_related("warehouse")}
    first, second = warehouses[0], warehouses[1] if len(warehouses) > 1 else warehouses[0]

    def plan(warehouse, title, checklist, frequency, next_due, zone=None, storage_class=""):
        return services.inspection_plan_create(actor=supervisor, warehouse=warehouse, data={
            "title": title, "zone": zone, "storage_class": storage_class, "frequency_days": frequency,
            "checklist": CHECKLISTS[checklist], "next_due": next_due, "responsible": keeper})

    plan(first, "冷藏区每日巡检", "cold", 1, today, zone=zones.get((first.code, "C")))
    plan(first, "危险品库周检", "hazardous", 7, today - datetime.timedelta(days=3), zone=zones.get((first.code, "H3")))
    frozen = plan(first, "冷冻货品周检", "frozen", 7, today - datetime.timedelta(days=7), storage_class=T.FROZEN)
    services.inspection_record(
        actor=keeper, plan=frozen, result=InspectionResult.ISSUES, findings="D-01-03货架底层结冰，已除冰并通知设备维护",
        done_at=timezone.now() - datetime.timedelta(days=7))
    plan(second, "常温区月度养护检查", "ambient", 30, today + datetime.timedelta(days=10),
         zone=zones.get((second.code, "A")))
    plan(second, "腐蚀品库周检", "hazardous", 7, today + datetime.timedelta(days=2),
         zone=zones.get((second.code, "H8")))


def _middle(lo, hi, default):
    if lo is None and hi is None:
        return default
    if lo is None:
        return float(hi) - 3
    if hi is None:
        return float(lo) + 3
    return (float(lo) + float(hi)) / 2


def _readings(staff, rng: random.Random) -> None:
    keeper, supervisor = staff["keeper"], staff["supervisor"]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    start = now - datetime.timedelta(days=READING_DAYS)
    steps = READING_DAYS * 24 // READING_HOURS
    zones = list(Zone.objects.select_related("warehouse").order_by("warehouse__code", "code"))
    cold = [z for z in zones if z.temperature_class == T.COLD]
    stored = dict(Balance.objects.filter(location__zone__in=cold).values_list("location__zone")
                  .annotate(total=Sum("on_hand")))
    # the excursion happens where it matters: the cold zone holding the most goods
    hot = max(cold, key=lambda z: (stored.get(z.pk, 0), -z.pk)) if cold else None
    humid = next((z for z in zones if z.temperature_class == T.COOL), None)
    for zone in zones:
        sensor = zone.temperature_class in (T.COLD, T.FROZEN)
        t_mid = _middle(zone.temperature_min, zone.temperature_max, 20)
        t_span = (float(zone.temperature_max) - float(zone.temperature_min)) / 4 if (
            zone.temperature_min is not None and zone.temperature_max is not None) else 1.5
        h_mid = _middle(zone.humidity_min, zone.humidity_max, 55)
        for step in range(steps):
            at = start + datetime.timedelta(hours=READING_HOURS * (step + 1))
            daily = math.sin(2 * math.pi * timezone.localtime(at).hour / 24)
            temperature = t_mid + t_span * daily + rng.uniform(-0.3, 0.3)
            humidity = h_mid + 6 * daily + rng.uniform(-2, 2) if zone.humidity_max is not None else None
            if zone == hot and step == steps - 8:
                temperature = float(zone.temperature_max) + 2.6  # the cooling unit stopped for a while
            if zone == humid and step == 8:
                humidity = float(zone.humidity_max) + 7  # a rainy day with the dock door open
            reading = services.reading_record(
                actor=keeper, zone=zone, temperature=Decimal(f"{temperature:.1f}"),
                humidity=None if humidity is None else Decimal(f"{humidity:.1f}"), measured_at=at,
                source=ReadingSource.SENSOR if sensor else ReadingSource.MANUAL,
                sensor_id=f"TH-{zone.warehouse.code}-{zone.code}-01" if sensor else "",
            )
            for alert in reading.opened_alerts:
                if zone == humid:
                    services.alert_acknowledge(actor=keeper, alert=alert, note="已关闭月台门，开启除湿机")
                    services.alert_close(actor=supervisor, alert=alert,
                                         note="湿度4小时内恢复至70%以下；抽查纸箱包装无受潮，无需处理货物")


def custody_demo_load(staff, warehouses, rng: random.Random) -> None:
    _plans(staff, warehouses)
    _readings(staff, rng)
