"""Taking outbound orders in: creation, bad input, idempotency, completeness and supplementing."""

import datetime

import pytest
from django.utils import timezone

from depot.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from depot.customers.choices import Status
from depot.customers.services import customer_change_status
from depot.orders import services
from depot.orders.choices import Channel, OutboundState
from depot.orders.errors import IdempotencyConflict
from depot.orders.models import OrderEvent, OutboundOrder
from tests.orders.conftest import order_data, orders_state


def create(actor, customer, lines, **kwargs):
    data = order_data(**kwargs.pop("data", {}))
    return services.outbound_create(actor=actor, customer=customer, data=data, lines=lines,
                                    channel=kwargs.pop("channel", Channel.PHONE), **kwargs)


def test_a_complete_order_is_numbered_and_waits_for_the_audit(specialist, customer, biscuits):
    order, created = create(specialist, customer, [{"item_code": "BIS-1", "quantity": 5}])

    assert created
    assert order.number.startswith("CK" + timezone.localdate().strftime("%y%m%d"))
    assert order.state == OutboundState.PENDING_AUDIT
    assert order.total_value == 50
    assert order.due_at is not None and order.created_by == specialist
    [line] = order.lines.all()
    assert (line.item, line.quantity, line.unit_value) == (biscuits, 5, 10)
    [event] = order.events.all()
    assert (event.from_state, event.to_state, event.actor) == ("", OutboundState.PENDING_AUDIT, specialist)
    assert event.note == "订单已接收（电话）"


def test_an_unknown_item_code_makes_the_order_incomplete_and_tells_the_customer_what_is_missing(
        specialist, customer, biscuits):
    order, created = create(specialist, customer, [{"item_code": "BIS-1", "quantity": 5},
                                                   {"item_code": "NOPE-7", "quantity": 2}],
                            data={"address": ""})

    assert created and order.state == OutboundState.INCOMPLETE
    assert order.missing == ["缺少收货地址", "第2行货品编码“NOPE-7”不存在"]
    assert order.due_at is None
    event = order.events.get()
    assert event.visible_to_customer
    assert "请补充：缺少收货地址；第2行货品编码“NOPE-7”不存在" in event.note


def test_a_line_without_quantity_is_missing_not_an_error(specialist, customer, biscuits):
    order, _created = create(specialist, customer, [{"item_code": "BIS-1", "quantity": None}])

    assert order.state == OutboundState.INCOMPLETE
    assert order.missing == ["第1行缺少数量"]


@pytest.mark.parametrize("quantity", [0, -3, "abc", 1.5, True, "--3", "2.5"])
def test_a_quantity_that_is_not_a_positive_integer_is_refused_and_nothing_is_created(
        specialist, customer, biscuits, quantity):
    before = orders_state()

    with pytest.raises(ValidationFailed) as info:
        create(specialist, customer, [{"item_code": "BIS-1", "quantity": quantity}])

    assert "lines[1].quantity" in info.value.details
    assert orders_state() == before


def test_a_ship_date_in_the_past_is_refused(specialist, customer, biscuits):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    before = orders_state()

    with pytest.raises(ValidationFailed) as info:
        create(specialist, customer, [{"item_code": "BIS-1", "quantity": 1}],
               data={"requested_ship_date": yesterday.isoformat()})

    assert info.value.details == {"requested_ship_date": ["要求发货日期不能早于今天"]}
    assert orders_state() == before


def test_the_same_item_twice_is_refused(specialist, customer, biscuits):
    with pytest.raises(ValidationFailed) as info:
        create(specialist, customer, [{"item_code": "BIS-1", "quantity": 1}, {"item_code": "BIS-1", "quantity": 2}])

    assert info.value.details == {"lines[2].item_code": ["与第1行货品编码重复"]}


def test_an_unknown_field_is_refused(specialist, customer, biscuits):
    before = orders_state()

    with pytest.raises(ValidationFailed) as info:
        create(specialist, customer, [{"item_code": "BIS-1", "quantity": 1}], data={"state": "shipped"})

    assert info.value.details == {"state": ["不能在此设置该字段"]}
    assert orders_state() == before


