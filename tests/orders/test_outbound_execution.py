"""Execution: pick lists, pick confirmation, exceptions and their resolutions, packing, shipping,
delivery, receipt confirmation, cancellation — checked against the stock ledger and balances."""

import datetime

import pytest
from django.db.models import Sum

from depot.core.errors import IllegalTransition, PermissionDenied, ValidationFailed
from depot.inventory.checks import stock_problems
from depot.inventory.choices import MoveKind, ReservationState
from depot.inventory.errors import InsufficientStock
from depot.inventory.models import Balance, Lot, Reservation, StockMove
from depot.orders import selectors, services
from depot.orders.choices import (
    ExceptionKind,
    ExceptionState,
    HoldKind,
    OutboundState,
    PickListState,
    Resolution,
)
from depot.orders.models import OrderException, PickLine
from tests.inventory.helpers import days, on_hand, reserved
from tests.orders.conftest import orders_state

PACKAGES = [{"weight_kg": "3.5", "length_cm": 40, "width_cm": 30, "height_cm": 20}]


@pytest.fixture
def allocated(wh, biscuits, milk, stock, submit):
    """An allocated order: 12 biscuits (8 of the older lot B1 at AMB-02, 4 of B2 at AMB-01) and 4 milk
    (AMB-03)."""
    old = stock(biscuits, 8, wh.loc["AMB-02"], "B1")
    Lot.objects.filter(pk=old.pk).update(received_on=old.received_on - datetime.timedelta(days=10))
    stock(biscuits, 10, wh.loc["AMB-01"], "B2")
    stock(milk, 10, wh.loc["AMB-03"], "M1", expiry_date=days(60))
    order = submit([{"item_code": "BIS-1", "quantity": 12}, {"item_code": "MILK-1", "quantity": 4}])
    assert order.state == OutboundState.ALLOCATED
    return order


def pick_all(keeper, pick_list):
    for line in pick_list.lines.order_by("location_code", "pk"):
        services.pick_confirm(actor=keeper, pick_line=line, picked_quantity=line.quantity)


def test_the_whole_life_of_an_outbound_order(allocated, keeper, specialist, biscuits, milk, wh):
    order = allocated
    pick_list = services.picklist_create(actor=keeper, orders=[order])
    order.refresh_from_db()
    assert order.state == OutboundState.PICKING
    assert [pl.location_code for pl in pick_list.lines.all()] == ["AMB-01", "AMB-02", "AMB-03"]

    pick_all(keeper, pick_list)
    order.refresh_from_db()
    pick_list.refresh_from_db()
    assert order.state == OutboundState.PICKED and pick_list.state == PickListState.DONE
    assert (on_hand(biscuits, wh.loc["AMB-STG"]), reserved(biscuits, wh.loc["AMB-STG"])) == (12, 12)

    services.outbound_pack(actor=keeper, order=order, packages=PACKAGES * 2)
    services.outbound_ship(actor=keeper, order=order, carrier="顺丰速运", tracking_number="SF1234567890")
    services.outbound_deliver(actor=keeper, order=order)
    services.outbound_confirm_receipt(actor=specialist, order=order, rating=5, comment="包装完好")

    order.refresh_from_db()
    assert order.state == OutboundState.CONFIRMED
    assert (order.carrier, order.tracking_number, order.rating) == ("顺丰速运", "SF1234567890", 5)
    assert order.packages.count() == 2
    assert [(line.item_code, line.shipped) for line in order.lines.all()] == [("BIS-1", 12), ("MILK-1", 4)]
    shipped = StockMove.objects.filter(document_ref=order.number, kind=MoveKind.SHIPMENT).aggregate(n=Sum("quantity"))
    assert shipped["n"] == 16
    assert on_hand(biscuits, wh.loc["AMB-STG"]) == 0 and reserved(biscuits) == reserved(milk) == 0
    assert not Reservation.objects.filter(document_ref=order.number, state=ReservationState.OPEN).exists()
    assert [e.to_state for e in order.events.all()] == [
        OutboundState.PENDING_AUDIT, OutboundState.ALLOCATED, OutboundState.PICKING, OutboundState.PICKED,
        OutboundState.PACKED, OutboundState.SHIPPED, OutboundState.DELIVERED, OutboundState.CONFIRMED]
    for field in ("allocated_at", "picking_at", "picked_at", "packed_at", "shipped_at", "delivered_at",
                  "confirmed_at"):
        assert getattr(order, field) is not None, field
    assert selectors.order_step_times(user=specialist, order=order)["on_time"] is True
    assert stock_problems() == []


