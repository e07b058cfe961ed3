"""Inbound orders: ASN, receiving with short, over and damaged quantities, putaway, cancellation."""

import datetime

import pytest
from django.utils import timezone

from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.inventory.checks import stock_problems
from depot.inventory.choices import LocationKind, MoveKind, TemperatureClass
from depot.inventory.errors import LocationRejected
from depot.inventory.models import Balance, StockMove
from depot.orders import selectors, services
from depot.orders.choices import Channel, InboundState
from depot.orders.errors import IdempotencyConflict
from depot.orders.models import InboundOrder
from tests.inventory.helpers import days, on_hand
from tests.orders.conftest import orders_state

LINES = [{"item_code": "BIS-1", "quantity": 100}, {"item_code": "MILK-1", "quantity": 50, "lot_number": "M2611"}]


@pytest.fixture
def asn(wh, specialist, customer, biscuits, milk):
    order, created = services.inbound_create(actor=specialist, customer=customer, channel=Channel.EMAIL,
                                             data={"warehouse": wh.warehouse, "carrier": "德邦物流"},
                                             lines=LINES, external_ref="ASN-001")
    assert created
    return order


def _lines(order):
    return {line.item.code: line for line in order.lines.select_related("item")}


def test_an_asn_is_recorded_as_notified(asn, specialist):
    assert asn.number.startswith("RK")
    assert asn.state == InboundState.NOTIFIED
    assert [(line.item.code, line.expected_quantity) for line in asn.lines.order_by("line_no")] == [
        ("BIS-1", 100), ("MILK-1", 50)]
    assert asn.events.get().note == "入库预报已接收（邮件），共2行"


def test_the_whole_life_of_an_inbound_order_with_short_over_and_damaged_goods(asn, keeper, specialist, biscuits,
                                                                              milk, wh):
    lines = _lines(asn)
    services.inbound_receive(actor=keeper, order=asn, receipts=[
        {"line": lines["BIS-1"], "quantity_good": 95, "quantity_damaged": 3, "lot_number": "B2611",
         "note": "3箱外包装破损"},
        {"line": lines["MILK-1"], "quantity_good": 52, "expiry_date": days(120)},
    ])

    asn.refresh_from_db()
    assert asn.state == InboundState.RECEIVED and asn.received_at is not None
    discrepancies = {d["item"].code: d for d in selectors.inbound_discrepancies(user=specialist, order=asn)}
    assert (discrepancies["BIS-1"]["short"], discrepancies["BIS-1"]["damaged"]) == (2, 3)
    assert discrepancies["MILK-1"]["over"] == 2
    told = asn.events.last()
    assert told.visible_to_customer
    assert told.note == ("收货完成，共实收150件；差异：BIS-1 预报100，实收98（短少2，破损3）；"
                         "MILK-1 预报50，实收52（超收2）")
    moves = StockMove.objects.filter(document_ref=asn.number)
    assert sorted((m.kind, m.quantity) for m in moves) == sorted([
        (MoveKind.RECEIPT, 98), (MoveKind.DAMAGE, 3), (MoveKind.RECEIPT, 52)])
    assert on_hand(biscuits, wh.loc["AMB-RCV"]) == 95
    assert StockMove.objects.get(document_ref=asn.number, item=milk).lot.lot_number == "M2611"

    services.inbound_putaway(actor=keeper, order=asn)

    asn.refresh_from_db()
    assert asn.state == InboundState.PUT_AWAY and asn.put_away_at is not None
    assert on_hand(biscuits, wh.loc["AMB-RCV"]) == on_hand(milk, wh.loc["AMB-RCV"]) == 0
    in_storage = Balance.objects.filter(item=biscuits, location__kind=LocationKind.STORAGE)
    assert sum(in_storage.values_list("on_hand", flat=True)) == 95
    assert [e.to_state for e in asn.events.all()] == [InboundState.NOTIFIED, InboundState.RECEIVED,
                                                      InboundState.PUT_AWAY]
    assert stock_problems() == []


def test_receiving_in_several_deliveries_then_finishing(asn, keeper):
    lines = _lines(asn)
    services.inbound_receive(actor=keeper, order=asn, receipts=[{"line": lines["BIS-1"], "quantity_good": 60}],
                             finish=False)
    asn.refresh_from_db()
    assert asn.state == InboundState.RECEIVING

    services.inbound_receive(actor=keeper, order=asn, receipts=[{"line": lines["BIS-1"], "quantity_good": 40}])

    asn.refresh_from_db()
    assert asn.state == InboundState.RECEIVED
    assert _lines(asn)["BIS-1"].received_good == 100
    assert "MILK-1 预报50，实收0（短少50）" in asn.events.last().note


def test_putaway_to_a_chosen_location_in_parts(asn, keeper, biscuits, wh):
    lines = _lines(asn)
    services.inbound_receive(actor=keeper, order=asn, receipts=[{"line": lines["BIS-1"], "quantity_good": 100}])
    receipt = asn.receipts.get()

    services.inbound_putaway(actor=keeper, order=asn, placements=[
        {"receipt": receipt, "quantity": 60, "location": wh.loc["AMB-02"]}])
    asn.refresh_from_db()
    assert asn.state == InboundState.RECEIVED
    services.inbound_putaway(actor=keeper, order=asn, placements=[
        {"receipt": receipt, "location": wh.loc["AMB-03"]}])

    asn.refresh_from_db()
    assert asn.state == InboundState.PUT_AWAY
    assert (on_hand(biscuits, wh.loc["AMB-02"]), on_hand(biscuits, wh.loc["AMB-03"])) == (60, 40)


