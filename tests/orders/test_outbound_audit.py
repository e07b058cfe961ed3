"""审核: credit review, capacity (stock and ship date), holds and their release, priority queues."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.core.errors import IllegalTransition, PermissionDenied, ValidationFailed
from depot.customers.choices import Grade, PaymentTerms, Status
from depot.inventory.checks import stock_problems
from depot.inventory.choices import ReservationState
from depot.inventory.models import Lot, Reservation
from depot.orders import selectors, services
from depot.orders.choices import Channel, CreditReviewState, HoldKind, OutboundState
from depot.orders.models import CreditReview
from tests.inventory.helpers import days, reserved
from tests.orders.conftest import give_history, orders_state


def test_an_order_with_stock_is_allocated_first_in_first_out(wh, biscuits, stock, submit, specialist):
    stock(biscuits, 5, wh.loc["AMB-02"], "OLD")
    stock(biscuits, 20, wh.loc["AMB-01"], "NEW")
    Lot.objects.filter(lot_number="OLD").update(received_on=timezone.localdate() - datetime.timedelta(days=10))

    order = submit([{"item_code": "BIS-1", "quantity": 8}])

    assert order.state == OutboundState.ALLOCATED
    assert order.audited_at is not None and order.allocated_at is not None
    taken = sorted((r.balance.lot.lot_number, r.quantity) for r in
                   Reservation.objects.filter(document_ref=order.number).select_related("balance__lot"))
    assert taken == [("NEW", 3), ("OLD", 5)]
    assert order.lines.get().allocated == 8
    assert [e.to_state for e in order.events.all()] == [OutboundState.PENDING_AUDIT, OutboundState.ALLOCATED]
    assert stock_problems() == []


def test_expiring_milk_is_allocated_first_expiring_first(wh, milk, stock, submit):
    stock(milk, 10, wh.loc["AMB-01"], "LATE", expiry_date=days(90))
    stock(milk, 10, wh.loc["AMB-02"], "SOON", expiry_date=days(20))

    order = submit([{"item_code": "MILK-1", "quantity": 4}])

    [reservation] = Reservation.objects.filter(document_ref=order.number).select_related("balance__lot")
    assert reservation.balance.lot.lot_number == "SOON"


def test_a_shortage_holds_the_order_naming_item_requested_and_available(wh, biscuits, milk, stock, submit):
    stock(biscuits, 3, wh.loc["AMB-01"])
    stock(milk, 50, wh.loc["AMB-02"], expiry_date=days(90))

    order = submit([{"item_code": "MILK-1", "quantity": 5}, {"item_code": "BIS-1", "quantity": 10}])

    assert order.state == OutboundState.HELD
    assert order.hold_kind == HoldKind.STOCK
    assert order.hold_reason == "库存不足：BIS-1 苏打饼干需要10，可用3"
    assert not Reservation.objects.filter(document_ref=order.number).exists()
    assert reserved(milk) == 0
    held = order.events.last()
    assert held.visible_to_customer and "库存不足" in held.note


def test_a_held_order_is_allocated_by_the_periodic_retry_once_an_inbound_receipt_is_put_away(
        wh, biscuits, stock, submit, supervisor, specialist, keeper, customer):
    stock(biscuits, 3, wh.loc["AMB-01"], "L1")
    order = submit([{"item_code": "BIS-1", "quantity": 10}])
    assert order.state == OutboundState.HELD
    assert services.outbound_retry_held(actor=supervisor) == []

    asn, _ = services.inbound_create(actor=specialist, customer=customer, channel=Channel.PHONE,
                                     data={"warehouse": wh.warehouse}, lines=[{"item_code": "BIS-1", "quantity": 20}])
    services.inbound_receive(actor=keeper, order=asn, receipts=[{"line": asn.lines.get(), "quantity_good": 20}])
    assert services.outbound_retry_held(actor=supervisor) == [], "stock on the dock is not yet available"
    services.inbound_putaway(actor=keeper, order=asn)
    allocated = services.outbound_retry_held(actor=supervisor)

    assert [o.pk for o in allocated] == [order.pk]
    order.refresh_from_db()
    assert (order.state, order.hold_kind, order.hold_reason) == (OutboundState.ALLOCATED, "", "")
    assert reserved(biscuits) == 10
    assert stock_problems() == []


def test_the_retry_serves_vip_orders_first(wh, biscuits, stock, submit, supervisor, make_customer, specialist,
                                           make_item):
    vip = make_customer(specialist, status=Status.ACTIVE, credit_limit=Decimal("100000"), grade=Grade.VIP)
    give_history(vip)
    make_item("BIS-1", owner=vip, unit_value=10)
    ordinary = submit([{"item_code": "BIS-1", "quantity": 6}])
    important = submit([{"item_code": "BIS-1", "quantity": 6}], customer=vip)
    assert ordinary.state == important.state == OutboundState.HELD

    stock(biscuits, 6, wh.loc["AMB-01"])
    stock(vip.items.get(), 6, wh.loc["AMB-02"])
    services.outbound_retry_held(actor=supervisor, limit=1)

    important.refresh_from_db()
    ordinary.refresh_from_db()
    assert (important.state, ordinary.state) == (OutboundState.ALLOCATED, OutboundState.HELD)


def test_a_customer_allowing_partial_shipment_gets_what_there_is(wh, biscuits, milk, stock, submit):
    stock(biscuits, 3, wh.loc["AMB-01"])
    stock(milk, 10, wh.loc["AMB-02"], expiry_date=days(90))

    order = submit([{"item_code": "BIS-1", "quantity": 10}, {"item_code": "MILK-1", "quantity": 4}],
                   data={"allow_partial": True})

    assert order.state == OutboundState.ALLOCATED
    lines = {line.item_code: line for line in order.lines.all()}
    assert (lines["BIS-1"].allocated, lines["BIS-1"].short) == (3, 7)
    assert (lines["MILK-1"].allocated, lines["MILK-1"].short) == (4, 0)
    assert "部分发货：BIS-1缺7" in order.events.last().note


def test_a_partial_order_with_nothing_available_is_held(wh, biscuits, stock, submit):
    order = submit([{"item_code": "BIS-1", "quantity": 10}], data={"allow_partial": True})

    assert order.state == OutboundState.HELD
    assert order.hold_reason == "库存不足：BIS-1 苏打饼干需要10，可用0"
    assert order.lines.get().short == 0


def test_shipping_today_after_the_cutoff_is_held_until_cs_changes_the_date(wh, biscuits, stock, submit, settings,
                                                                          specialist):
    settings.DEPOT_ORDER_CUTOFF = datetime.time(0, 0)
    stock(biscuits, 10, wh.loc["AMB-01"])

    order = submit([{"item_code": "BIS-1", "quantity": 2}], data={"requested_ship_date": timezone.localdate()})

    assert (order.state, order.hold_kind) == (OutboundState.HELD, HoldKind.DATE)
    assert order.hold_reason.startswith(f"要求发货日期{timezone.localdate().isoformat()}早于最早可发货日期")
    with pytest.raises(IllegalTransition):
        services.outbound_allocate(actor=specialist, order=order)

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    order = services.outbound_supplement(actor=specialist, order=order, data={"requested_ship_date": tomorrow})
    assert order.state == OutboundState.PENDING_AUDIT
    order = services.outbound_audit(actor=specialist, order=order)
    assert order.state == OutboundState.ALLOCATED


# ---- credit review ------------------------------------------------------------------------

def test_a_new_customers_first_order_goes_to_a_supervisors_credit_review(wh, biscuits, stock, submit, make_customer,
                                                                         specialist, make_item):
    newcomer = make_customer(specialist, status=Status.ACTIVE, credit_limit=Decimal("100000"))
    make_item("BIS-1", owner=newcomer, unit_value=10)

    order = submit([{"item_code": "BIS-1", "quantity": 1}], customer=newcomer)

    assert order.state == OutboundState.CREDIT_REVIEW
    review = order.credit_reviews.get()
    assert (review.state, review.reasons) == (CreditReviewState.PENDING, ["新客户首单"])
    event = order.events.last()
    assert event.note == "订单进入信用审核" and event.internal_note == "新客户首单"


def test_an_order_pushing_the_customer_over_its_limit_is_reviewed(wh, biscuits, stock, submit, customer):
    customer.credit_limit = Decimal("100")
    customer.save(update_fields=["credit_limit"])
    stock(biscuits, 100, wh.loc["AMB-01"])
    first = submit([{"item_code": "BIS-1", "quantity": 6}])  # 60 元 open
    assert first.state == OutboundState.ALLOCATED

    second = submit([{"item_code": "BIS-1", "quantity": 5}])  # 60 + 50 > 100

    assert second.state == OutboundState.CREDIT_REVIEW
    review = second.credit_reviews.get()
    assert review.reasons == ["未结订单金额110.00元超过信用额度100.00元"]
    assert (review.exposure, review.credit_limit) == (Decimal("110"), Decimal("100"))
    assert not Reservation.objects.filter(document_ref=second.number).exists()


def test_a_customer_with_overdue_payments_is_reviewed(wh, biscuits, stock, submit, customer):
    customer.overdue_amount = Decimal("3000")
    customer.save(update_fields=["overdue_amount"])

    order = submit([{"item_code": "BIS-1", "quantity": 1}])

    assert order.credit_reviews.get().reasons == ["客户有逾期应收3000.00元"]


def test_a_prepaid_customer_without_credit_is_not_reviewed(wh, biscuits, stock, submit, customer):
    customer.credit_limit, customer.payment_terms = Decimal(0), PaymentTerms.PREPAID
    customer.save(update_fields=["credit_limit", "payment_terms"])
    stock(biscuits, 10, wh.loc["AMB-01"])

    assert submit([{"item_code": "BIS-1", "quantity": 1}]).state == OutboundState.ALLOCATED


@pytest.fixture
def reviewed(wh, biscuits, stock, submit, customer):
    customer.overdue_amount = Decimal("500")
    customer.save(update_fields=["overdue_amount"])
    stock(biscuits, 10, wh.loc["AMB-01"])
    return submit([{"item_code": "BIS-1", "quantity": 4}])


def test_a_supervisor_approving_the_review_lets_the_order_continue_to_allocation(reviewed, supervisor):
    review = services.credit_review_decide(actor=supervisor, review=reviewed.credit_reviews.get(), approve=True,
                                           reason="客户已承诺月底付款")

    reviewed.refresh_from_db()
    assert (review.state, review.decided_by) == (CreditReviewState.APPROVED, supervisor)
    assert reviewed.state == OutboundState.ALLOCATED
    assert reviewed.events.last().note == "信用审核通过，库存已分配（客户已承诺月底付款）"
    assert reviewed.lines.get().allocated == 4


def test_a_supervisor_rejecting_the_review_ends_the_order_with_the_reason(reviewed, supervisor):
    services.credit_review_decide(actor=supervisor, review=reviewed.credit_reviews.get(), approve=False,
                                  reason="逾期超过90天")

    reviewed.refresh_from_db()
    assert (reviewed.state, reviewed.reject_reason) == (OutboundState.REJECTED, "逾期超过90天")
    assert reviewed.events.last().note == "订单未通过信用审核：逾期超过90天"
    assert not Reservation.objects.filter(document_ref=reviewed.number).exists()


def test_rejecting_without_a_reason_is_refused(reviewed, supervisor):
    before = orders_state()

    with pytest.raises(ValidationFailed):
        services.credit_review_decide(actor=supervisor, review=reviewed.credit_reviews.get(), approve=False)

    assert orders_state() == before


def test_a_specialist_cannot_decide_a_credit_review(reviewed, specialist):
    before = orders_state()

    with pytest.raises(PermissionDenied):
        services.credit_review_decide(actor=specialist, review=reviewed.credit_reviews.get(), approve=True)

    assert orders_state() == before


def test_a_review_is_decided_only_once(reviewed, supervisor):
    review = reviewed.credit_reviews.get()
    services.credit_review_decide(actor=supervisor, review=review, approve=True)

    with pytest.raises(IllegalTransition):
        services.credit_review_decide(actor=supervisor, review=review, approve=False, reason="改主意")


def test_cancelling_an_order_in_credit_review_withdraws_the_review(reviewed, specialist):
    services.outbound_cancel(actor=specialist, order=reviewed, reason="客户撤单")

    assert CreditReview.objects.get(order=reviewed).state == CreditReviewState.WITHDRAWN


# ---- wrong state, queues ------------------------------------------------------------------

def test_auditing_an_allocated_order_again_is_refused_and_changes_nothing(wh, biscuits, stock, submit, specialist):
    stock(biscuits, 10, wh.loc["AMB-01"])
    order = submit([{"item_code": "BIS-1", "quantity": 2}])
    before = orders_state()

    with pytest.raises(IllegalTransition) as info:
        services.outbound_audit(actor=specialist, order=order)

    assert str(info.value.message) == f"{order.number} 当前状态为“已分配”，不能审核"
    assert orders_state() == before


def test_vip_and_grade_a_orders_come_first_in_the_audit_and_pick_queues(wh, biscuits, stock, specialist,
                                                                        make_customer, make_item, keeper):
    def customer_of(grade):
        c = make_customer(specialist, status=Status.ACTIVE, credit_limit=Decimal("100000"), grade=grade)
        give_history(c)
        item = make_item("BIS-1", owner=c, unit_value=1)
        stock(item, 10, wh.loc["AMB-01"], f"L{grade}")
        return c

    numbers = {}
    for grade in (Grade.C, Grade.A, Grade.B, Grade.VIP):
        order, _ = services.outbound_create(actor=specialist, customer=customer_of(grade), channel="phone",
                                            data={"consignee_name": "王", "consignee_phone": "1", "address": "路"},
                                            lines=[{"item_code": "BIS-1", "quantity": 1}])
        numbers[grade] = order.number

    queue = [o.number for o in selectors.audit_queue(user=specialist)]
    assert queue == [numbers[g] for g in (Grade.VIP, Grade.A, Grade.B, Grade.C)]

    for order in selectors.audit_queue(user=specialist):
        services.outbound_audit(actor=specialist, order=order)
    assert [o.number for o in selectors.pick_queue(user=keeper)] == [numbers[g] for g in
                                                                     (Grade.VIP, Grade.A, Grade.B, Grade.C)]
    assert Reservation.objects.filter(state=ReservationState.OPEN).count() == 4


def test_submitting_an_order_takes_a_bounded_number_of_statements_whatever_its_lines(
        wh, biscuits, milk, make_item, stock, submit, specialist, django_assert_max_num_queries):
    crisps = make_item("CRISP-1", name="薯片", unit_value=Decimal("8"))
    stock(biscuits, 20, wh.loc["AMB-01"], "B1")
    stock(milk, 20, wh.loc["AMB-02"], "M1", expiry_date=days(60))
    stock(crisps, 20, wh.loc["AMB-03"], "C1")
    specialist.get_all_permissions()
    with django_assert_max_num_queries(25) as one:
        order = submit([{"item_code": "BIS-1", "quantity": 2}])
    assert order.state == OutboundState.ALLOCATED
    with django_assert_max_num_queries(len(one.captured_queries)):
        order = submit([{"item_code": code, "quantity": 2} for code in ("BIS-1", "MILK-1", "CRISP-1")])
    assert order.state == OutboundState.ALLOCATED
    assert stock_problems() == []


def test_a_submitted_order_keeps_its_audit_chain_intact(wh, biscuits, stock, submit):
    from depot.core.audit import audit_history, audit_verify

    stock(biscuits, 20, wh.loc["AMB-01"], "B1")
    order = submit([{"item_code": "BIS-1", "quantity": 2}])
    services.outbound_cancel(actor=order.created_by, order=order, reason="客户撤单")
    entries = list(audit_history(order).order_by("id"))
    assert entries[0].action == "create" and entries[0].prev_hash == ""
    assert audit_verify() == []
