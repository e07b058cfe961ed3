"""Several workers at once on real PostgreSQL, each thread with its own connection: a duplicate
submission makes one order, scarce stock is never allocated twice, a pick line is confirmed once."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Sum

from depot.core.errors import IllegalTransition
from depot.inventory.checks import stock_problems
from depot.inventory.models import Balance
from depot.orders import services
from depot.orders.choices import Channel, HoldKind, OutboundState
from depot.orders.models import OutboundLine, OutboundOrder, PickLine
from tests.inventory.helpers import days
from tests.orders.conftest import order_data

pytestmark = pytest.mark.django_db(transaction=True)


def run_concurrently(worker, n) -> list[BaseException]:
    """Start `n` threads that call worker(i) together; return the exceptions they raised."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(i):
        try:
            barrier.wait(timeout=30)
            worker(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return errors


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def test_two_identical_submissions_at_once_make_one_order(wh, customer, biscuits, stock, specialist):
    stock(biscuits, 50, wh.loc["AMB-01"])
    results = []

    def worker(i):
        order, created = services.outbound_submit(
            actor=fresh(specialist), customer=customer, data=order_data(), channel=Channel.API,
            lines=[{"item_code": "BIS-1", "quantity": 5}], idempotency_key="same-request")
        results.append((order.pk, created))

    assert run_concurrently(worker, 4) == []

    assert len({pk for pk, _created in results}) == 1
    assert sorted(created for _pk, created in results) == [False, False, False, True]
    order = OutboundOrder.objects.get(idempotency_key="same-request")
    assert order.state == OutboundState.ALLOCATED
    assert Balance.objects.aggregate(n=Sum("reserved"))["n"] == 5
    assert stock_problems() == []


def test_ten_orders_competing_for_scarce_stock_never_over_allocate(wh, customer, biscuits, milk, stock, specialist,
                                                                    supervisor):
    stock(biscuits, 12, wh.loc["AMB-01"], "B1")
    stock(biscuits, 9, wh.loc["AMB-02"], "B2")
    stock(milk, 15, wh.loc["AMB-03"], "M1", expiry_date=days(365))
    quantities = [(3 + i % 4, 2 + i % 3) for i in range(10)]  # (biscuits, milk) per order

    def worker(i):
        user = fresh(specialist)
        for n in (i, i + 5):
            b, m = quantities[n]
            services.outbound_submit(actor=user, customer=customer, data=order_data(), channel=Channel.API,
                                     lines=[{"item_code": "BIS-1", "quantity": b}, {"item_code": "MILK-1",
                                                                                     "quantity": m}],
                                     external_ref=f"RUSH-{n}")

    assert run_concurrently(worker, 5) == []

    orders = list(OutboundOrder.objects.filter(external_ref__startswith="RUSH-"))
    assert len(orders) == 10
    for order in orders:
        assert order.state in (OutboundState.ALLOCATED, OutboundState.HELD), order.state
        if order.state == OutboundState.HELD:
            assert order.hold_kind == HoldKind.STOCK and order.hold_reason.startswith("库存不足")
    allocated = OutboundLine.objects.filter(order__in=orders).values("item__code").annotate(n=Sum("allocated"))
    allocated = {row["item__code"]: row["n"] for row in allocated}
    assert allocated["BIS-1"] <= 21 and allocated["MILK-1"] <= 15
    assert sum(Balance.objects.filter(item=biscuits).values_list("reserved", flat=True)) == allocated["BIS-1"]
    assert sum(Balance.objects.filter(item=milk).values_list("reserved", flat=True)) == allocated["MILK-1"]
    held_orders = [o for o in orders if o.state == OutboundState.HELD]
    assert held_orders, "the stock was meant to run out"
    for line in OutboundLine.objects.filter(order__in=held_orders):
        assert line.allocated == 0, "a held order kept part of its stock"
    assert stock_problems() == []


def test_two_keepers_confirming_the_same_pick_line_at_once_one_wins(wh, customer, biscuits, stock, specialist,
                                                                    keeper, make_user):
    stock(biscuits, 10, wh.loc["AMB-01"])
    order, _ = services.outbound_submit(actor=specialist, customer=customer, data=order_data(), channel=Channel.PHONE,
                                        lines=[{"item_code": "BIS-1", "quantity": 6}])
    line = services.picklist_create(actor=keeper, orders=[order]).lines.get()
    second_keeper = make_user("warehouse_keeper")
    pickers = [keeper, second_keeper]

    errors = run_concurrently(lambda i: services.pick_confirm(actor=fresh(pickers[i]), pick_line=line,
                                                              picked_quantity=6), 2)

    assert len(errors) == 1 and isinstance(errors[0], IllegalTransition)
    assert str(errors[0].message) == "该拣货行已被确认"
    line = PickLine.objects.get(pk=line.pk)
    assert line.picked == 6 and line.confirmed_by_id in {keeper.pk, second_keeper.pk}
    assert OutboundLine.objects.get(order=order).picked == 6
    assert OutboundOrder.objects.get(pk=order.pk).state == OutboundState.PICKED
    assert stock_problems() == []
