"""A warehouse with two customers and their stock, API tokens for them, and a client that speaks
to /api/v1/ with a token.

`customer` (looked after by `specialist`) is active, on credit of 100 000 元 and has shipped
before (so an order goes straight to allocation); its items `BIS-1` (FIFO, 10 元) and `MILK-1`
(FEFO). `rival` (looked after by `other_specialist`) has an item `RIV-1` with stock and an order.
"""

import datetime
import itertools
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.api import services as api_services
from depot.api.auth import permissions, principals
from depot.api.choices import Scope
from depot.api.ratelimit import limiter
from depot.customers.choices import Status
from depot.inventory import services as inventory
from depot.inventory.choices import ItemCategory, Rotation
from depot.inventory.models import Balance, Reservation, StockMove
from depot.orders import services as orders
from depot.orders.choices import Channel, OutboundState
from depot.orders.models import InboundOrder, OrderEvent, OutboundLine, OutboundOrder
from tests.inventory.helpers import build_warehouse

ALL_SCOPES = list(Scope.values)
_history = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_process_state():
    limiter.reset()
    permissions.clear()
    principals.clear()
    yield
    limiter.reset()
    permissions.clear()
    principals.clear()


def give_history(customer):
    """A shipped order of the past, so that the customer is no longer new (arranged directly)."""
    shipped = timezone.now() - datetime.timedelta(days=30)
    return OutboundOrder.objects.create(
        number=f"CKAPIH{next(_history):05d}", customer=customer, channel=Channel.PHONE,
        state=OutboundState.CONFIRMED, request_hash="history", created_at=shipped - datetime.timedelta(hours=5),
        shipped_at=shipped, confirmed_at=shipped,
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
def rival(make_customer, other_specialist):
    rival = make_customer(other_specialist, name="西南日化用品有限公司", status=Status.ACTIVE,
                          credit_limit=Decimal("100000"))
    give_history(rival)
    return rival


@pytest.fixture
def make_item(admin_user):
    def make(owner, code, **fields):
        fields.setdefault("name", f"货品{code}")
        return inventory.item_create(actor=admin_user, owner=owner, data={"code": code, **fields})

    return make


@pytest.fixture
def biscuits(make_item, customer):
    return make_item(customer, "BIS-1", name="苏打饼干", category=ItemCategory.FOOD, unit_value=Decimal("10"))


@pytest.fixture
def milk(make_item, customer):
    return make_item(customer, "MILK-1", name="纯牛奶", category=ItemCategory.FOOD, rotation=Rotation.FEFO,
                     shelf_life_days=180, unit_value=Decimal("5"))


@pytest.fixture
def rival_item(make_item, rival):
    return make_item(rival, "RIV-1", name="洗衣液", unit_value=Decimal("20"))


@pytest.fixture
def stock(keeper):
    def put(item, quantity, location, lot_number="L1", *, expiry_date=None):
        return inventory.stock_receive(actor=keeper, item=item, quantity=quantity, location=location,
                                       lot_number=lot_number, expiry_date=expiry_date).lot

    return put


@pytest.fixture
def stocked(wh, stock, biscuits, milk, rival_item):
    """BIS-1: 60 in AMB-01 (lot B1) and 40 in AMB-02 (lot B2); MILK-1: 30 expiring in 10 days
    (lot M1) and 20 in 200 days (lot M2); the rival's RIV-1: 50."""
    today = timezone.localdate()
    stock(biscuits, 60, wh.loc["AMB-01"], "B1")
    stock(biscuits, 40, wh.loc["AMB-02"], "B2")
    stock(milk, 30, wh.loc["AMB-03"], "M1", expiry_date=today + datetime.timedelta(days=10))
    stock(milk, 20, wh.loc["AMB-03"], "M2", expiry_date=today + datetime.timedelta(days=200))
    stock(rival_item, 50, wh.loc["AMB-02"], "R1")
    return wh


@pytest.fixture
def make_token(specialist):
    def make(*, customer=None, user=None, scopes=None, actor=None, **kwargs):
        _token, raw = api_services.token_create(
            actor=actor or user or specialist, name="WMS对接", scopes=scopes or ALL_SCOPES, customer=customer,
            user=user, **kwargs)
        return raw

    return make


@pytest.fixture
def customer_token(make_token, customer):
    return make_token(customer=customer)


@pytest.fixture
def rival_token(make_token, rival, other_specialist):
    return make_token(customer=rival, actor=other_specialist)


class Api:
    """Calls /api/v1/ as one token through Django's test client."""

    def __init__(self, client, raw: str | None, language: str | None = None):
        self.client, self.raw, self.language = client, raw, language

    def headers(self, extra=None) -> dict:
        headers = {}
        if self.raw is not None:
            headers["Authorization"] = f"Bearer {self.raw}"
        if self.language:
            headers["Accept-Language"] = self.language
        headers.update(extra or {})
        return headers

    def get(self, path: str, params=None, headers=None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self.headers(headers))

    def post(self, path: str, body=None, *, raw_body: bytes | str | None = None, headers=None):
        data = raw_body if raw_body is not None else json.dumps(body if body is not None else {})
        return self.client.post(f"/api/v1{path}", data=data, content_type="application/json",
                                headers=self.headers(headers))


@pytest.fixture
def as_token(client):
    def make(raw, language=None):
        return Api(client, raw, language)

    return make


@pytest.fixture
def api(as_token, customer_token):
    """The customer's integration, with every scope."""
    return as_token(customer_token)


def order_body(**overrides) -> dict:
    body = {"consignee_name": "李四", "consignee_phone": "13800138000", "province": "上海市", "city": "上海市",
            "district": "浦东新区", "address": "张江路100号", "lines": [{"item_code": "BIS-1", "quantity": 5}]}
    body.update(overrides)
    return body


def asn_body(**overrides) -> dict:
    body = {"warehouse": "WH1", "lines": [{"item_code": "BIS-1", "quantity": 100, "lot_number": "B9"}]}
    body.update(overrides)
    return body


def phone_order(owner, code, actor, *, quantity=3, ref=""):
    """An order taken by CS on the phone (not through the API), submitted through the service."""
    order, _created = orders.outbound_submit(
        actor=actor, customer=owner, data={k: v for k, v in order_body().items() if k != "lines"},
        lines=[{"item_code": code, "quantity": quantity}], channel=Channel.PHONE, external_ref=ref)
    return order


def world_state() -> dict:
    """Everything an API call could write, to assert that a refused one wrote nothing."""
    return {
        "outbound": sorted(OutboundOrder.objects.values_list("pk", "state", "external_ref", "idempotency_key")),
        "lines": sorted(OutboundLine.objects.values_list("pk", "quantity", "allocated")),
        "inbound": sorted(InboundOrder.objects.values_list("pk", "state")),
        "events": OrderEvent.objects.count(),
        "moves": StockMove.objects.count(),
        "balances": sorted(Balance.objects.values_list("pk", "on_hand", "reserved")),
        "reservations": sorted(Reservation.objects.values_list("pk", "state")),
    }


def problem(response) -> dict:
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert body["status"] == response.status_code
    return body


def fields_of(body) -> set:
    return {e["field"] for e in body["errors"]}