def test_a_wave_picks_several_orders_in_location_order(wh, biscuits, milk, stock, submit, keeper):
    stock(biscuits, 10, wh.loc["AMB-03"], "B1")
    stock(milk, 10, wh.loc["AMB-01"], "M1", expiry_date=days(60))
    first = submit([{"item_code": "BIS-1", "quantity": 2}])
    second = submit([{"item_code": "MILK-1", "quantity": 3}, {"item_code": "BIS-1", "quantity": 1}])

    pick_list = services.picklist_create(actor=keeper, orders=[first, second])

    rows = [(pl.location_code, pl.order.number, pl.quantity) for pl in selectors.picklist_lines(user=keeper,
                                                                                               pick_list=pick_list)]
    assert rows == [("AMB-01", second.number, 3), ("AMB-03", first.number, 2), ("AMB-03", second.number, 1)]


def test_a_pick_list_for_an_order_not_allocated_is_refused(wh, biscuits, stock, submit, keeper):
    held = submit([{"item_code": "BIS-1", "quantity": 2}])
    assert held.state == OutboundState.HELD
    before = orders_state()

    with pytest.raises(IllegalTransition) as info:
        services.picklist_create(actor=keeper, orders=[held])

    assert held.number in str(info.value.message)
    assert orders_state() == before


def test_a_pick_line_confirmed_twice_is_refused_the_second_time(allocated, keeper):
    pick_list = services.picklist_create(actor=keeper, orders=[allocated])
    line = pick_list.lines.first()
    services.pick_confirm(actor=keeper, pick_line=line, picked_quantity=line.quantity)
    before = orders_state()

    with pytest.raises(IllegalTransition) as info:
        services.pick_confirm(actor=keeper, pick_line=line, picked_quantity=line.quantity)

    assert str(info.value.message) == "该拣货行已被确认"
    assert orders_state() == before


def test_picking_more_than_asked_is_refused(allocated, keeper):
    line = services.picklist_create(actor=keeper, orders=[allocated]).lines.first()
    before = orders_state()

    with pytest.raises(ValidationFailed):
        services.pick_confirm(actor=keeper, pick_line=line, picked_quantity=line.quantity, damaged_quantity=1)

    assert orders_state() == before


def test_packing_an_order_not_yet_picked_is_refused_and_changes_nothing(allocated, keeper):
    before = orders_state()

    with pytest.raises(IllegalTransition) as info:
        services.outbound_pack(actor=keeper, order=allocated, packages=PACKAGES)

    assert str(info.value.message) == f"{allocated.number} 当前状态为“已分配”，不能变为“已包装”"
    assert orders_state() == before


def test_a_specialist_cannot_confirm_picks(allocated, keeper, specialist):
    line = services.picklist_create(actor=keeper, orders=[allocated]).lines.first()

    with pytest.raises(PermissionDenied):
        services.pick_confirm(actor=specialist, pick_line=line, picked_quantity=1)


def test_a_rating_outside_one_to_five_is_refused(allocated, keeper, specialist):
    pick_all(keeper, services.picklist_create(actor=keeper, orders=[allocated]))
    services.outbound_pack(actor=keeper, order=allocated, packages=PACKAGES)
    services.outbound_ship(actor=keeper, order=allocated, carrier="中通", tracking_number="ZT1")
    before = orders_state()

    with pytest.raises(ValidationFailed):
        services.outbound_confirm_receipt(actor=specialist, order=allocated, rating=6)

    assert orders_state() == before


