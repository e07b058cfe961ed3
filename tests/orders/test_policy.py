"""The pure order rules, without a database."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.core.errors import IllegalTransition
from depot.orders import policy
from depot.orders.choices import InboundState, OutboundState, ServiceLevel
from depot.orders.policy import LineFacts

CUTOFF = datetime.time(16, 0)


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, 11, day, hour, minute))


# ---- transition tables --------------------------------------------------------------------

def test_every_outbound_state_has_a_row_in_the_transition_table():
    assert set(policy.OUTBOUND_TRANSITIONS) == set(OutboundState.values) | {policy.CREATED}
    for targets in policy.OUTBOUND_TRANSITIONS.values():
        assert targets <= set(OutboundState.values)


def test_every_inbound_state_has_a_row_in_the_transition_table():
    assert set(policy.INBOUND_TRANSITIONS) == set(InboundState.values) | {policy.CREATED}


@pytest.mark.parametrize("state", [OutboundState.CONFIRMED, OutboundState.CANCELLED, OutboundState.REJECTED])
def test_finished_outbound_orders_go_nowhere(state):
    assert policy.OUTBOUND_TRANSITIONS[state] == frozenset()


def test_a_new_order_starts_incomplete_or_waiting_for_audit():
    assert policy.OUTBOUND_TRANSITIONS[policy.CREATED] == {OutboundState.INCOMPLETE, OutboundState.PENDING_AUDIT}


@pytest.mark.parametrize("state", [OutboundState.SHIPPED, OutboundState.DELIVERED, OutboundState.CONFIRMED])
def test_a_shipped_order_can_no_longer_be_cancelled(state):
    assert not policy.transition_allowed(policy.OUTBOUND_TRANSITIONS, state, OutboundState.CANCELLED)


@pytest.mark.parametrize("state", [
    OutboundState.INCOMPLETE, OutboundState.PENDING_AUDIT, OutboundState.CREDIT_REVIEW, OutboundState.HELD,
    OutboundState.ALLOCATED, OutboundState.PICKING, OutboundState.PICKED, OutboundState.PACKED,
    OutboundState.SUSPENDED,
])
def test_every_order_not_yet_shipped_can_be_cancelled(state):
    assert policy.transition_allowed(policy.OUTBOUND_TRANSITIONS, state, OutboundState.CANCELLED)


def test_only_a_supervisor_decision_or_a_cancellation_leaves_the_credit_review():
    assert policy.OUTBOUND_TRANSITIONS[OutboundState.CREDIT_REVIEW] == {
        OutboundState.ALLOCATED, OutboundState.HELD, OutboundState.REJECTED, OutboundState.CANCELLED}


def test_an_illegal_transition_names_both_states():
    with pytest.raises(IllegalTransition) as info:
        policy.check_transition(policy.OUTBOUND_TRANSITIONS, OutboundState.SHIPPED, OutboundState.CANCELLED,
                                number="CK2611230001")
    assert str(info.value.message) == "CK2611230001 当前状态为“已发货”，不能变为“已取消”"
    assert info.value.code == "illegal_transition"


def test_inbound_goods_once_received_cannot_be_cancelled():
    assert not policy.transition_allowed(policy.INBOUND_TRANSITIONS, InboundState.RECEIVING, InboundState.CANCELLED)
    assert policy.transition_allowed(policy.INBOUND_TRANSITIONS, InboundState.NOTIFIED, InboundState.CANCELLED)


# ---- completeness -------------------------------------------------------------------------

def _complete(**overrides):
    args = {"consignee_name": "李四", "consignee_phone": "13800138000", "address": "张江路100号",
            "lines": [LineFacts(1, "BIS-1", 5, item_known=True)]}
    args.update(overrides)
    return policy.outbound_missing(**args)


def test_a_complete_order_lacks_nothing():
    assert _complete() == []


def test_a_missing_address_is_listed():
    assert _complete(address=" ") == ["缺少收货地址"]


def test_an_unknown_item_code_and_a_missing_quantity_are_listed_by_line():
    lines = [LineFacts(1, "BIS-1", 5, item_known=True), LineFacts(2, "XX-9", None, item_known=False)]
    assert _complete(lines=lines) == ["第2行货品编码“XX-9”不存在", "第2行缺少数量"]


def test_an_order_without_lines_lacks_its_lines():
    assert _complete(lines=[], consignee_name="") == ["缺少收货人", "没有货品明细"]


def test_an_inactive_item_is_listed():
    assert _complete(lines=[LineFacts(1, "OLD", 1, item_known=True, item_active=False)]) == ["第1行货品“OLD”已停用"]


# ---- credit -------------------------------------------------------------------------------

def _reasons(**overrides):
    args = {"is_new_customer": False, "exposure": Decimal("500"), "credit_limit": Decimal("1000"),
            "prepaid": False, "overdue_amount": Decimal(0)}
    args.update(overrides)
    return policy.credit_review_reasons(**args)


def test_a_known_customer_within_its_limit_needs_no_review():
    assert _reasons() == []


def test_a_new_customer_needs_a_review():
    assert _reasons(is_new_customer=True) == ["新客户首单"]


def test_an_order_pushing_the_customer_over_its_limit_needs_a_review():
    assert _reasons(exposure=Decimal("1000.01")) == ["未结订单金额1000.01元超过信用额度1000元"]


def test_exposure_equal_to_the_limit_is_still_within_it():
    assert _reasons(exposure=Decimal("1000")) == []


def test_overdue_payments_need_a_review():
    assert _reasons(overdue_amount=Decimal("20")) == ["客户有逾期应收20元"]


def test_a_customer_without_credit_needs_a_review_for_every_order():
    assert _reasons(credit_limit=Decimal(0), exposure=Decimal("1")) == ["客户未授予信用额度（未结订单金额1元）"]


def test_a_prepaid_customer_is_not_checked_against_a_limit():
    assert _reasons(credit_limit=Decimal(0), exposure=Decimal("99999"), prepaid=True) == []


# ---- timeliness ---------------------------------------------------------------------------

def test_an_order_received_before_the_cutoff_can_ship_the_same_day():
    assert policy.earliest_ship_date(at(23, 15, 59), CUTOFF) == datetime.date(2026, 11, 23)


def test_an_order_received_after_the_cutoff_ships_the_next_day_at_the_earliest():
    assert policy.earliest_ship_date(at(23, 16, 0), CUTOFF) == datetime.date(2026, 11, 24)


@pytest.mark.parametrize(("level", "day"), [(ServiceLevel.SAME_DAY, 23), (ServiceLevel.EXPRESS, 24),
                                            (ServiceLevel.STANDARD, 25)])
def test_the_service_level_sets_the_due_day(level, day):
    due = policy.due_ship_at(None, level, at(23, 9), CUTOFF)
    assert timezone.localtime(due).replace(tzinfo=None) == datetime.datetime(2026, 11, day, 23, 59, 59)


def test_a_later_requested_date_is_the_due_day():
    due = policy.due_ship_at(datetime.date(2026, 11, 30), ServiceLevel.STANDARD, at(23, 9), CUTOFF)
    assert timezone.localtime(due).date() == datetime.date(2026, 11, 30)


def test_shipping_today_is_infeasible_after_the_cutoff():
    assert policy.date_infeasible_reason(datetime.date(2026, 11, 23), at(23, 17), CUTOFF) == (
        "要求发货日期2026-11-23早于最早可发货日期2026-11-24（每日截单时间16:00）")
    assert policy.date_infeasible_reason(datetime.date(2026, 11, 23), at(23, 10), CUTOFF) == ""
    assert policy.date_infeasible_reason(None, at(23, 17), CUTOFF) == ""


def test_on_time_means_shipped_by_the_due_time():
    due = at(25, 23, 59)
    assert policy.is_on_time(due_at=due, shipped_at=at(25, 10), now=at(26, 1)) is True
    assert policy.is_on_time(due_at=due, shipped_at=at(26, 0, 30), now=at(26, 1)) is False
    assert policy.is_on_time(due_at=due, shipped_at=None, now=at(26, 1)) is False
    assert policy.is_on_time(due_at=due, shipped_at=None, now=at(24, 1)) is None
    assert policy.rate(3, 4) == Decimal("0.75") and policy.rate(0, 0) is None


# ---- priority and execution ---------------------------------------------------------------

def test_vip_goes_before_a_before_b_before_c():
    ranks = [policy.priority_for_grade(g) for g in ("VIP", "A", "B", "C")]
    assert ranks == sorted(ranks) and len(set(ranks)) == 4


def test_after_picking_an_open_exception_keeps_the_order_suspended():
    assert policy.state_after_picking(open_exceptions=1, unconfirmed_pick_lines=2, outstanding=3,
                                      picked=4) == OutboundState.SUSPENDED


def test_after_picking_waiting_stock_holds_and_a_full_pick_completes():
    assert policy.state_after_picking(open_exceptions=0, unconfirmed_pick_lines=1, outstanding=3,
                                      picked=4) == OutboundState.PICKING
    assert policy.state_after_picking(open_exceptions=0, unconfirmed_pick_lines=0, outstanding=3,
                                      picked=4) == OutboundState.HELD
    assert policy.state_after_picking(open_exceptions=0, unconfirmed_pick_lines=0, outstanding=0,
                                      picked=4) == OutboundState.PICKED
    assert policy.state_after_picking(open_exceptions=0, unconfirmed_pick_lines=0, outstanding=0, picked=0) is None


def test_a_receipt_discrepancy_keeps_short_over_and_damaged_apart():
    assert policy.Discrepancy(expected=100, good=90, damaged=3).text() == "短少7，破损3"
    assert policy.Discrepancy(expected=100, good=105, damaged=0).text() == "超收5"
    assert policy.Discrepancy(expected=10, good=10, damaged=0).text() == "相符"


# ---- idempotency --------------------------------------------------------------------------

def test_the_same_request_in_another_order_or_spacing_has_the_same_fingerprint():
    a = policy.request_fingerprint({"address": "张江路100号 ", "note": ""},
                                   [{"item_code": "A", "quantity": 1}, {"item_code": "B", "quantity": 2}])
    b = policy.request_fingerprint({"address": "张江路100号"},
                                   [{"item_code": "B", "quantity": 2}, {"item_code": "A", "quantity": 1}])
    assert a == b


def test_a_different_quantity_changes_the_fingerprint():
    a = policy.request_fingerprint({}, [{"item_code": "A", "quantity": 1}])
    assert a != policy.request_fingerprint({}, [{"item_code": "A", "quantity": 2}])
