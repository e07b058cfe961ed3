"""Demo inventory: two warehouses, items for the demo customers, and four months of stock history,
all written through the services so the books are exactly what real use would produce."""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from depot.core import roles
from depot.core.db import analyze
from depot.core.errors import ValidationFailed
from depot.inventory import analysis, services
from depot.inventory.choices import CapacityUnit, CountScope, HazardClass, ItemCategory, LocationKind, Rotation
from depot.inventory.choices import TemperatureClass as T
from depot.inventory.demo_custody import custody_demo_load as _custody
from depot.inventory.models import (
    Balance,
    EnvironmentAlert,
    EnvironmentReading,
    InspectionPlan,
    Item,
    Location,
    Lot,
    Reservation,
    StockMove,
    Warehouse,
    Zone,
)
from depot.inventory.policy import location_accepts

HISTORY_DAYS = 120
RECEIPTS_PER_ITEM = 3
MAX_OWNERS = 8

# code, name, address, zones: (code, name, temperature, hazard, storage locations, capacity, unit, climate)
WAREHOUSES = [
    ("SH01", "上海嘉定配送中心", "上海市嘉定区马陆镇宝安公路2999号", [
        ("A", "常温区", T.AMBIENT, "", 60, 3000, CapacityUnit.UNITS, (10, 30, 35, 75)),
        ("B", "阴凉区", T.COOL, "", 20, 2000, CapacityUnit.UNITS, (0, 20, 35, 75)),
        ("C", "冷藏区", T.COLD, "", 20, 2000, CapacityUnit.UNITS, (2, 8, 45, 75)),
        ("D", "冷冻区", T.FROZEN, "", 20, 2000, CapacityUnit.UNITS, (-25, -18, None, None)),
        ("H3", "危险品库（易燃液体）", T.AMBIENT, HazardClass.FLAMMABLE_LIQUID, 10, 1000, CapacityUnit.UNITS,
         (5, 25, 40, 70)),
    ]),
    ("KS01", "昆山保税物流仓", "江苏省昆山市千灯镇石浦路88号", [
        ("A", "常温区", T.AMBIENT, "", 40, 6, CapacityUnit.PALLETS, (10, 30, 35, 75)),
        ("C", "冷藏区", T.COLD, "", 10, 2000, CapacityUnit.UNITS, (2, 8, 45, 75)),
        ("D", "冷冻区", T.FROZEN, "", 10, 2000, CapacityUnit.UNITS, (-25, -18, None, None)),
        ("H8", "危险品库（腐蚀品）", T.AMBIENT, HazardClass.CORROSIVE, 6, 800, CapacityUnit.UNITS,
         (5, 25, 40, 70)),
    ]),
]

# Product families handed out to the customers in turn: code, name, spec, category, storage,
# hazard, shelf life (days), rotation, unit value, unit, pallet quantity.
FAMILIES = [
    [("BIS", "苏打饼干", "400g×12包/箱", ItemCategory.FOOD, T.AMBIENT, "", 270, Rotation.FEFO, "6.80", "包", 960),
     ("NUT", "每日坚果礼盒", "750g/盒", ItemCategory.FOOD, T.AMBIENT, "", 180, Rotation.FEFO, "89.00", "盒", 240)],
    [("DUM", "速冻猪肉水饺", "1kg/袋", ItemCategory.FOOD, T.FROZEN, "", 365, Rotation.FEFO, "18.50", "袋", 600),
     ("SHR", "冷冻虾仁", "500g/袋", ItemCategory.FOOD, T.FROZEN, "", 540, Rotation.FEFO, "42.00", "袋", 800)],
    [("MLK", "巴氏鲜牛奶", "950ml/瓶", ItemCategory.FOOD, T.COLD, "", 15, Rotation.FEFO, "12.90", "瓶", 720),
     ("AMX", "阿莫西林胶囊", "0.25g×24粒/盒", ItemCategory.PHARMA, T.COOL, "", 730, Rotation.FEFO, "15.60", "盒",
      4000)],
    [("ALC", "工业乙醇", "95% 20L/桶", ItemCategory.CHEMICAL, T.AMBIENT, HazardClass.FLAMMABLE_LIQUID, 730,
      Rotation.FIFO, "156.00", "桶", 32),
     ("HCL", "盐酸清洗剂", "31% 25kg/桶", ItemCategory.CHEMICAL, T.AMBIENT, HazardClass.CORROSIVE, 365,
      Rotation.FIFO, "48.00", "桶", 40)],
    [("EAR", "蓝牙耳机", "TWS 白色", ItemCategory.ELECTRONICS, T.AMBIENT, "", None, Rotation.FIFO, "199.00", "台",
      500),
     ("WAT", "智能手表", "46mm 黑色", ItemCategory.ELECTRONICS, T.AMBIENT, "", None, Rotation.FIFO, "899.00", "台",
      300)],
]

