"""Two customers with stock and a portal login each.

`customer` (华东食品, looked after by `specialist`) has `BIS-1` (60 in lot B1, 40 in lot B2) and
`MILK-1` (30 expiring in 10 days); `rival` (西南日化, looked after by `other_specialist`) has
`RIV-1` (50). `portal_user` logs in for `customer`, `rival_user` for `rival`; both with the
password `PASSWORD`. `ship(order)` runs an allocated order to 已发货 as the keeper.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.customers.choices import Status
from depot.inventory import services as inventory
from depot.inventory.choices import ItemCategory, Rotation
from depot.orders import services as orders
from depot.orders.choices import Channel
from depot.portal.services import portal_account_create
from tests.api.conftest import give_history
from tests.inventory.helpers import build_warehouse

PASSWORD = "Kehu-portal-2026"


def order_header(**overrides) -> dict:
    data = {"consignee_name": "李四", "consignee_phone": "13800138000", "province": "上海市", "city": "上海市",
            "district": "浦东新区", "address": "张江路100号"}
    data.update(overrides)
    return data


@pytest.fixture
def wh(admin_user):
    return build_warehouse(admin_user)


@pytest.fixture
def customer(make_customer, specialist):
    customer = make_customer(specialist, name="华东食品贸易有限公司", short_name="华东食品", status=Status.ACTIVE,
                             credit_limit=Decimal("100000"))
    give_history(customer)
    return customer


@pytest.fixture
def rival(make_customer, other_specialist):
    rival = make_customer(other_specialist, name="西南日化用品有限公司", short_name="西南日化", status=Status.ACTIVE,
                          credit_limit=Decimal("100000"))
    give_history(rival)
    return rival


@pytest.fixture
def stocked(wh, admin_user, keeper, customer, rival):
    def item(owner, code, **fields):
        return inventory.item_create(actor=admin_user, owner=owner, data={"code": code, **fields})

    def put(it, quantity, location, lot, expiry_date=None):
        inventory.stock_receive(actor=keeper, item=it, quantity=quantity, location=wh.loc[location],
                                lot_number=lot, expiry_date=expiry_date)

    biscuits = item(customer, "BIS-1", name="苏打饼干", category=ItemCategory.FOOD, unit_value=Decimal("10"))
    milk = item(customer, "MILK-1", name="纯牛奶", category=ItemCategory.FOOD, rotation=Rotation.FEFO,
                shelf_life_days=180, unit_value=Decimal("5"))
    soap = item(rival, "RIV-1", name="洗衣液", unit_value=Decimal("20"))
    put(biscuits, 60, "AMB-01", "B1")
    put(biscuits, 40, "AMB-02", "B2")
    put(milk, 30, "AMB-03", "M1", timezone.localdate() + datetime.timedelta(days=10))
    put(soap, 50, "AMB-02", "R1")
    wh.items = {"biscuits": biscuits, "milk": milk, "soap": soap}
    return wh


@pytest.fixture
def portal_user(specialist, customer):
    return portal_account_create(actor=specialist, customer=customer, username="chen.hd", name="陈经理",
                                 password=PASSWORD).user


@pytest.fixture
def rival_user(other_specialist, rival):
    return portal_account_create(actor=other_specialist, customer=rival, username="wu.xn", name="吴主管",
                                 password=PASSWORD).user


@pytest.fixture
def portal(client, portal_user):
    client.force_login(portal_user)
    return client


@pytest.fixture
def phone_order(supervisor):
    """An order CS took on the phone for `owner`, submitted (and allocated) through the service."""

    def make(owner, code="BIS-1", quantity=5, *, ref=""):
        order, _created = orders.outbound_submit(actor=supervisor, customer=owner, data=order_header(),
                                                 lines=[{"item_code": code, "quantity": quantity}],
                                                 channel=Channel.PHONE, external_ref=ref)
        return order

    return make


@pytest.fixture
def ship(keeper):
    """Run an allocated order through picking and packing to 已发货 (the warehouse's steps)."""

    def go(order, *, tracking="SF1234567890"):
        pick_list = orders.picklist_create(actor=keeper, orders=[order])
        orders.picklist_confirm_all(actor=keeper, pick_list=pick_list)
        order.refresh_from_db()
        orders.outbound_pack(actor=keeper, order=order, packages=[{"weight_kg": "3.5"}])
        orders.outbound_ship(actor=keeper, order=order, carrier="顺丰速运", tracking_number=tracking)
        order.refresh_from_db()
        return order

    return go