def test_shipping_needs_a_carrier_and_tracking_number(allocated, keeper):
    pick_all(keeper, services.picklist_create(actor=keeper, orders=[allocated]))
    services.outbound_pack(actor=keeper, order=allocated, packages=PACKAGES)
    before = orders_state()

    with pytest.raises(ValidationFailed) as info:
        services.outbound_ship(actor=keeper, order=allocated, carrier="顺丰", tracking_number=" ")

    assert info.value.details == {"tracking_number": ["请填写运单号"]}
    assert orders_state() == before


# ---- exceptions ---------------------------------------------------------------------------

def _line_at(pick_list, code):
    return pick_list.lines.get(location_code=code)


def test_a_shortage_found_while_picking_suspends_the_order_and_opens_an_exception(allocated, keeper, biscuits, wh):
    pick_list = services.picklist_create(actor=keeper, orders=[allocated])
    line = _line_at(pick_list, "AMB-02")  # 8 biscuits of lot B1

    services.pick_confirm(actor=keeper, pick_line=line, picked_quantity=5, note="货架上只有5箱")

    allocated.refresh_from_db()
    assert allocated.state == OutboundState.SUSPENDED
    exception = allocated.exceptions.get()
    assert (exception.kind, exception.quantity, exception.state) == (ExceptionKind.SHORTAGE, 3, ExceptionState.OPEN)
    assert "库位AMB-02 批次B1" in exception.details and "短缺3" in exception.details
    event = allocated.events.last()
    assert event.note == "拣货发现异常，客服正在处理" and "短缺3" in event.internal_note
    assert reserved(biscuits, wh.loc["AMB-02"]) == 0
    assert on_hand(biscuits, wh.loc["AMB-STG"]) == 5
    assert stock_problems() == []


def test_the_rest_of_a_suspended_order_can_still_be_picked(allocated, keeper):
    pick_list = services.picklist_create(actor=keeper, orders=[allocated])
    services.pick_confirm(actor=keeper, pick_line=_line_at(pick_list, "AMB-02"), picked_quantity=5)

    services.pick_confirm(actor=keeper, pick_line=_line_at(pick_list, "AMB-01"), picked_quantity=4)

    allocated.refresh_from_db()
    assert allocated.state == OutboundState.SUSPENDED


def test_a_substitute_lot_is_reserved_and_picked_and_the_order_resumes(allocated, keeper, specialist, biscuits,
                                                                       stock, wh):
    spare = stock(biscuits, 5, wh.loc["AMB-03"], "SPARE")
    pick_list = services.picklist_create(actor=keeper, orders=[allocated])
    services.pick_confirm(actor=keeper, pick_line=_line_at(pick_list, "AMB-02"), picked_quantity=5)
    for code in ("AMB-01", "AMB-03"):
        for line in pick_list.lines.filter(location_code=code, confirmed_at__isnull=True):
            services.pick_confirm(actor=keeper, pick_line=line, picked_quantity=line.quantity)

    exception = services.exception_resolve(actor=specialist, exception=allocated.exceptions.get(),
                                           resolution=Resolution.SUBSTITUTE, note="改拣SPARE批次", substitute_lot=spare)

    allocated.refresh_from_db()
    assert (exception.state, exception.resolution, exception.substitute_lot) == (
        ExceptionState.RESOLVED, Resolution.SUBSTITUTE, spare)
    assert allocated.state == OutboundState.PICKING
    new_line = PickLine.objects.get(order=allocated, lot=spare)
    assert (new_line.pick_list, new_line.quantity) == (pick_list, 3)
    services.pick_confirm(actor=keeper, pick_line=new_line, picked_quantity=3)
    allocated.refresh_from_db()
    assert allocated.state == OutboundState.PICKED
    assert allocated.lines.get(item_code="BIS-1").picked == 12
    assert stock_problems() == []