# customer storage need -> product family
STORAGE_FAMILY = {"frozen": 1, "cold": 2, "cool": 2, "hazardous": 3}
LEAD_TIMES = (3, 5, 7, 10, 14)
FRESH_SHELF_LIFE = 30


def _build_warehouses(actor) -> list[Warehouse]:
    warehouses = []
    for code, name, address, zones in WAREHOUSES:
        warehouse = services.warehouse_create(actor=actor, data={"code": code, "name": name, "address": address})
        warehouses.append(warehouse)
        for zcode, zname, temperature, hazard, count, capacity, unit, (tmin, tmax, hmin, hmax) in zones:
            zone = services.zone_create(actor=actor, warehouse=warehouse, data={
                "code": zcode, "name": zname, "temperature_class": temperature, "hazard_class": hazard,
                "temperature_min": tmin, "temperature_max": tmax, "humidity_min": hmin, "humidity_max": hmax,
            })
            prefix = f"{code}-{zcode}"
            services.location_create(actor=actor, zone=zone, data={"code": f"{prefix}-RCV",
                                                                   "kind": LocationKind.RECEIVING})
            services.location_create(actor=actor, zone=zone, data={"code": f"{prefix}-STG",
                                                                   "kind": LocationKind.STAGING})
            services.location_bulk_create(
                actor=actor, zone=zone, kind=LocationKind.STORAGE, capacity=capacity, capacity_unit=unit,
                codes=[f"{prefix}-{n // 10 + 1:02d}-{n % 10 + 1:02d}" for n in range(count)],
            )
    return warehouses


def _stock_owners(customers) -> list:
    """The customers that get stock: active ones first, at most MAX_OWNERS so the demo stays quick."""
    customers = list(customers)
    active = [c for c in customers if c.status == "active"]
    return (active or customers)[:MAX_OWNERS]


def _families(n: int, customer) -> list[list[tuple]]:
    """Two product families: one in turn (so every family appears), one fitting the storage the
    customer asked for."""
    first = n % len(FAMILIES)
    wanted = [STORAGE_FAMILY[s] for s in (customer.storage_types or []) if s in STORAGE_FAMILY]
    second = next((f for f in wanted if f != first), (n + 2) % len(FAMILIES))
    return [FAMILIES[first], FAMILIES[second]]


def _create_items(actor, customers) -> list[Item]:
    items = []
    for n, customer in enumerate(customers):
        for family in _families(n, customer):
            for code, name, spec, category, storage, hazard, shelf, rotation, value, unit, per_pallet in family:
                items.append(services.item_create(actor=actor, owner=customer, data={
                    "code": f"{customer.code}-{code}", "name": name, "spec": spec, "category": category,
                    "storage_class": storage, "hazard_class": hazard, "shelf_life_days": shelf,
                    "rotation": rotation, "unit_value": Decimal(value), "base_unit": unit,
                    "pallet_quantity": per_pallet, "case_quantity": 12 if unit in ("包", "瓶", "盒") else 1,
                    "safety_stock": 50, "reorder_point": 120,
                    "lead_time_days": LEAD_TIMES[len(items) % len(LEAD_TIMES)],
                }))
    return items


def _dock(item: Item, kind: str, prefer: Warehouse) -> Location | None:
    """A receiving or staging location of a zone accepting the item, in `prefer` if it has one."""
    zones = sorted(Zone.objects.select_related("warehouse"), key=lambda z: (z.warehouse != prefer, z.warehouse.code,
                                                                            z.code))
    for zone in zones:
        if location_accepts(item, zone):
            return Location.objects.get(zone=zone, kind=kind)
    return None


def _profile(index: int) -> str:
    """How an item moves: a few never move after their first weeks (slow movers), a third ship often."""
    if index % 6 == 5:
        return "slow"
    return "fast" if index % 3 == 0 else "normal"


# days after a receipt on which an order ships, by profile
SHIP_DAYS = {"slow": (8,), "normal": (8, 23), "fast": (5, 16, 28)}


