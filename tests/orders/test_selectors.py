"""Reads of orders: scoping by user, the order detail and timeline, timeliness figures, grading input."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.core.errors import NotFound
from depot.customers import grading
from depot.orders import selectors, services
from depot.orders.choices import OutboundState
from depot.orders.models import OutboundOrder
from tests.orders.conftest import give_history

PACKAGES = [{"weight_kg": 2}]


@pytest.fixture
def allocated(wh, biscuits, stock, submit):
    stock(biscuits, 50, wh.loc["AMB-01"])
    return submit([{"item_code": "BIS-1", "quantity": 5}])


def ship(order, keeper, shipped_at=None):
    pick_list = services.picklist_create(actor=keeper, orders=[order])
    for line in pick_list.lines.all():
        services.pick_confirm(actor=keeper, pick_line=line, picked_quantity=line.quantity)
    services.outbound_pack(actor=keeper, order=order, packages=PACKAGES)
    services.outbound_ship(actor=keeper, order=order, carrier="顺丰", tracking_number="SF", shipped_at=shipped_at)
    order.refresh_from_db()
    return order


def test_a_specialist_sees_only_the_orders_of_their_own_customers(allocated, specialist, other_specialist, keeper):
    assert allocated in selectors.outbound_list(user=specialist)
    assert allocated in selectors.outbound_list(user=keeper)
    assert not selectors.outbound_list(user=other_specialist).filter(pk=allocated.pk).exists()
    with pytest.raises(NotFound):
        selectors.outbound_get(user=other_specialist, pk=allocated.pk)
    with pytest.raises(NotFound):
        selectors.order_timeline(user=other_specialist, order=allocated)


def test_another_specialist_cannot_cancel_the_order(allocated, other_specialist):
    with pytest.raises(NotFound):
        services.outbound_cancel(actor=other_specialist, order=allocated, reason="x")


def test_the_order_detail_shows_lines_reservations_and_timeline(allocated, specialist):
    detail = selectors.outbound_detail(user=specialist, order=allocated)

    assert [line.item_code for line in detail["lines"]] == ["BIS-1"]
    assert sum(r.quantity for r in detail["reservations"]) == 5
    assert [(e.from_label, e.to_label) for e in detail["timeline"]] == [("新建", "待审核"), ("待审核", "已分配")]


def test_the_customer_sees_the_timeline_without_internal_notes(wh, biscuits, stock, submit, specialist, customer):
    customer.overdue_amount = Decimal("10")
    customer.save(update_fields=["overdue_amount"])
    order = submit([{"item_code": "BIS-1", "quantity": 1}])

    staff_view = selectors.order_timeline(user=specialist, order=order)
    customer_view = selectors.order_timeline(user=specialist, order=order, for_customer=True)

    assert staff_view[-1].internal_note == "客户有逾期应收10.00元"
    assert customer_view[-1].to_label == "信用审核" and customer_view[-1].internal_note == ""


def test_step_times_say_who_did_what_when(allocated, keeper, specialist):
    order = ship(allocated, keeper)

    times = selectors.order_step_times(user=specialist, order=order)

    assert [s["label"] for s in times["steps"]] == ["待审核", "已分配", "拣货中", "已拣货", "已包装", "已发货"]
    assert times["steps"][-1]["actor"] == keeper
    assert all(s["since_previous"] >= datetime.timedelta(0) for s in times["steps"])
    assert times["on_time"] is True


def test_the_on_time_rate_per_customer_and_per_staff_member(allocated, keeper, specialist, supervisor, submit):
    on_time = ship(allocated, keeper)
    late = submit([{"item_code": "BIS-1", "quantity": 1}])
    OutboundOrder.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(hours=2))
    late = ship(late, keeper)
    not_due = submit([{"item_code": "BIS-1", "quantity": 1}])

    rate = selectors.on_time_rate(user=supervisor, customers=[on_time.customer])
    assert (rate.total, rate.on_time, rate.late, rate.rate) == (2, 1, 1, Decimal("0.5"))
    assert selectors.on_time_rate(user=supervisor, staff=keeper).total == 2
    by_staff = selectors.on_time_rates(user=supervisor, by="staff")
    assert (by_staff[specialist.pk].total, by_staff[specialist.pk].on_time) == (2, 1)
    by_customer = selectors.on_time_rates(user=supervisor, by="customer")
    assert by_customer[on_time.customer_id].rate == Decimal("0.5")
    today = timezone.localdate()
    assert selectors.on_time_rate(user=supervisor, period=(today + datetime.timedelta(days=30), None)).total == 0
    assert not_due.state == OutboundState.ALLOCATED


def test_an_overdue_order_not_yet_shipped_counts_as_late(allocated, supervisor):
    OutboundOrder.objects.filter(pk=allocated.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=1))

    rate = selectors.on_time_rate(user=supervisor)

    assert (rate.total, rate.on_time) == (1, 0)


def test_order_value_and_frequency_feed_the_customer_grading(customer, submit, wh, biscuits, stock, specialist):
    stock(biscuits, 100, wh.loc["AMB-01"])
    submit([{"item_code": "BIS-1", "quantity": 30}])  # 300 元
    cancelled = submit([{"item_code": "BIS-1", "quantity": 50}])
    services.outbound_cancel(actor=specialist, order=cancelled, reason="客户撤单")
    give_history(customer, value=Decimal("900"), days_ago=400)  # older than 12 months

    inputs = grading.grading_inputs(customer)

    # the earlier shipped order of the fixture (0 元) and the open one count: 2 orders in 12 months
    assert inputs["order_value_12m"] == Decimal("300.00")
    assert inputs["orders_per_month"] == Decimal("0.17")