def test_a_substitute_lot_without_enough_stock_is_refused_and_changes_nothing(allocated, keeper, specialist,
                                                                              biscuits, stock, wh):
    spare = stock(biscuits, 1, wh.loc["AMB-03"], "SPARE")
    pick_list = services.picklist_create(actor=keeper, orders=[allocated])
    services.pick_confirm(actor=keeper, pick_line=_line_at(pick_list, "AMB-02"), picked_quantity=5)
    before = orders_state()

    with pytest.raises(InsufficientStock):
        services.exception_resolve(actor=specialist, exception=allocated.exceptions.get(),
                                   resolution=Resolution.SUBSTITUTE, substitute_lot=spare)

    assert orders_state() == before


def test_damaged_goods_are_written_off_and_a_partial_shipment_ships_what_was_picked(allocated, keeper, specialist,
                                                                                  biscuits, wh):
    pick_list = services.picklist_create(actor=keeper, orders=[allocated])
    for line in pick_list.lines.all():
        damaged = 2 if line.location_code == "AMB-01" else 0
        services.pick_confirm(actor=keeper, pick_line=line, picked_quantity=line.quantity - damaged,
                              damaged_quantity=damaged, note="外箱压坏" if damaged else "")
    allocated.refresh_from_db()
    assert allocated.state == OutboundState.SUSPENDED
    exception = allocated.exceptions.get()
    assert (exception.kind, exception.quantity) == (ExceptionKind.DAMAGE, 2)
    damage = StockMove.objects.get(document_ref=allocated.number, kind=MoveKind.DAMAGE)
    assert (damage.item, damage.quantity, damage.from_location, damage.reason) == (biscuits, 2, wh.loc["AMB-01"],
                                                                                  "外箱压坏")

    services.exception_resolve(actor=specialist, exception=exception, resolution=Resolution.PARTIAL,
                               note="客户同意少发2件")
    allocated.refresh_from_db()
    assert allocated.state == OutboundState.PICKED
    services.outbound_pack(actor=keeper, order=allocated, packages=PACKAGES)
    services.outbound_ship(actor=keeper, order=allocated, carrier="顺丰", tracking_number="SF1")

    line = allocated.lines.get(item_code="BIS-1")
    assert (line.quantity, line.shipped, line.short, line.damaged) == (12, 10, 2, 2)
    assert stock_problems() == []


def test_waiting_for_stock_holds_the_order_until_the_retry_allocates_the_rest(allocated, keeper, specialist,
                                                                            supervisor, biscuits, stock, wh):
    pick_list = services.picklist_create(actor=keeper, orders=[allocated])
    services.pick_confirm(actor=keeper, pick_line=_line_at(pick_list, "AMB-02"), picked_quantity=6)
    services.exception_resolve(actor=specialist, exception=allocated.exceptions.get(), resolution=Resolution.WAIT,
                               note="等厂家补货")
    allocated.refresh_from_db()
    assert allocated.state == OutboundState.PICKING  # two lines still to pick
    for line in pick_list.lines.filter(confirmed_at__isnull=True):
        services.pick_confirm(actor=keeper, pick_line=line, picked_quantity=line.quantity)
    allocated.refresh_from_db()
    assert (allocated.state, allocated.hold_kind) == (OutboundState.HELD, HoldKind.WAIT)
    assert allocated.hold_reason == "等待到货：尚缺2件"

    stock(biscuits, 2, wh.loc["AMB-03"], "FRESH")
    assert services.outbound_retry_held(actor=supervisor) == [allocated]
    second_list = services.picklist_create(actor=keeper, orders=[allocated])
    pick_all(keeper, second_list)
    allocated.refresh_from_db()
    assert allocated.state == OutboundState.PICKED
    services.outbound_pack(actor=keeper, order=allocated, packages=PACKAGES)
    services.outbound_ship(actor=keeper, order=allocated, carrier="顺丰", tracking_number="SF2")
    assert allocated.lines.get(item_code="BIS-1").shipped == 12
    assert stock_problems() == []