def test_putting_away_more_than_was_received_is_refused(asn, keeper, wh):
    lines = _lines(asn)
    services.inbound_receive(actor=keeper, order=asn, receipts=[{"line": lines["BIS-1"], "quantity_good": 10}])
    before = orders_state()

    with pytest.raises(ValidationFailed) as info:
        services.inbound_putaway(actor=keeper, order=asn, placements=[
            {"receipt": asn.receipts.get(), "quantity": 11, "location": wh.loc["AMB-01"]}])

    assert info.value.details == {"placements[1].quantity": ["可上架数量为10"]}
    assert orders_state() == before


def test_frozen_goods_are_received_at_the_frozen_dock_and_never_put_into_an_ambient_location(
        wh, specialist, keeper, customer, make_item):
    dumplings = make_item("FRZ-1", name="速冻水饺", storage_class=TemperatureClass.FROZEN, shelf_life_days=365)
    order, _ = services.inbound_create(actor=specialist, customer=customer, channel=Channel.PHONE,
                                       data={"warehouse": wh.warehouse},
                                       lines=[{"item_code": "FRZ-1", "quantity": 10}])
    services.inbound_receive(actor=keeper, order=order, receipts=[
        {"line": order.lines.get(), "quantity_good": 10, "production_date": timezone.localdate()}])
    receipt = order.receipts.get()
    assert receipt.location == wh.loc["FRZ-RCV"]

    with pytest.raises(LocationRejected):
        services.inbound_putaway(actor=keeper, order=order, placements=[
            {"receipt": receipt, "location": wh.loc["AMB-01"]}])
    services.inbound_putaway(actor=keeper, order=order)

    assert on_hand(dumplings, wh.loc["FRZ-RCV"]) == 0
    assert sum(on_hand(dumplings, wh.loc[f"FRZ-0{n}"]) for n in (1, 2, 3)) == 10


def test_an_unknown_item_code_in_an_asn_is_refused(wh, specialist, customer, biscuits):
    before = orders_state()

    with pytest.raises(ValidationFailed) as info:
        services.inbound_create(actor=specialist, customer=customer, channel=Channel.PHONE,
                                data={"warehouse": wh.warehouse},
                                lines=[{"item_code": "BIS-1", "quantity": 1}, {"item_code": "GHOST", "quantity": 1}])

    assert info.value.details == {"lines[2].item_code": ["货品编码“GHOST”不存在，请先建立货品档案"]}
    assert orders_state() == before


@pytest.mark.parametrize("quantity", [0, -1, None])
def test_an_asn_line_without_a_positive_quantity_is_refused(wh, specialist, customer, biscuits, quantity):
    with pytest.raises(ValidationFailed):
        services.inbound_create(actor=specialist, customer=customer, channel=Channel.PHONE,
                                data={"warehouse": wh.warehouse}, lines=[{"item_code": "BIS-1", "quantity": quantity}])
    assert not InboundOrder.objects.exists()


def test_an_expected_date_in_the_past_is_refused(wh, specialist, customer, biscuits):
    with pytest.raises(ValidationFailed) as info:
        services.inbound_create(actor=specialist, customer=customer, channel=Channel.PHONE,
                                data={"warehouse": wh.warehouse,
                                      "expected_date": timezone.localdate() - datetime.timedelta(days=1)},
                                lines=[{"item_code": "BIS-1", "quantity": 1}])
    assert info.value.details == {"expected_date": ["预计到货日期不能早于今天"]}


def test_an_asn_sent_twice_is_recorded_once(asn, specialist, customer, wh):
    again, created = services.inbound_create(actor=specialist, customer=customer, channel=Channel.EMAIL,
                                             data={"warehouse": wh.warehouse, "carrier": "德邦物流"},
                                             lines=list(reversed(LINES)), external_ref="ASN-001")

    assert (again.pk, created) == (asn.pk, False)
    with pytest.raises(IdempotencyConflict):
        services.inbound_create(actor=specialist, customer=customer, channel=Channel.EMAIL,
                                data={"warehouse": wh.warehouse}, lines=LINES[:1], external_ref="ASN-001")


def test_an_asn_is_cancelled_only_before_anything_arrived(asn, keeper, specialist):
    services.inbound_receive(actor=keeper, order=asn, receipts=[
        {"line": _lines(asn)["BIS-1"], "quantity_good": 1}], finish=False)
    before = orders_state()

    with pytest.raises(IllegalTransition):
        services.inbound_cancel(actor=specialist, order=asn, reason="客户取消")

    assert orders_state() == before


def test_cancelling_an_asn(asn, specialist):
    services.inbound_cancel(actor=specialist, order=asn, reason="供应商停产")

    asn.refresh_from_db()
    assert (asn.state, asn.cancel_reason) == (InboundState.CANCELLED, "供应商停产")


def test_finishing_a_receipt_with_nothing_received_is_refused(asn, keeper):
    with pytest.raises(ValidationFailed):
        services.inbound_receive(actor=keeper, order=asn, receipts=[])


def test_a_receipt_for_a_line_of_another_order_is_refused(asn, keeper, specialist, customer, wh):
    other, _ = services.inbound_create(actor=specialist, customer=customer, channel=Channel.PHONE,
                                       data={"warehouse": wh.warehouse}, lines=LINES[:1])
    before = orders_state()

    with pytest.raises(ValidationFailed) as info:
        services.inbound_receive(actor=keeper, order=asn, receipts=[
            {"line": other.lines.get(), "quantity_good": 1}])

    assert info.value.details == {"receipts[1].line": ["不是本入库单的明细"]}
    assert orders_state() == before


def test_another_specialist_cannot_see_or_cancel_the_asn(asn, other_specialist):
    with pytest.raises(NotFound):
        services.inbound_cancel(actor=other_specialist, order=asn, reason="x")
    assert not selectors.inbound_list(user=other_specialist).exists()