def _history(staff, items, warehouses, rng: random.Random) -> None:
    keeper, cs = staff["keeper"], staff["cs"]
    now = timezone.now()
    start = now - datetime.timedelta(days=HISTORY_DAYS)
    orders = 0
    for index, item in enumerate(items):
        if index % 4 == 0:
            analyze(Balance, StockMove, Reservation, Lot, Location, Item)
        dock = _dock(item, LocationKind.RECEIVING, prefer=warehouses[item.owner_id % len(warehouses)])
        if dock is None:
            continue
        profile = _profile(index)
        for r in range(1 if profile == "slow" else RECEIPTS_PER_ITEM):
            at = start + datetime.timedelta(days=r * 40 + rng.randint(0, 6), hours=rng.randint(8, 16))
            produced = at.date() - datetime.timedelta(days=rng.randint(1, min(20, (item.shelf_life_days or 100) // 5)))
            expiry = None
            if item.shelf_life_days:
                expiry = produced + datetime.timedelta(days=item.shelf_life_days)
                if r == 0 and item.rotation == Rotation.FEFO and item.shelf_life_days > 60:
                    # one old lot per dated item that is close to its expiry date now
                    expiry = timezone.localdate() + datetime.timedelta(days=rng.randint(5, 25))
            quantity = rng.randint(8, 30) * (item.case_quantity or 1)
            receipt = services.stock_receive(
                actor=keeper, item=item, quantity=quantity, location=dock, lot_number=f"{at:%y%m%d}{r + 1:02d}",
                production_date=produced, expiry_date=expiry, document_type="inbound",
                document_ref=f"IN{at:%Y%m%d}{item.pk:04d}", at=at,
            )
            services.stock_putaway(actor=keeper, item=item, lot=receipt.lot, from_location=dock, quantity=quantity,
                                   document_type="inbound", document_ref=receipt.document_ref,
                                   at=at + datetime.timedelta(hours=2))
            shipments = SHIP_DAYS[profile]
            for after in shipments:
                when = at + datetime.timedelta(days=after + rng.randint(0, 3), hours=rng.randint(0, 6))
                if when >= now:
                    continue
                orders += 1
                ref = f"OUT{when:%Y%m%d}{orders:04d}"
                share = rng.randint(len(shipments) + 1, len(shipments) + 4)
                reservations = services.reservation_create(
                    actor=cs, item=item, quantity=max(1, quantity // share), document_type="outbound",
                    document_ref=ref, allow_partial=True, today=timezone.localdate(when),
                )
                for reservation in reservations:
                    services.reservation_consume(actor=keeper, reservation=reservation, at=when)
                if reservations:
                    services.document_ship(actor=keeper, document_type="outbound", document_ref=ref,
                                           at=when + datetime.timedelta(hours=3))
        if item.shelf_life_days and item.shelf_life_days <= FRESH_SHELF_LIFE:
            # short-lived goods arrive every few days; the last delivery is still in stock
            at = now - datetime.timedelta(days=3, hours=rng.randint(0, 5))
            receipt = services.stock_receive(
                actor=keeper, item=item, quantity=rng.randint(10, 20) * (item.case_quantity or 1), location=dock,
                lot_number=f"{at:%y%m%d}09", production_date=at.date(), document_type="inbound",
                document_ref=f"IN{at:%Y%m%d}{item.pk:04d}", at=at)
            services.stock_putaway(actor=keeper, item=item, lot=receipt.lot, from_location=dock,
                                   quantity=receipt.quantity, document_type="inbound",
                                   document_ref=receipt.document_ref, at=at + datetime.timedelta(hours=1))
        if profile == "slow":
            continue
        # today's orders: some waiting to be picked, some picked and waiting for the carrier
        orders += 1
        reservations = services.reservation_create(
            actor=cs, item=item, quantity=rng.randint(2, 12), document_type="outbound",
            document_ref=f"OUT{now:%Y%m%d}{orders:04d}", allow_partial=True,
        )
        if reservations and orders % 2:
            services.reservation_consume(actor=keeper, reservation=reservations[0])


def _disposals(staff, items) -> None:
    """Lots that expired more than two weeks ago were destroyed with the owner's consent a few days
    after their expiry; the recently expired ones are still waiting (the near-expiry list shows them)."""
    cutoff = timezone.localdate() - datetime.timedelta(days=14)
    expired = (Balance.objects.filter(item__in=items, lot__expiry_date__lt=cutoff, on_hand__gt=0, reserved=0,
                                      location__kind=LocationKind.STORAGE)
               .select_related("item", "lot", "location").order_by("pk"))
    for balance in expired:
        services.stock_post_damage(actor=staff["keeper"], item=balance.item, lot=balance.lot,
                                   location=balance.location, quantity=balance.on_hand,
                                   reason="超过保质期，经货主确认销毁", document_type="disposal",
                                   document_ref=f"XH{balance.lot.expiry_date:%Y%m%d}",
                                   at=timezone.make_aware(datetime.datetime.combine(
                                       balance.lot.expiry_date + datetime.timedelta(days=3), datetime.time(10))))


def _corrections(staff, items) -> None:
    balance = (Balance.objects.filter(item__in=items, location__kind=LocationKind.STORAGE, on_hand__gt=10)
               .select_related("item", "lot", "location").order_by("pk").first())
    if balance is not None:
        services.stock_adjust(actor=staff["supervisor"], item=balance.item, lot=balance.lot,
                              location=balance.location, delta=-2, reason="循环盘点发现短少2件，经复核确认",
                              document_type="stock_count", document_ref="PD-DEMO-001")
    balance = (Balance.objects.filter(item__in=items, location__kind=LocationKind.STORAGE, on_hand__gt=20)
               .exclude(item=balance.item if balance else None)
               .select_related("item", "lot", "location").order_by("-pk").first())
    if balance is not None:
        services.stock_post_damage(actor=staff["keeper"], item=balance.item, lot=balance.lot, location=balance.location,
                                   quantity=1, reason="叉车作业碰撞，外箱破损", document_type="incident",
                                   document_ref="DMG-DEMO-001")


def _analysis(staff, owners, items) -> None:
    """What a supervisor does with the analysis: classify each owner's items by ABC over the last
    90 days (cycle counts use it), adopt the suggested safety stock and reorder point, and plan a
    cycle count of the A items."""
    from depot.inventory import selectors_analysis

    supervisor = staff["supervisor"]
    since, until = selectors_analysis.period(analysis.DEFAULT_ANALYSIS_DAYS)
    services.replenishment_settings_save(actor=supervisor, data={
        "order_cost": analysis.DEFAULT_ORDER_COST, "holding_cost_rate": analysis.DEFAULT_HOLDING_COST_RATE,
        "service_level": analysis.DEFAULT_SERVICE_LEVEL, "default_lead_time_days": analysis.DEFAULT_LEAD_TIME_DAYS})
    for owner in sorted(owners, key=lambda o: o.pk):
        try:
            services.abc_classification_apply(actor=supervisor, owner=owner, since=since, until=until)
        except ValidationFailed:
            continue
    for item in items:
        figures = selectors_analysis.item_figures(user=supervisor, item=item, since=since, until=until)
        if figures.reorder_point is not None:
            services.item_update(actor=supervisor, item=item, data={
                "safety_stock": figures.safety_stock, "reorder_point": figures.reorder_point})
    for warehouse in Warehouse.objects.order_by("code"):
        try:
            services.count_plan_create(actor=staff["keeper"], warehouse=warehouse, scope=CountScope.ABC,
                                       abc_class="A", planned_for=timezone.localdate() + datetime.timedelta(days=3),
                                       note="A类货品月度循环盘点")
            return
        except ValidationFailed:
            continue


def _staff(actor) -> dict:
    """Who does what in the demo: `actor` wherever their role allows it, otherwise the first user
    of the role that would do it (warehouse set-up by an administrator, stock work by a keeper)."""
    users = get_user_model().objects.filter(is_active=True).order_by("pk")

    def first(*roles_):
        return users.filter(groups__name__in=roles_).first()

    admin = actor if actor.has_perm("inventory.add_warehouse") else (
        first(roles.ADMIN) or users.filter(is_superuser=True).first())
    if admin is None:
        raise ImproperlyConfigured("库存演示数据需要一位系统管理员用户")
    keeper = first(roles.WAREHOUSE_KEEPER) or admin
    return {
        "admin": admin,
        "keeper": keeper if keeper.has_perm("inventory.receive_stock") else admin,
        "cs": actor if actor.has_perm("inventory.reserve_stock") else admin,
        "supervisor": actor if actor.has_perm("inventory.adjust_stock") else (first(roles.CS_SUPERVISOR) or admin),
    }


@transaction.atomic
def inventory_demo_load(*, actor, customers) -> dict:
    """Load the demo warehouses, items, stock history, analysis settings and custody records
    (inspection plans, a week of readings with one excursion) for `customers` (once: a second call
    finds the demo warehouse and adds nothing). Returns the number of rows of each kind."""
    if not Warehouse.objects.filter(code=WAREHOUSES[0][0]).exists():
        rng = random.Random(20240601)
        staff = _staff(actor)
        warehouses = _build_warehouses(staff["admin"])
        items = _create_items(staff["admin"], _stock_owners(customers))
        _history(staff, items, warehouses, rng)
        analyze(Balance, StockMove, Reservation, Lot)
        _corrections(staff, items)
        _disposals(staff, items)
        owners = {item.owner for item in items}
        _analysis(staff, owners, items)
        _custody(staff, warehouses, rng)
    return {
        "warehouses": Warehouse.objects.count(),
        "inspection_plans": InspectionPlan.objects.count(),
        "readings": EnvironmentReading.objects.count(),
        "alerts": EnvironmentAlert.objects.count(),
        "zones": Zone.objects.count(),
        "locations": Location.objects.exclude(zone=None).count(),
        "items": Item.objects.count(),
        "lots": Lot.objects.count(),
        "moves": StockMove.objects.count(),
        "balances": Balance.objects.filter(on_hand__gt=0).count(),
        "open_reservations": Reservation.objects.filter(state="open").count(),
    }

