"""The bench data set: customers with grades and credit terms, their items, lots with expiry dates
in compatible zones of two warehouses, and a year of shipped orders with everything real use
leaves behind (lines, reservations, pick and shipment moves, pick lists, packages, the timeline,
the creation audit entry). Seeded: the same scale and seed give the same data.

Small tables go through the ORM's `bulk_create`; the large ones through PostgreSQL `COPY`. The
ledger adds up: each storage balance is written with its current stock, and its receipt move
(written last) brings exactly that stock plus everything the history shipped from it, so
`stock_problems()` passes right after generation.
"""

import datetime
import hashlib
import itertools
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone

from depot.bench.phase import peak_rss_mb
from depot.bench.scales import FLOW_CUSTOMERS, FLOW_ITEMS, SCALES
from depot.core import crypto, roles
from depot.core.accounts import user_create
from depot.core.audit import entry_hash
from depot.core.models import AuditEntry
from depot.customers import pinyin
from depot.customers.choices import Grade, PaymentTerms, Status, StorageType
from depot.customers.models import Contact, Customer
from depot.customers.validators import phone_blind_index
from depot.inventory.choices import (
    CapacityUnit,
    HazardClass,
    ItemCategory,
    LocationKind,
    MoveKind,
    ReservationState,
    Rotation,
    TemperatureClass,
)
from depot.inventory.models import Balance, Item, Location, Lot, Reservation, StockMove, Warehouse, Zone
from depot.inventory.services import virtual_location
from depot.orders.choices import Channel, OutboundState, PickListState, ServiceLevel
from depot.orders.models import OrderEvent, OutboundLine, OutboundOrder, Package, PickLine, PickList
from depot.orders.policy import priority_for_grade

UTC = datetime.UTC
PASSWORD = "Bench-2026-depot"
CHUNK_ORDERS = 5_000
HISTORY_DAYS = 365

T = TemperatureClass
# name, spec, category, storage class, hazard, shelf life (days), rotation, unit value range, unit, pallet qty
PRODUCTS = [
    ("苏打饼干", "400g×12包/箱", ItemCategory.FOOD, T.AMBIENT, "", 270, Rotation.FEFO, (5, 12), "包", 960),
    ("每日坚果礼盒", "750g/盒", ItemCategory.FOOD, T.AMBIENT, "", 180, Rotation.FEFO, (60, 120), "盒", 240),
    ("蓝牙耳机", "TWS", ItemCategory.ELECTRONICS, T.AMBIENT, "", None, Rotation.FIFO, (99, 399), "台", 500),
    ("智能手表", "46mm", ItemCategory.ELECTRONICS, T.AMBIENT, "", None, Rotation.FIFO, (399, 1999), "台", 300),
    ("纯棉T恤", "L码", ItemCategory.APPAREL, T.AMBIENT, "", None, Rotation.FIFO, (29, 99), "件", 800),
    ("跑步鞋", "42码", ItemCategory.APPAREL, T.AMBIENT, "", None, Rotation.FIFO, (199, 699), "双", 200),
    ("洗衣液", "3kg/瓶", ItemCategory.GENERAL, T.AMBIENT, "", None, Rotation.FIFO, (19, 59), "瓶", 400),
    ("阿莫西林胶囊", "0.25g×24粒/盒", ItemCategory.PHARMA, T.COOL, "", 730, Rotation.FEFO, (10, 30), "盒", 4000),
    ("巴氏鲜牛奶", "950ml/瓶", ItemCategory.FOOD, T.COLD, "", 15, Rotation.FEFO, (9, 19), "瓶", 720),
    ("速冻水饺", "1kg/袋", ItemCategory.FOOD, T.FROZEN, "", 365, Rotation.FEFO, (15, 35), "袋", 600),
    ("冷冻虾仁", "500g/袋", ItemCategory.FOOD, T.FROZEN, "", 540, Rotation.FEFO, (30, 80), "袋", 800),
    ("工业乙醇", "95% 20L/桶", ItemCategory.CHEMICAL, T.AMBIENT, HazardClass.FLAMMABLE_LIQUID, 730, Rotation.FIFO,
     (120, 200), "桶", 32),
]
# Products the order flow's customers keep: nothing that expires within weeks.
FLOW_PRODUCTS = [p for p in PRODUCTS if p[5] is None or p[5] >= 180]
ZONES = [  # code, name, temperature class, hazard class
    ("A", "常温区", T.AMBIENT, ""),
    ("B", "阴凉区", T.COOL, ""),
    ("C", "冷藏区", T.COLD, ""),
    ("D", "冷冻区", T.FROZEN, ""),
    ("H3", "危险品库（易燃液体）", T.AMBIENT, HazardClass.FLAMMABLE_LIQUID),
]
WAREHOUSES = [("SH01", "上海嘉定配送中心", "上海市嘉定区马陆镇宝安公路2999号"),
              ("KS01", "昆山保税物流仓", "江苏省昆山市千灯镇石浦路88号")]