def test_a_suspended_customer_cannot_order(specialist, customer, biscuits):
    customer_change_status(actor=specialist, customer=customer, status=Status.SUSPENDED, reason="欠款停业")

    with pytest.raises(ValidationFailed) as info:
        create(specialist, customer, [{"item_code": "BIS-1", "quantity": 1}])

    assert info.value.details == {"customer": ["客户状态为“已暂停”，不能下单"]}


def test_a_specialist_cannot_order_for_another_specialists_customer(other_specialist, customer, biscuits):
    with pytest.raises(NotFound):
        create(other_specialist, customer, [{"item_code": "BIS-1", "quantity": 1}])


def test_a_warehouse_keeper_cannot_take_orders(keeper, customer, biscuits):
    with pytest.raises(PermissionDenied):
        create(keeper, customer, [{"item_code": "BIS-1", "quantity": 1}])


# ---- idempotency --------------------------------------------------------------------------

def test_the_same_idempotency_key_twice_returns_the_original_order(specialist, customer, biscuits):
    lines = [{"item_code": "BIS-1", "quantity": 5}]
    first, created = create(specialist, customer, lines, idempotency_key="req-1", channel=Channel.API)
    events = OrderEvent.objects.count()

    again, created_again = create(specialist, customer, [{"item_code": " BIS-1", "quantity": "5"}],
                                  idempotency_key="req-1", channel=Channel.API)

    assert created and not created_again
    assert again.pk == first.pk
    assert OutboundOrder.objects.filter(customer=customer, idempotency_key="req-1").count() == 1
    assert OrderEvent.objects.count() == events


def test_the_same_key_with_a_different_body_is_a_conflict_and_changes_nothing(specialist, customer, biscuits):
    first, _created = create(specialist, customer, [{"item_code": "BIS-1", "quantity": 5}], idempotency_key="req-2")
    before = orders_state()

    with pytest.raises(IdempotencyConflict) as info:
        create(specialist, customer, [{"item_code": "BIS-1", "quantity": 6}], idempotency_key="req-2")

    assert info.value.code == "idempotency_conflict"
    assert info.value.order == first
    assert info.value.details == {"idempotency_key": [f"幂等键“req-2”已用于内容不同的订单{first.number}"]}
    assert orders_state() == before


def test_a_retried_submission_with_the_same_customer_reference_returns_the_original(specialist, customer, biscuits):
    first, _created = create(specialist, customer, [{"item_code": "BIS-1", "quantity": 5}], external_ref="PO-88")

    again, created = create(specialist, customer, [{"item_code": "BIS-1", "quantity": 5}], external_ref="PO-88",
                            idempotency_key="another-key")

    assert (again.pk, created) == (first.pk, False)
    with pytest.raises(IdempotencyConflict) as info:
        create(specialist, customer, [{"item_code": "BIS-1", "quantity": 9}], external_ref="PO-88")
    assert "external_ref" in info.value.details


def test_the_same_key_for_two_customers_makes_two_orders(specialist, customer, make_customer, biscuits, make_item):
    other = make_customer(specialist, status=Status.ACTIVE)
    make_item("BIS-1", owner=other)

    a, _ = create(specialist, customer, [{"item_code": "BIS-1", "quantity": 1}], idempotency_key="k")
    b, created = create(specialist, other, [{"item_code": "BIS-1", "quantity": 1}], idempotency_key="k")

    assert created and a.pk != b.pk


def test_a_retry_of_an_order_made_yesterday_still_returns_it(specialist, customer, biscuits):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    first, _ = create(specialist, customer, [{"item_code": "BIS-1", "quantity": 1}], idempotency_key="k9",
                      data={"requested_ship_date": tomorrow})
    OutboundOrder.objects.filter(pk=first.pk).update(requested_ship_date=tomorrow)

    again, created = create(specialist, customer, [{"item_code": "BIS-1", "quantity": 1}], idempotency_key="k9",
                            data={"requested_ship_date": tomorrow.isoformat()})

    assert (again.pk, created) == (first.pk, False)


