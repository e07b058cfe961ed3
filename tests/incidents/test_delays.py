"""Delay notices: in the order's timeline for the customer, told through the outbox in the same
transaction, refused for orders that are signed for or cancelled."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.incidents import services
from depot.incidents.models import DelayNotice
from depot.notifications.models import Notification
from depot.orders import selectors as orders
from depot.orders import services as order_services
from depot.orders.choices import OutboundState
from tests.incidents.conftest import incidents_state


def later(hours: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)


@pytest.fixture
def order(wh, biscuits, stock, submit):
    stock(biscuits, 10, wh.loc["AMB-01"])
    return submit([{"item_code": "BIS-1", "quantity": 3}])


def test_a_delay_notice_shows_in_the_customers_timeline_without_changing_the_order(order, specialist):
    expected = timezone.make_aware(datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=2),
                                                             datetime.time(15, 0)))
    state = order.state

    notice = services.delay_notice_create(actor=specialist, order=order, reason_category="weather",
                                          reason="华东地区暴雨，干线运输停运", new_expected_at=expected)

    timeline = orders.order_timeline(user=specialist, order=order, for_customer=True)
    event = timeline[-1]
    day = f"{timezone.localtime(expected):%Y-%m-%d}"
    assert event.note == f"延误通知：华东地区暴雨，干线运输停运，预计 {day} 15:00 送达"
    assert (event.from_state, event.to_state) == (state, state)
    assert event.internal_note == ""  # the reason category is for staff only
    order.refresh_from_db()
    assert order.state == state
    assert notice.order_event_id == event.pk


def test_the_notice_is_published_to_the_customer_in_the_same_transaction(order, specialist, customer):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.delay_notice_create(actor=specialist, order=order, reason_category="carrier", reason="车辆故障",
                                     new_expected_at=later(30))
        assert Notification.objects.filter(event="order.delayed").count() == 1
        raise RuntimeError("the request failed after the change")
    assert not Notification.objects.filter(event="order.delayed").exists()
    assert not DelayNotice.objects.exists()

    services.delay_notice_create(actor=specialist, order=order, reason_category="carrier", reason="车辆故障",
                                 new_expected_at=later(30))

    message = Notification.objects.get(event="order.delayed")
    assert message.recipient == customer.contacts.get(is_primary=True).email
    assert message.context["order_no"] == order.number and message.context["reason"] == "车辆故障"
    assert message.template_code == "order.delayed"


def test_progress_updates_reach_the_timeline_and_the_customer(order, specialist):
    notice = services.delay_notice_create(actor=specialist, order=order, reason_category="traffic", reason="高速封路",
                                          new_expected_at=later(24))
    new_time = later(48)

    services.delay_update_add(actor=specialist, notice=notice, note="已改走国道", new_expected_at=new_time)
    services.delay_update_add(actor=specialist, notice=notice, note="车辆已到达中转站")

    notes = [e.note for e in orders.order_timeline(user=specialist, order=order, for_customer=True)][-2:]
    assert notes == [f"延误进展：已改走国道，预计 {timezone.localtime(new_time):%Y-%m-%d %H:%M} 送达",
                     "延误进展：车辆已到达中转站"]
    assert Notification.objects.filter(event="order.delayed").count() == 3
    notice.refresh_from_db()
    assert notice.current_expected_at == new_time


@pytest.mark.parametrize("final", [OutboundState.CONFIRMED, OutboundState.CANCELLED])
def test_no_delay_notice_on_an_order_signed_for_or_cancelled(order, specialist, final):
    if final == OutboundState.CANCELLED:
        order_services.outbound_cancel(actor=specialist, order=order, reason="客户取消")
    else:
        type(order).objects.filter(pk=order.pk).update(state=final)
    before = incidents_state()

    with pytest.raises(IllegalTransition) as err:
        services.delay_notice_create(actor=specialist, order=order, reason_category="carrier", reason="车辆故障",
                                     new_expected_at=later(5))

    label = {"confirmed": "已签收", "cancelled": "已取消"}[final]
    assert str(err.value.message) == f"出库单{order.number}当前状态为“{label}”，不能发送延误通知"
    assert incidents_state() == before


def test_a_delay_notice_needs_a_reason_and_a_time_in_the_future(order, specialist):
    before = incidents_state()
    with pytest.raises(ValidationFailed) as err:
        services.delay_notice_create(actor=specialist, order=order, reason_category="nope", reason=" ",
                                     new_expected_at=later(5))
    assert err.value.details == {"reason_category": ["请选择延误原因类别"], "reason": ["请填写延误原因"]}
    with pytest.raises(ValidationFailed) as err:
        services.delay_notice_create(actor=specialist, order=order, reason_category="carrier", reason="车辆故障",
                                     new_expected_at=later(-1))
    assert err.value.details == {"new_expected_at": ["预计送达时间必须晚于当前时间"]}
    assert incidents_state() == before


def test_another_specialist_cannot_send_a_delay_notice_for_a_customer_not_theirs(order, other_specialist):
    before = incidents_state()
    with pytest.raises(NotFound):
        services.delay_notice_create(actor=other_specialist, order=order, reason_category="carrier", reason="x",
                                     new_expected_at=later(5))
    assert incidents_state() == before


def test_a_delay_notice_is_a_note_on_the_order_not_a_step(order, specialist):
    steps_before = [s["state"] for s in orders.order_step_times(user=specialist, order=order)["steps"]]
    limits = {order.state: datetime.timedelta(hours=1)}
    later_on = timezone.now() + datetime.timedelta(days=2)
    entered_before = orders.stuck_orders(user=specialist, now=later_on, limits=limits).get(pk=order.pk).entered_at

    services.delay_notice_create(actor=specialist, order=order, reason_category="weather", reason="暴雨",
                                 new_expected_at=later(48))

    assert [s["state"] for s in orders.order_step_times(user=specialist, order=order)["steps"]] == steps_before
    stuck = orders.stuck_orders(user=specialist, now=later_on, limits=limits)
    assert stuck.get(pk=order.pk).entered_at == entered_before
    assert orders.order_timeline(user=specialist, order=order)[-1].changes_state is False
