"""A small warehouse with stock of one established customer, built through the services.

`customer` is active, on monthly credit of 100 000 元 and already has a shipped order (so it is
not new); its items: `biscuits` (FIFO, 10 元) and `milk` (FEFO, 5 元). `stock(item, qty, location,
lot)` receives stock straight into a storage location. The warehouse is the inventory tests' one
(`tests/inventory/helpers.build_warehouse`): AMB-01..03 of 100 units, AMB-STG, AMB-RCV, FRZ-…
"""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.customers.choices import Status
from depot.inventory import services as inventory
from depot.inventory.choices import ItemCategory, Rotation
from depot.orders import services
from depot.orders.choices import Channel, OutboundState
from depot.orders.models import (
    CreditReview,
    InboundOrder,
    OrderEvent,
    OrderException,
    OutboundLine,
    OutboundOrder,
    Package,
    PickLine,
    PickList,
    ReceiptLine,
)
from tests.inventory.helpers import build_warehouse, snapshot_state

_history = itertools.count(1)


def give_history(customer, *, value=Decimal(0), days_ago=30):
    """A shipped order of the past, so that the customer is no longer new (arranged directly)."""
    shipped = timezone.now() - datetime.timedelta(days=days_ago)
    return OutboundOrder.objects.create(
        number=f"CKHIST{next(_history):05d}", customer=customer, channel=Channel.PHONE,
        state=OutboundState.CONFIRMED, request_hash="history", created_at=shipped - datetime.timedelta(hours=5),
        shipped_at=shipped, confirmed_at=shipped, total_value=value,
    )


@pytest.fixture
def wh(admin_user):
    return build_warehouse(admin_user)


@pytest.fixture
def customer(make_customer, specialist):
    customer = make_customer(specialist, name="华东食品贸易有限公司", status=Status.ACTIVE,
                             credit_limit=Decimal("100000"))
    give_history(customer)
    return customer


@pytest.fixture
def make_item(admin_user, customer):
    def make(code, *, owner=None, **fields):
        fields.setdefault("name", f"货品{code}")
        return inventory.item_create(actor=admin_user, owner=owner or customer, data={"code": code, **fields})

    return make


@pytest.fixture
def biscuits(make_item):
    return make_item("BIS-1", name="苏打饼干", category=ItemCategory.FOOD, unit_value=Decimal("10"))


@pytest.fixture
def milk(make_item):
    return make_item("MILK-1", name="纯牛奶", category=ItemCategory.FOOD, rotation=Rotation.FEFO,
                     shelf_life_days=180, unit_value=Decimal("5"))


@pytest.fixture
def stock(keeper):
    def put(item, quantity, location, lot_number="L1", *, expiry_date=None):
        return inventory.stock_receive(actor=keeper, item=item, quantity=quantity, location=location,
                                       lot_number=lot_number, expiry_date=expiry_date).lot

    return put


def order_data(**overrides) -> dict:
    data = {"consignee_name": "李四", "consignee_phone": "13800138000", "province": "上海市", "city": "上海市",
            "district": "浦东新区", "address": "张江路100号"}
    data.update(overrides)
    return data


@pytest.fixture
def submit(specialist, customer):
    """Submit an outbound order (create → completeness → audit → allocation) for `customer`."""

    def go(lines, *, actor=None, customer=customer, channel=Channel.PHONE, **kwargs):
        data = order_data(**kwargs.pop("data", {}))
        order, _created = services.outbound_submit(actor=actor or specialist, customer=customer, data=data,
                                                   lines=lines, channel=channel, **kwargs)
        return order

    return go


def orders_state() -> dict:
    """Everything an order service could write, to assert that a refused call changed nothing."""
    return {
        "outbound": sorted(OutboundOrder.objects.values_list("pk", "state", "hold_reason", "missing", "total_value")),
        "lines": sorted(OutboundLine.objects.values_list("pk", "quantity", "allocated", "short", "picked", "shipped")),
        "inbound": sorted(InboundOrder.objects.values_list("pk", "state")),
        "events": OrderEvent.objects.count(),
        "reviews": sorted(CreditReview.objects.values_list("pk", "state")),
        "exceptions": sorted(OrderException.objects.values_list("pk", "state", "resolution")),
        "pick": (PickList.objects.count(), sorted(PickLine.objects.values_list("pk", "picked", "confirmed_at"))),
        "packages": Package.objects.count(),
        "receipts": ReceiptLine.objects.count(),
        "stock": snapshot_state(),
    }