def test_a_retry_after_the_customer_was_suspended_returns_the_order_taken_before(specialist, customer, biscuits):
    lines = [{"item_code": "BIS-1", "quantity": 2}]
    first, _ = create(specialist, customer, lines, idempotency_key="k10", external_ref="PO-10")
    customer_change_status(actor=specialist, customer=customer, status=Status.SUSPENDED, reason="欠款停业")
    before = orders_state()

    again, created = create(specialist, customer, lines, idempotency_key="k10", external_ref="PO-10")
    by_reference, _ = create(specialist, customer, lines, external_ref="PO-10")

    assert (again.pk, by_reference.pk, created) == (first.pk, first.pk, False)
    with pytest.raises(ValidationFailed) as info:
        create(specialist, customer, lines, idempotency_key="k11")
    assert "customer" in info.value.details
    assert orders_state() == before


# ---- completeness and supplement ----------------------------------------------------------

def test_supplementing_what_was_missing_moves_the_order_to_the_audit(specialist, customer, biscuits):
    order, _ = create(specialist, customer, [{"item_code": "BIS-1", "quantity": None}], data={"address": ""})

    order = services.outbound_supplement(actor=specialist, order=order, data={"address": "张江路200号"},
                                         lines=[{"item_code": "BIS-1", "quantity": 4}], note="客户电话补充")

    assert order.state == OutboundState.PENDING_AUDIT
    assert order.missing == [] and order.total_value == 40 and order.due_at is not None
    assert [line.quantity for line in order.lines.all()] == [4]
    last = order.events.last()
    assert (last.from_state, last.to_state, last.note) == (OutboundState.INCOMPLETE, OutboundState.PENDING_AUDIT,
                                                           "客户电话补充")


def test_a_supplement_that_still_lacks_something_keeps_the_order_incomplete(specialist, customer, biscuits):
    order, _ = create(specialist, customer, [{"item_code": "BIS-1", "quantity": None}], data={"address": ""})

    order = services.outbound_supplement(actor=specialist, order=order, data={"address": "张江路200号"})

    assert order.state == OutboundState.INCOMPLETE
    assert order.missing == ["第1行缺少数量"]


def test_an_item_created_later_completes_the_order_on_the_next_check(specialist, customer, biscuits, make_item):
    order, _ = create(specialist, customer, [{"item_code": "NEW-1", "quantity": 3}])
    assert order.state == OutboundState.INCOMPLETE

    make_item("NEW-1", unit_value=2)
    order = services.outbound_check_completeness(actor=specialist, order=order)

    assert order.state == OutboundState.PENDING_AUDIT
    assert order.total_value == 6


def test_a_shipped_order_cannot_be_supplemented(specialist, customer, biscuits):
    shipped = OutboundOrder.objects.get(customer=customer)  # the customer's shipped order of the past
    before = orders_state()

    with pytest.raises(IllegalTransition) as info:
        services.outbound_supplement(actor=specialist, order=shipped, data={"address": "x"})

    assert "当前状态为“已签收”，不能补充资料" in str(info.value.message)
    assert orders_state() == before


def test_the_consignee_phone_is_indexed_in_its_standard_form_and_follows_a_supplement(specialist, customer, biscuits):
    from depot.customers.validators import phone_blind_index

    order, _ = create(specialist, customer, [{"item_code": "BIS-1", "quantity": None}],
                      data={"consignee_phone": "139-1234-5678"})
    order.refresh_from_db()
    assert order.consignee_phone_index == phone_blind_index("+86 139 1234 5678") != ""

    services.outbound_supplement(actor=specialist, order=order, data={"consignee_phone": "13800138000"})
    order.refresh_from_db()
    assert order.consignee_phone_index == phone_blind_index("13800138000")
    assert OutboundOrder.objects.get(consignee_phone_index=phone_blind_index("+8613800138000")) == order
