"""The customer hears of their orders through the outbox, in the transaction of the change."""

import pytest
from django.db import transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from depot.notifications.choices import Channel as NotificationChannel
from depot.notifications.models import Notification
from depot.notifications.services import webhook_endpoint_create
from depot.orders import services
from depot.orders.choices import Channel, InboundState, OutboundState
from tests.orders.conftest import order_data


def delivery_jobs():
    return ProcrastinateJob.objects.filter(task_name="notifications.deliver").count()


@pytest.fixture
def packed(wh, biscuits, stock, submit, keeper):
    stock(biscuits, 10, wh.loc["AMB-01"])
    order = submit([{"item_code": "BIS-1", "quantity": 3}])
    services.picklist_create(actor=keeper, orders=[order])
    line = order.pick_lines.get()
    services.pick_confirm(actor=keeper, pick_line=line, picked_quantity=3)
    services.outbound_pack(actor=keeper, order=order, packages=[{"weight_kg": "4.5"}])
    order.refresh_from_db()
    return order


def test_shipping_an_order_enqueues_one_email_to_the_primary_contact_with_carrier_and_tracking_number(
        packed, keeper, customer):
    before, jobs = Notification.objects.count(), delivery_jobs()

    services.outbound_ship(actor=keeper, order=packed, carrier="顺丰速运", tracking_number="SF1234567890")

    new = Notification.objects.exclude(pk__in=Notification.objects.order_by("pk").values("pk")[:before])
    assert new.count() == 1
    message = new.get()
    assert (message.event, message.channel, message.recipient) == (
        "order.shipped", NotificationChannel.EMAIL, customer.contacts.get(is_primary=True).email)
    assert message.template_code == "order.shipped"
    assert message.context["order_no"] == packed.number
    assert message.context["carrier"] == "顺丰速运" and message.context["tracking_no"] == "SF1234567890"
    assert message.context["packages"] == 1
    assert message.customer == customer
    assert delivery_jobs() == jobs + 1


def test_a_subscribed_webhook_endpoint_of_the_customer_gets_the_event_too(packed, keeper, customer, admin_user):
    endpoint, _secret = webhook_endpoint_create(actor=admin_user, data={
        "name": "客户ERP", "url": "https://erp.example.cn/hooks/depot", "owner": customer,
        "events": ["order.shipped"], "active": True})

    services.outbound_ship(actor=keeper, order=packed, carrier="京东物流", tracking_number="JD0001")

    shipped = Notification.objects.filter(event="order.shipped")
    assert sorted(shipped.values_list("channel", flat=True)) == ["email", "webhook"]
    assert shipped.get(channel="webhook").endpoint == endpoint
    assert shipped.get(channel="webhook").payload["tracking_no"] == "JD0001"


def test_a_rolled_back_transition_enqueues_nothing(packed, keeper):
    before, jobs = Notification.objects.count(), delivery_jobs()

    with pytest.raises(RuntimeError), transaction.atomic():
        services.outbound_ship(actor=keeper, order=packed, carrier="顺丰速运", tracking_number="SF1")
        raise RuntimeError("the request failed after the change")

    assert Notification.objects.count() == before
    assert delivery_jobs() == jobs
    packed.refresh_from_db()
    assert packed.state == OutboundState.PACKED


def test_an_incomplete_order_tells_the_customer_what_is_missing(specialist, customer, wh, biscuits):
    order, _ = services.outbound_create(actor=specialist, customer=customer, channel=Channel.EMAIL,
                                        data=order_data(consignee_phone=""),
                                        lines=[{"item_code": "BIS-1", "quantity": 2}])

    message = Notification.objects.get(event="order.incomplete")
    assert message.context["order_no"] == order.number
    assert message.context["missing"] == ["缺少收货人电话"]


def test_steps_inside_the_warehouse_are_not_sent(wh, biscuits, stock, submit, keeper):
    stock(biscuits, 10, wh.loc["AMB-01"])
    order = submit([{"item_code": "BIS-1", "quantity": 3}])
    assert list(Notification.objects.values_list("event", "context__status")) == [
        ("order.status_changed", OutboundState.ALLOCATED)]

    services.picklist_create(actor=keeper, orders=[order])

    assert Notification.objects.count() == 1


def test_a_customer_without_an_email_address_is_not_notified(make_customer, specialist):
    customer = make_customer(specialist, contacts=[{"name": "王先生", "phone": "13900004444", "is_primary": True}])

    services.outbound_create(actor=specialist, customer=customer, channel=Channel.PHONE,
                             data=order_data(address=""), lines=[])

    assert not Notification.objects.exists()


def test_receiving_an_inbound_order_tells_the_customer_each_discrepancy(specialist, keeper, customer, wh, biscuits,
                                                                        milk):
    order, _ = services.inbound_create(actor=specialist, customer=customer, channel=Channel.EMAIL,
                                       data={"warehouse": wh.warehouse},
                                       lines=[{"item_code": "BIS-1", "quantity": 100},
                                              {"item_code": "MILK-1", "quantity": 50}])
    lines = {line.item.code: line for line in order.lines.select_related("item")}

    services.inbound_receive(actor=keeper, order=order, finish=True, receipts=[
        {"line": lines["BIS-1"].pk, "quantity_good": 95, "quantity_damaged": 2},
        {"line": lines["MILK-1"].pk, "quantity_good": 50, "expiry_date": "2099-01-01"}])

    order.refresh_from_db()
    assert order.state == InboundState.RECEIVED
    message = Notification.objects.get(event="inbound.received")
    assert message.context["inbound_no"] == order.number
    assert message.context["lines"][0] == {"sku": "BIS-1", "name": "苏打饼干", "expected": 100, "received": 97,
                                          "good": 95, "damaged": 2}
    assert [(d["sku"], d["kind"], d["quantity"]) for d in message.context["discrepancies"]] == [
        ("BIS-1", "短少", 3), ("BIS-1", "破损", 2)]