PLACES = [("上海市", "上海市", "浦东新区"), ("江苏省", "苏州市", "工业园区"), ("浙江省", "杭州市", "余杭区"),
          ("广东省", "深圳市", "南山区"), ("北京市", "北京市", "朝阳区"), ("四川省", "成都市", "武侯区"),
          ("湖北省", "武汉市", "洪山区"), ("山东省", "青岛市", "黄岛区")]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞"]
FIRMS = ["华盛", "东方", "远航", "恒通", "佳美", "瑞丰", "金桥", "新程", "鼎信", "嘉禾", "万达", "安泰", "博远", "润达"]
TRADES = ["食品", "电子", "服饰", "日化", "医药", "贸易", "科技", "供应链"]
CARRIERS = ["顺丰速运", "京东物流", "中通快递", "德邦物流"]
CHANNEL_WEIGHTS = [(Channel.API, 50), (Channel.PORTAL, 20), (Channel.EXCEL, 15), (Channel.EMAIL, 10),
                   (Channel.PHONE, 5)]


def _log(message: str) -> None:
    print(f"  [generate] {message}", file=sys.stderr, flush=True)


def _at(day: datetime.date, hour: float) -> datetime.datetime:
    """A moment of a local working day, stored in UTC (Asia/Shanghai is UTC+8)."""
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=UTC) + datetime.timedelta(hours=hour - 8)


class Copier:
    """COPY rows of a model's table from tuples of the given attnames; the other columns get the
    field's default (the same for every row)."""

    def __init__(self, model, attnames: list[str]):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        rest = [name for name in fields if name not in attnames]
        now = timezone.now()
        defaults = []
        for name in rest:
            f = fields[name]
            value = f.get_default()
            if value is None and not f.null and isinstance(f, models.DateTimeField):
                value = now
            defaults.append(self._adapt(f, value))
        self.model, self.rest_values = model, tuple(defaults)
        self.json = [i for i, name in enumerate(attnames) if isinstance(fields[name], models.JSONField)]
        columns = ", ".join(f'"{fields[name].column}"' for name in [*attnames, *rest])
        self.sql = f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN'

    @staticmethod
    def _adapt(f, value):
        from psycopg.types.json import Jsonb

        return Jsonb(value) if isinstance(f, models.JSONField) else value

    def write(self, rows) -> int:
        from psycopg.types.json import Jsonb

        n = 0
        connection.ensure_connection()
        with connection.connection.cursor() as cur, cur.copy(self.sql) as copy:
            for row in rows:
                if self.json:
                    row = list(row)
                    for i in self.json:
                        row[i] = Jsonb(row[i])
                copy.write_row((*row, *self.rest_values))
                n += 1
        return n


def _next_id(model) -> int:
    with connection.cursor() as cur:
        cur.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{model._meta.db_table}"')
        return cur.fetchone()[0]


@dataclass
class PlannedBalance:
    id: int
    item_id: int
    lot_id: int
    location_id: int
    stage_id: int  # the staging balance of the same item and lot in the zone
    stage_location_id: int
    location_code: str
    received_on: datetime.date
    on_hand: int
    shipped: int = 0


@dataclass
class PlannedItem:
    id: int
    owner_id: int
    code: str
    unit_value: Decimal
    balances: list = field(default_factory=list)


