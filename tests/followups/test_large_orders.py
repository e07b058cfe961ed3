"""A large outbound order, once delivered or signed for, schedules a follow-up (the orders hook)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.followups import services
from depot.followups.choices import FollowUpReason
from depot.followups.models import CareSettings, FollowUp
from depot.orders import services as orders
from depot.orders.choices import Channel, OutboundState
from depot.orders.models import OutboundLine, OutboundOrder

pytestmark = pytest.mark.django_db


def shipped_order(customer, *, number, value, units=10):
    order = OutboundOrder.objects.create(
        number=number, customer=customer, channel=Channel.PHONE, state=OutboundState.SHIPPED,
        request_hash=number, shipped_at=timezone.now() - datetime.timedelta(hours=6), total_value=Decimal(value))
    OutboundLine.objects.create(order=order, line_no=1, item_code="BIS-1", quantity=units, shipped=units)
    return order


def test_a_delivered_order_above_the_value_threshold_gets_a_follow_up(keeper, specialist, customer):
    order = shipped_order(customer, number="CK26110001", value="150000.00")
    orders.outbound_deliver(actor=keeper, order=order)
    followup = FollowUp.objects.get(reason=FollowUpReason.LARGE_ORDER)
    assert followup.source_ref == "CK26110001"
    assert followup.customer == customer and followup.assignee == specialist
    assert followup.planned_on == timezone.localdate() + datetime.timedelta(days=3)


def test_signing_for_the_same_order_after_delivery_does_not_plan_a_second_one(keeper, specialist, customer):
    order = shipped_order(customer, number="CK26110002", value="150000.00")
    orders.outbound_deliver(actor=keeper, order=order)
    orders.outbound_confirm_receipt(actor=specialist, order=order, rating=5)
    assert FollowUp.objects.filter(reason=FollowUpReason.LARGE_ORDER).count() == 1


def test_a_small_order_gets_none_and_the_threshold_is_editable(keeper, supervisor, customer):
    small = shipped_order(customer, number="CK26110003", value="800.00")
    orders.outbound_deliver(actor=keeper, order=small)
    assert not FollowUp.objects.exists()

    services.care_settings_save(actor=supervisor, data={"large_order_value": Decimal("500"),
                                                        "large_order_units": None})
    other = shipped_order(customer, number="CK26110004", value="800.00")
    orders.outbound_deliver(actor=keeper, order=other)
    assert list(FollowUp.objects.values_list("source_ref", flat=True)) == ["CK26110004"]


def test_many_units_count_as_a_large_order_even_of_low_value(keeper, customer):
    assert CareSettings.objects.get().large_order_units == 5000
    order = shipped_order(customer, number="CK26110005", value="1000.00", units=6000)
    orders.outbound_deliver(actor=keeper, order=order)
    assert FollowUp.objects.filter(source_ref="CK26110005").exists()


def test_a_specialist_may_not_change_the_threshold(specialist):
    from depot.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.care_settings_save(actor=specialist, data={"large_order_value": Decimal("1")})
    assert CareSettings.objects.get().large_order_value == Decimal("100000")