def test_cancelling_from_an_exception_releases_every_reservation(allocated, keeper, specialist, biscuits, milk):
    pick_list = services.picklist_create(actor=keeper, orders=[allocated])
    services.pick_confirm(actor=keeper, pick_line=_line_at(pick_list, "AMB-02"), picked_quantity=7)

    services.exception_resolve(actor=specialist, exception=allocated.exceptions.get(), resolution=Resolution.CANCEL,
                               note="客户取消")

    allocated.refresh_from_db()
    assert (allocated.state, allocated.cancel_reason) == (OutboundState.CANCELLED, "客户取消")
    assert reserved(biscuits) == reserved(milk) == 0
    assert not Reservation.objects.filter(document_ref=allocated.number, state=ReservationState.OPEN).exists()
    assert not PickLine.objects.filter(order=allocated, confirmed_at__isnull=True, cancelled=False).exists()
    assert not OrderException.objects.filter(order=allocated, state=ExceptionState.OPEN).exists()
    pick_list.refresh_from_db()
    assert pick_list.state == PickListState.DONE
    assert "已拣货物留在出库暂存区" in allocated.events.last().internal_note
    assert stock_problems() == []


def test_a_partial_shipment_of_nothing_is_refused(wh, biscuits, stock, submit, keeper, specialist):
    stock(biscuits, 5, wh.loc["AMB-01"])
    order = submit([{"item_code": "BIS-1", "quantity": 5}])
    pick_list = services.picklist_create(actor=keeper, orders=[order])
    services.pick_confirm(actor=keeper, pick_line=pick_list.lines.get(), picked_quantity=0)
    before = orders_state()

    with pytest.raises(ValidationFailed):
        services.exception_resolve(actor=specialist, exception=order.exceptions.get(), resolution=Resolution.PARTIAL)

    assert orders_state() == before


def test_an_exception_is_resolved_only_once(allocated, keeper, specialist):
    pick_list = services.picklist_create(actor=keeper, orders=[allocated])
    services.pick_confirm(actor=keeper, pick_line=_line_at(pick_list, "AMB-02"), picked_quantity=7)
    exception = allocated.exceptions.get()
    services.exception_resolve(actor=specialist, exception=exception, resolution=Resolution.WAIT)

    with pytest.raises(IllegalTransition):
        services.exception_resolve(actor=specialist, exception=exception, resolution=Resolution.PARTIAL)


# ---- cancellation -------------------------------------------------------------------------

def test_cancelling_an_allocated_order_releases_every_reservation(allocated, specialist, biscuits, milk):
    assert reserved(biscuits) == 12 and reserved(milk) == 4

    services.outbound_cancel(actor=specialist, order=allocated, reason="客户电话取消")

    allocated.refresh_from_db()
    assert allocated.state == OutboundState.CANCELLED and allocated.cancelled_at is not None
    assert reserved(biscuits) == reserved(milk) == 0
    assert Balance.objects.aggregate(n=Sum("reserved"))["n"] == 0
    assert allocated.events.last().internal_note == "释放预留16件"
    assert stock_problems() == []


def test_a_shipped_order_cannot_be_cancelled_and_nothing_changes(allocated, keeper, specialist):
    pick_all(keeper, services.picklist_create(actor=keeper, orders=[allocated]))
    services.outbound_pack(actor=keeper, order=allocated, packages=PACKAGES)
    services.outbound_ship(actor=keeper, order=allocated, carrier="顺丰", tracking_number="SF3")
    before = orders_state()

    with pytest.raises(IllegalTransition) as info:
        services.outbound_cancel(actor=specialist, order=allocated, reason="太晚了")

    assert "当前状态为“已发货”，不能变为“已取消”" in str(info.value.message)
    assert orders_state() == before