class Generator:
    def __init__(self, scale, seed: int):
        self.scale = scale
        self.rnd = random.Random(seed)
        self.today = timezone.localdate()
        self.counts: dict[str, int] = defaultdict(int)

    # ---- people and customers ---------------------------------------------------------------

    def staff(self) -> None:
        from django.conf import settings

        # The run's own throwaway logins: the slow password hash buys nothing here.
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        User = get_user_model()
        self.admin = user_create(username="bench.admin", password=PASSWORD, role=roles.ADMIN, check_password=False)
        user_create(username="bench.supervisor", password=PASSWORD, role=roles.CS_SUPERVISOR, check_password=False)
        self.keeper = user_create(username="bench.keeper", password=PASSWORD, role=roles.WAREHOUSE_KEEPER,
                                  check_password=False)
        self.specialists = [user_create(username=f"bench.cs{n}", password=PASSWORD, role=roles.CS_SPECIALIST,
                                        check_password=False) for n in range(1, 5)]
        self.counts["users"] = User.objects.count()

    def customers(self) -> None:
        rnd, rows = self.rnd, []
        for n in range(self.scale.customers):
            flow = n < FLOW_CUSTOMERS
            province, city, district = rnd.choice(PLACES)
            name = f"{city.rstrip('市')}{rnd.choice(FIRMS)}{rnd.choice(TRADES)}有限公司"
            short = name[len(city.rstrip("市")):len(city.rstrip("市")) + 4]
            grade = rnd.choices([Grade.VIP, Grade.A, Grade.B, Grade.C], [5, 20, 35, 40])[0]
            if flow:
                # Most of the flow's customers pass the credit check; one always goes to review.
                terms = PaymentTerms.PREPAID if n % 5 == 3 else PaymentTerms.MONTHLY
                limit, overdue = Decimal("50000000"), Decimal(5000 if n == FLOW_CUSTOMERS - 1 else 0)
            else:
                terms = rnd.choices([PaymentTerms.MONTHLY, PaymentTerms.PREPAID, PaymentTerms.NET], [70, 15, 15])[0]
                limit = Decimal(rnd.randrange(100_000, 5_000_000, 10_000))
                overdue = Decimal(rnd.randrange(1_000, 50_000, 100) if rnd.random() < 0.05 else 0)
            customer = Customer(
                code=f"BC{n + 1:05d}", name=f"{name}（{n + 1}）", short_name=short, province=province, city=city,
                district=district, address=f"{rnd.choice(FIRMS)}路{rnd.randint(1, 999)}号",
                industry=rnd.choice(TRADES), payment_terms=terms, payment_days=30, credit_limit=limit,
                overdue_amount=overdue, credit_rating=rnd.choice(["AAA", "AA", "A", "B"]), grade=grade,
                owner=self.specialists[n % len(self.specialists)], status=Status.ACTIVE,
                status_changed_at=timezone.now(),
                cooperation_since=self.today - datetime.timedelta(days=rnd.randint(400, 2000)),
                storage_types=[StorageType.AMBIENT],
            )
            customer.pinyin = pinyin.initials(customer.name)
            rows.append(customer)
        self.customer_rows = Customer.objects.bulk_create(rows, batch_size=1000)
        contacts = []
        for c in self.customer_rows:
            phone = f"13{self.rnd.randint(0, 9)}{self.rnd.randint(10_000_000, 99_999_999)}"
            name = self.rnd.choice(SURNAMES) + self.rnd.choice(GIVEN)
            contacts.append(Contact(customer=c, name=name, title="物流经理", phone=phone,
                                    phone_index=phone_blind_index(phone), is_primary=True))
        Contact.objects.bulk_create(contacts, batch_size=1000)
        self.counts["customers"] = len(rows)
        try:
            from depot.api.services import service_account_for
        except ImportError:
            service_account_for = None
        if service_account_for is not None:
            # Before the clients start, which would otherwise race to create them.
            for customer in self.customer_rows[:FLOW_CUSTOMERS]:
                service_account_for(customer)
        # Bigger customers order more: a few large accounts, a long tail.
        self.customer_cum = list(itertools.accumulate(1 / (i + 1) ** 0.6 for i in range(len(rows))))
        self.home = {c.pk: (0 if self.rnd.random() < 0.7 else 1) for c in self.customer_rows}

    # ---- warehouses, items, lots, balances -----------------------------------------------------

    def _zone_for(self, product) -> str:
        _name, _spec, _cat, storage, hazard, *_rest = product
        if hazard:
            return "H3"
        if storage == T.AMBIENT:
            return "B" if self.rnd.random() < 0.1 else "A"
        return {T.COOL: "B", T.COLD: "C", T.FROZEN: "D"}[storage]

    def items(self) -> None:
        rnd, item_id, lot_id = self.rnd, _next_id(Item), _next_id(Lot)
        self.items_by_customer: dict[int, list[PlannedItem]] = {}
        item_rows, lot_rows, self.lot_plan = [], [], []  # lot_plan: (lot_id, item planned, zone key, on_hand)
        for n, customer in enumerate(self.customer_rows):
            flow = n < FLOW_CUSTOMERS
            count = FLOW_ITEMS if flow else self.scale.items_per_customer
            products = rnd.sample(FLOW_PRODUCTS if flow else PRODUCTS, 3)
            scarce = set(rnd.sample(range(count), max(1, count * 6 // 100))) if flow else set()
            planned = []
            for k in range(count):
                product = products[k % 3] if k % 7 else rnd.choice(products)
                name, spec, category, storage, hazard, shelf, rotation, (vlo, vhi), unit, pallet = product
                code = f"SKU{k + 1:05d}"
                value = Decimal(rnd.randint(vlo * 100, vhi * 100)) / 100
                item_rows.append((item_id, customer.pk, code, f"{name} {k + 1}号", spec, f"69{item_id:011d}", category,
                                  unit, 1, pallet, storage, hazard, shelf, rotation, value, 0, 0, True,
                                  timezone.now(), timezone.now()))
                item = PlannedItem(id=item_id, owner_id=customer.pk, code=code, unit_value=value)
                planned.append(item)
                zone = (self.home[customer.pk], self._zone_for(product))
                lots = rnd.randint(2, 3) if flow else rnd.choices([1, 2, 3], [40, 40, 20])[0]
                for j in range(lots):
                    if flow and shelf:
                        received = self.today - datetime.timedelta(days=rnd.randint(20, min(shelf - 60, 330)))
                    else:
                        received = self.today - datetime.timedelta(days=rnd.randint(20, 400))
                    produced = received - datetime.timedelta(days=rnd.randint(0, 10)) if shelf else None
                    expiry = produced + datetime.timedelta(days=shelf) if shelf else None
                    lot_rows.append((lot_id, item_id, f"L{received:%Y%m%d}-{j + 1}", produced, expiry, received))
                    if k in scarce:
                        stock = rnd.randint(10, 60) // lots + 1
                    elif flow:
                        stock = rnd.randint(1500, 4000)
                    else:
                        stock = rnd.randint(50, 2000)
                    self.lot_plan.append((lot_id, item, zone, stock, received))
                    lot_id += 1
                item_id += 1
            self.items_by_customer[customer.pk] = planned
        self.counts["items"] = Copier(Item, [
            "id", "owner_id", "code", "name", "spec", "barcode", "category", "base_unit", "case_quantity",
            "pallet_quantity", "storage_class", "hazard_class", "shelf_life_days", "rotation", "unit_value",
            "safety_stock", "reorder_point", "is_active", "created_at", "updated_at",
        ]).write(item_rows)
        self.counts["lots"] = Copier(Lot, ["id", "item_id", "lot_number", "production_date", "expiry_date",
                                           "received_on"]).write(lot_rows)

    def warehouses(self) -> None:
        """Two warehouses with five zones each; storage locations sized to the planned stock."""
        per_zone = defaultdict(int)
        for _lot, _item, zone, _stock, _received in self.lot_plan:
            per_zone[zone] += 1
        self.storage: dict[tuple[int, str], list[Location]] = {}
        self.staging: dict[tuple[int, str], Location] = {}
        for w, (code, name, address) in enumerate(WAREHOUSES):
            warehouse = Warehouse.objects.create(code=code, name=name, address=address)
            for zcode, zname, temperature, hazard in ZONES:
                zone = Zone.objects.create(warehouse=warehouse, code=zcode, name=zname, temperature_class=temperature,
                                           hazard_class=hazard)
                prefix = f"{code}-{zcode}"
                count = max(10, per_zone[(w, zcode)] * 3 // 8)
                Location.objects.create(zone=zone, code=f"{prefix}-RCV", kind=LocationKind.RECEIVING)
                self.staging[(w, zcode)] = Location.objects.create(zone=zone, code=f"{prefix}-STG",
                                                                   kind=LocationKind.STAGING)
                self.storage[(w, zcode)] = Location.objects.bulk_create([
                    Location(zone=zone, code=f"{prefix}-{n // 50 + 1:02d}-{n % 50 + 1:02d}", kind=LocationKind.STORAGE,
                             capacity=None, capacity_unit=CapacityUnit.UNITS) for n in range(count)])
        self.supplier = virtual_location(LocationKind.SUPPLIER)
        self.customer_location = virtual_location(LocationKind.CUSTOMER)
        self.counts["locations"] = Location.objects.count()

    def balances(self) -> None:
        rnd, balance_id, rows = self.rnd, _next_id(Balance), []
        now = timezone.now()
        self.planned_balances: list[PlannedBalance] = []
        for lot_id, item, zone, stock, received in self.lot_plan:
            stage = self.staging[zone]
            stage_id = balance_id
            rows.append((stage_id, item.id, lot_id, stage.pk, 0, 0, now))
            balance_id += 1
            places = rnd.sample(self.storage[zone], min(len(self.storage[zone]), rnd.choices([1, 2], [70, 30])[0]))
            for k, location in enumerate(places):
                on_hand = stock // len(places) + (stock % len(places) if k == 0 else 0)
                planned = PlannedBalance(id=balance_id, item_id=item.id, lot_id=lot_id, location_id=location.pk,
                                         stage_id=stage_id, stage_location_id=stage.pk, location_code=location.code,
                                         received_on=received, on_hand=on_hand)
                rows.append((balance_id, item.id, lot_id, location.pk, on_hand, 0, now))
                item.balances.append(planned)
                self.planned_balances.append(planned)
                balance_id += 1
        self.counts["balances"] = Copier(Balance, ["id", "item_id", "lot_id", "location_id", "on_hand", "reserved",
                                                   "updated_at"]).write(rows)

    # ---- history ------------------------------------------------------------------------------

    def history(self) -> None:
        rnd = self.rnd
        self.ids = {m: _next_id(m) for m in (OutboundOrder, OutboundLine, Reservation, StockMove, PickList,
                                              PickLine, Package, OrderEvent, AuditEntry)}
        self.order_ct = ContentType.objects.get_for_model(OutboundOrder).pk
        phones = [f"139{rnd.randint(10_000_000, 99_999_999)}" for _ in range(200)]
        self.phones = [(crypto.encrypt(p), phone_blind_index(p)) for p in phones]
        self.copiers = self._copiers()
        customers = self.customer_rows
        total, done, started = self.scale.past_orders, 0, time.perf_counter()
        while done < total:
            n = min(CHUNK_ORDERS, total - done)
            rows = defaultdict(list)
            for k in range(n):
                customer = rnd.choices(customers, cum_weights=self.customer_cum)[0]
                self._order(rows, done + k + 1, customer)
            for model, copier in self.copiers.items():
                self.counts[model._meta.model_name] += copier.write(rows[model])
            done += n
            if done == total or done % 50_000 == 0:
                _log(f"{done}/{total} past orders ({time.perf_counter() - started:.0f} s)")
        self.counts["past_orders"] = total

    def _copiers(self) -> dict:
        # Written in this order, parents before children.
        return {
            OutboundOrder: Copier(OutboundOrder, [
                "id", "number", "customer_id", "channel", "external_ref", "idempotency_key", "request_hash", "state",
                "consignee_name", "consignee_phone", "consignee_phone_index", "province", "city", "district",
                "address", "service_level",
                "missing", "priority", "due_at", "total_value", "carrier", "tracking_number", "rating",
                "cancel_reason", "created_by_id", "created_at", "completed_at", "audited_at", "held_at",
                "allocated_at", "picking_at", "picked_at", "packed_at", "shipped_at", "delivered_at", "confirmed_at",
                "cancelled_at", "updated_at", "hold_kind", "hold_reason"]),
            OutboundLine: Copier(OutboundLine, ["id", "order_id", "line_no", "item_code", "item_id", "quantity",
                                                "unit_value", "allocated", "picked", "shipped"]),
            Reservation: Copier(Reservation, ["id", "balance_id", "quantity", "consumed", "released", "document_type",
                                              "document_ref", "state", "source_id", "created_by_id", "created_at",
                                              "closed_at"]),
            StockMove: Copier(StockMove, ["id", "kind", "owner_id", "item_id", "lot_id", "from_location_id",
                                          "to_location_id", "quantity", "document_type", "document_ref",
                                          "reservation_id", "actor_id", "at", "recorded_at"]),
            PickList: Copier(PickList, ["id", "number", "state", "created_by_id", "created_at", "completed_at"]),
            PickLine: Copier(PickLine, ["id", "pick_list_id", "order_id", "line_id", "reservation_id", "item_id",
                                        "lot_id", "location_id", "location_code", "quantity", "picked",
                                        "confirmed_by_id", "confirmed_at"]),
            Package: Copier(Package, ["id", "order_id", "seq", "weight_kg", "length_cm", "width_cm", "height_cm",
                                      "created_by_id", "created_at"]),
            OrderEvent: Copier(OrderEvent, ["id", "outbound_id", "from_state", "to_state", "actor_id", "at", "note",
                                            "internal_note", "visible_to_customer"]),
            AuditEntry: Copier(AuditEntry, ["id", "at", "actor_id", "actor_label", "content_type_id", "object_id",
                                            "object_repr", "action", "changes", "note", "prev_hash", "hash"]),
        }

    def _take(self, model) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def _order(self, rows, seq: int, customer) -> None:
        rnd = self.rnd
        day = self.today - datetime.timedelta(days=rnd.randint(1, HISTORY_DAYS))
        created = _at(day, rnd.uniform(8, 20)) + datetime.timedelta(microseconds=rnd.randint(0, 999_999))
        state = rnd.choices([OutboundState.CONFIRMED, OutboundState.DELIVERED, OutboundState.SHIPPED,
                             OutboundState.CANCELLED], [80, 10, 7, 3])[0]
        channel = rnd.choices([c for c, _w in CHANNEL_WEIGHTS], [w for _c, w in CHANNEL_WEIGHTS])[0]
        actor_id = None if channel == Channel.API else customer.owner_id
        order_id = self._take(OutboundOrder)
        number = f"CK{day:%y%m%d}{seq:04d}"
        items = self.items_by_customer[customer.pk]
        picked_items = rnd.sample(items, min(len(items), rnd.choices([1, 2, 3, 4, 5], [20, 25, 30, 15, 10])[0]))
        cancelled = state == OutboundState.CANCELLED
        t = {"created": created, "audited": created + datetime.timedelta(minutes=1)}
        for name, hours in (("picking", 2), ("picked", 3), ("packed", 4), ("shipped", 5), ("delivered", 30),
                            ("confirmed", 50)):
            t[name] = created + datetime.timedelta(hours=hours, minutes=rnd.randint(0, 50))
        pick_list_id = None if cancelled else self._take(PickList)
        total, units = Decimal(0), 0
        for line_no, item in enumerate(picked_items, start=1):
            quantity = rnd.choices([1, 2, 3, 5, 10], [35, 25, 20, 12, 8])[0]
            total += quantity * item.unit_value
            units += quantity
            line_id = self._take(OutboundLine)
            done = 0 if cancelled else quantity
            rows[OutboundLine].append((line_id, order_id, line_no, item.code, item.id, quantity, item.unit_value,
                                       done, done, done))
            if cancelled:
                continue
            fitting = [b for b in item.balances if b.received_on <= day] or item.balances
            balance = rnd.choice(fitting)
            balance.shipped += quantity
            stored, staged = self._take(Reservation), self._take(Reservation)
            rows[Reservation].append((stored, balance.id, quantity, quantity, 0, "outbound", number,
                                      ReservationState.CONSUMED, None, actor_id, t["audited"], t["picked"]))
            rows[Reservation].append((staged, balance.stage_id, quantity, quantity, 0, "outbound", number,
                                      ReservationState.CONSUMED, stored, self.keeper.pk, t["picked"], t["shipped"]))
            rows[StockMove].append((self._take(StockMove), MoveKind.PICK, customer.pk, item.id, balance.lot_id,
                                    balance.location_id, balance.stage_location_id, quantity, "outbound", number,
                                    stored, self.keeper.pk, t["picked"], t["picked"]))
            rows[StockMove].append((self._take(StockMove), MoveKind.SHIPMENT, customer.pk, item.id, balance.lot_id,
                                    balance.stage_location_id, self.customer_location.pk, quantity, "outbound", number,
                                    staged, self.keeper.pk, t["shipped"], t["shipped"]))
            rows[PickLine].append((self._take(PickLine), pick_list_id, order_id, line_id, stored, item.id,
                                   balance.lot_id, balance.location_id, balance.location_code, quantity, quantity,
                                   self.keeper.pk, t["picked"]))
        place = rnd.choice(PLACES)
        consignee = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN)
        carrier = "" if cancelled else rnd.choice(CARRIERS)
        tracking = "" if cancelled else f"SF{seq:012d}"
        rating = rnd.choice([4, 5, 5, 5, 3]) if state == OutboundState.CONFIRMED else None
        due = _at(day + datetime.timedelta(days=2), 23.99)
        steps = {"completed_at": created, "audited_at": None if cancelled else t["audited"]}
        for name in ("allocated", "picking", "picked", "packed", "shipped", "delivered", "confirmed"):
            steps[f"{name}_at"] = None
        events = [("", OutboundState.PENDING_AUDIT, created, f"订单已接收（{Channel(channel).label}）", "")]
        if cancelled:
            held_at, cancelled_at = t["audited"], t["picking"]
            events += [(OutboundState.PENDING_AUDIT, OutboundState.HELD, held_at, "订单暂挂：库存不足", ""),
                       (OutboundState.HELD, OutboundState.CANCELLED, cancelled_at, "订单已取消：客户取消", "")]
            updated = cancelled_at
        else:
            held_at = cancelled_at = None
            flow = [(OutboundState.PENDING_AUDIT, OutboundState.ALLOCATED, "audited", "审核通过，库存已分配", ""),
                    (OutboundState.ALLOCATED, OutboundState.PICKING, "picking", "开始拣货", f"拣货单JH{seq:07d}"),
                    (OutboundState.PICKING, OutboundState.PICKED, "picked", "拣货完成", ""),
                    (OutboundState.PICKED, OutboundState.PACKED, "packed", "已包装：共1件", ""),
                    (OutboundState.PACKED, OutboundState.SHIPPED, "shipped", f"已发货：{carrier} 运单号{tracking}", ""),
                    (OutboundState.SHIPPED, OutboundState.DELIVERED, "delivered", "货物已送达", ""),
                    (OutboundState.DELIVERED, OutboundState.CONFIRMED, "confirmed", "客户已签收", "")]
            last = {OutboundState.SHIPPED: 5, OutboundState.DELIVERED: 6, OutboundState.CONFIRMED: 7}[state]
            for from_state, to_state, step, note, internal in flow[:last]:
                events.append((from_state, to_state, t[step], note, internal))
                steps[f"{'allocated' if step == 'audited' else step}_at"] = t[step]
            updated = events[-1][2]
            rows[PickList].append((pick_list_id, f"JH{day:%y%m%d}{seq:04d}", PickListState.DONE, self.keeper.pk,
                                   t["picking"], t["picked"]))
            rows[Package].append((self._take(Package), order_id, 1, Decimal(rnd.randint(50, 3000)) / 100,
                                  Decimal(40), Decimal(30), Decimal(20), self.keeper.pk, t["packed"]))
        rows[OutboundOrder].append((
            order_id, number, customer.pk, channel, f"EXT{seq:08d}",
            f"key-{seq:08d}" if channel == Channel.API else "", hashlib.sha256(number.encode()).hexdigest(), state,
            consignee, *rnd.choice(self.phones), *place, f"{rnd.choice(FIRMS)}路{seq % 999 + 1}号",
            ServiceLevel.STANDARD, [], priority_for_grade(customer.grade), due, total, carrier, tracking, rating,
            "客户取消" if cancelled else "", actor_id, created, steps["completed_at"], steps["audited_at"], held_at,
            steps["allocated_at"], steps["picking_at"], steps["picked_at"], steps["packed_at"], steps["shipped_at"],
            steps["delivered_at"], steps["confirmed_at"], cancelled_at, updated, "", ""))
        for from_state, to_state, at, note, internal in events:
            rows[OrderEvent].append((self._take(OrderEvent), order_id, from_state, to_state,
                                     actor_id if from_state == "" else self.keeper.pk, at, note, internal, True))
        changes = {"number": [None, number], "customer": [None, str(customer)], "channel": [None, channel],
                   "state": [None, OutboundState.PENDING_AUDIT], "consignee_phone": ["（已加密，不显示）"] * 2,
                   "total_value": [None, str(total)]}
        entry = SimpleNamespace(at=created, actor_id=actor_id, content_type_id=self.order_ct, object_id=str(order_id),
                                action="create", changes=changes, note="")
        label = "系统" if actor_id is None else f"bench.cs{(customer.pk % 4) + 1}"
        rows[AuditEntry].append((self._take(AuditEntry), created, actor_id, label, self.order_ct, str(order_id),
                                 number, "create", changes, "", "", entry_hash("", entry)))

    # ---- the stock that history leaves --------------------------------------------------------

    def receipts(self) -> None:
        """One receipt per storage balance: its stock now plus all the history shipped from it."""
        move_id = _next_id(StockMove)
        owners = {item.id: item.owner_id for items in self.items_by_customer.values() for item in items}
        rows = []
        for n, b in enumerate(self.planned_balances, start=1):
            at = _at(b.received_on, 9)
            rows.append((move_id, MoveKind.RECEIPT, owners[b.item_id], b.item_id, b.lot_id, self.supplier.pk,
                         b.location_id, b.on_hand + b.shipped, "inbound", f"RK{b.received_on:%y%m%d}{n:05d}", None,
                         self.keeper.pk, at, at))
            move_id += 1
        self.counts["stockmove"] += Copier(StockMove, [
            "id", "kind", "owner_id", "item_id", "lot_id", "from_location_id", "to_location_id", "quantity",
            "document_type", "document_ref", "reservation_id", "actor_id", "at", "recorded_at"]).write(rows)

    def finish(self) -> None:
        """Identity columns and number sequences continue after the generated rows; fresh statistics."""
        with connection.cursor() as cur:
            for model in (Item, Lot, Balance, OutboundOrder, OutboundLine, Reservation, StockMove, PickList,
                          PickLine, Package, OrderEvent, AuditEntry):
                table = model._meta.db_table
                cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")
            past = max(self.scale.past_orders, 1)
            cur.execute("SELECT setval('orders_outbound_number_seq', %s)", [past])
            cur.execute("SELECT setval('orders_picklist_number_seq', %s)", [past])
            cur.execute("ANALYZE")


def generate(*, scale: str, seed: int = 2026) -> dict:
    started = time.perf_counter()
    gen = Generator(SCALES[scale], seed)
    gen.staff()
    gen.customers()
    gen.items()
    gen.warehouses()
    gen.balances()
    _log(f"master data and stock planned ({time.perf_counter() - started:.1f} s)")
    gen.history()
    gen.receipts()
    gen.finish()
    seconds = time.perf_counter() - started
    _log(f"done in {seconds:.1f} s")
    return {"scale": scale, "seed": seed, "seconds": round(seconds, 2), "peak_rss_mb": peak_rss_mb(),
            "rows": dict(sorted(gen.counts.items()))}
