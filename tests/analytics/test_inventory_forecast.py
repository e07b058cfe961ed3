"""The seasonal forecast feeds the inventory's safety stock and reorder point when an item has
enough history (27 months of shipments), and stays out of it otherwise."""

import datetime
import itertools
import math
from decimal import Decimal

from django.utils import timezone

from depot.analytics import selectors
from depot.inventory import selectors_analysis, services
from tests.inventory.conftest import make_item, owner, wh  # noqa: F401 — fixtures

_refs = itertools.count(1)


def _month_ago(months: int) -> datetime.datetime:
    day = timezone.localdate().replace(day=15)
    for _i in range(months):
        day = (day.replace(day=1) - datetime.timedelta(days=1)).replace(day=15)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def _ship(specialist, keeper, item, quantity, at):
    ref = f"FC{next(_refs)}"
    for r in services.reservation_create(actor=specialist, item=item, quantity=quantity, document_type="outbound",
                                         document_ref=ref):
        services.reservation_consume(actor=keeper, reservation=r, at=at)
    services.document_ship(actor=keeper, document_type="outbound", document_ref=ref,
                           at=at + datetime.timedelta(hours=1))


def test_an_item_with_30_months_of_shipments_gets_the_seasonal_demand(wh, make_item, specialist, keeper):  # noqa: F811
    item = make_item("SEA", name="季节货品", unit_value=Decimal(10), lead_time_days=4)
    services.stock_receive(actor=keeper, item=item, quantity=100, location=wh.loc["AMB-01"], lot_number="S1",
                           at=_month_ago(31))
    for m in range(30, 0, -1):
        _ship(specialist, keeper, item, 3 + round(2 * math.sin(2 * math.pi * (m % 12) / 12)), _month_ago(m))
    today = timezone.localdate()
    found = selectors.item_demand_forecast(item=item, until=today)
    assert found is not None and found["mean_daily"] > 0
    assert "Holt-Winters" in found["source"] and "MAPE" in found["source"]
    figures = selectors_analysis.item_figures(user=specialist, item=item, since=today - datetime.timedelta(days=89),
                                              until=today)
    assert figures.mean_daily_demand == found["mean_daily"]
    assert "季节性预测" in figures.demand_source


def test_an_item_with_a_short_history_keeps_the_inventorys_average(wh, make_item, specialist, keeper):  # noqa: F811
    item = make_item("NEW", name="新货品", unit_value=Decimal(10))
    services.stock_receive(actor=keeper, item=item, quantity=100, location=wh.loc["AMB-01"], lot_number="N1",
                           at=_month_ago(3))
    _ship(specialist, keeper, item, 10, _month_ago(1))
    assert selectors.item_demand_forecast(item=item, until=timezone.localdate()) is None