def test_cancelling_needs_a_reason(allocated, specialist):
    before = orders_state()

    with pytest.raises(ValidationFailed):
        services.outbound_cancel(actor=specialist, order=allocated, reason="")

    assert orders_state() == before


def test_a_whole_pick_list_is_confirmed_in_one_go(allocated, keeper, biscuits, milk, wh):
    pick_list = services.picklist_create(actor=keeper, orders=[allocated])
    assert services.picklist_confirm_all(actor=keeper, pick_list=pick_list).state == PickListState.DONE
    allocated.refresh_from_db()
    assert allocated.state == OutboundState.PICKED
    assert all(line.picked == line.quantity and line.confirmed_by == keeper for line in pick_list.lines.all())
    assert [(line.item_code, line.picked, line.allocated) for line in allocated.lines.order_by("line_no")] == [
        ("BIS-1", 12, 12), ("MILK-1", 4, 4)]
    assert (on_hand(biscuits, wh.loc["AMB-STG"]), reserved(biscuits, wh.loc["AMB-STG"])) == (12, 12)
    assert (on_hand(milk, wh.loc["AMB-STG"]), reserved(milk, wh.loc["AMB-STG"])) == (4, 4)
    assert StockMove.objects.filter(kind=MoveKind.PICK, document_ref=allocated.number).count() == 3
    services.outbound_pack(actor=keeper, order=allocated, packages=PACKAGES)
    services.outbound_ship(actor=keeper, order=allocated, carrier="顺丰速运", tracking_number="SF1234567890")
    assert [(line.item_code, line.shipped) for line in allocated.lines.order_by("line_no")] == [
        ("BIS-1", 12), ("MILK-1", 4)]
    assert stock_problems() == []


def test_confirming_the_rest_of_a_pick_list_after_a_shortage_keeps_the_order_suspended(allocated, keeper):
    pick_list = services.picklist_create(actor=keeper, orders=[allocated])
    first = pick_list.lines.order_by("location_code", "pk").first()
    services.pick_confirm(actor=keeper, pick_line=first, picked_quantity=first.quantity - 1)
    services.picklist_confirm_all(actor=keeper, pick_list=pick_list)
    allocated.refresh_from_db()
    assert allocated.state == OutboundState.SUSPENDED
    assert not pick_list.lines.filter(confirmed_at__isnull=True).exists()
    assert stock_problems() == []


def test_confirming_a_pick_list_with_nothing_left_to_pick_is_refused_and_changes_nothing(allocated, keeper):
    pick_list = services.picklist_create(actor=keeper, orders=[allocated])
    services.picklist_confirm_all(actor=keeper, pick_list=pick_list)
    before = orders_state()
    with pytest.raises(IllegalTransition, match="没有待确认的拣货行"):
        services.picklist_confirm_all(actor=keeper, pick_list=pick_list)
    assert orders_state() == before


def test_only_a_keeper_confirms_a_whole_pick_list(allocated, keeper, specialist):
    pick_list = services.picklist_create(actor=keeper, orders=[allocated])
    before = orders_state()
    with pytest.raises(PermissionDenied):
        services.picklist_confirm_all(actor=specialist, pick_list=pick_list)
    assert orders_state() == before


def test_picking_and_shipping_an_order_takes_a_bounded_number_of_statements(
        allocated, keeper, django_assert_max_num_queries):
    keeper.get_all_permissions()
    with django_assert_max_num_queries(10):
        pick_list = services.picklist_create(actor=keeper, orders=[allocated])
    with django_assert_max_num_queries(22):
        services.picklist_confirm_all(actor=keeper, pick_list=pick_list)
    services.outbound_pack(actor=keeper, order=allocated, packages=PACKAGES)
    # 13 for the shipment itself, the rest is the customer's notification (contact, template, outbox, job)
    with django_assert_max_num_queries(23):
        services.outbound_ship(actor=keeper, order=allocated, carrier="顺丰速运", tracking_number="SF1234567890")
