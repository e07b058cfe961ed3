"""The demo orders: every state of an outbound order, inbound orders, and two months of history."""

import datetime

from django.utils import timezone

from depot.customers.choices import Status
from depot.inventory.checks import stock_problems
from depot.inventory.demo import inventory_demo_load
from depot.notifications.models import Notification
from depot.orders import selectors
from depot.orders.choices import ExceptionState, InboundState, OutboundState
from depot.orders.demo import DEMO_REF, orders_demo_load
from depot.orders.models import InboundOrder, OrderException, OutboundOrder


def test_the_demo_has_orders_in_every_state_and_months_of_history(make_customer, admin_user, supervisor, keeper,
                                                                  specialist):
    customers = [make_customer(admin_user, status=Status.ACTIVE, owner=specialist) for _ in range(5)]
    inventory_demo_load(actor=supervisor, customers=customers)

    text = orders_demo_load(actor=supervisor, customers=customers)

    demo = OutboundOrder.objects.filter(external_ref__startswith=DEMO_REF)
    assert set(demo.values_list("state", flat=True)) == set(OutboundState.values)
    assert OrderException.objects.filter(order__state=OutboundState.SUSPENDED, state=ExceptionState.OPEN).exists()
    assert demo.filter(state=OutboundState.CONFIRMED, rating__isnull=False).count() >= 20
    assert set(InboundOrder.objects.values_list("state", flat=True)) >= {
        InboundState.NOTIFIED, InboundState.RECEIVED, InboundState.PUT_AWAY}
    oldest = demo.order_by("created_at").first()
    assert timezone.now() - oldest.created_at > datetime.timedelta(days=55)
    assert oldest.events.order_by("at").first().at == oldest.created_at
    assert demo.filter(shipped_at__gt=timezone.now()).count() == 0
    history = selectors.on_time_rate(user=supervisor, period=(timezone.localdate() - datetime.timedelta(days=60),
                                                                timezone.localdate()))
    assert history.total >= 15 and 0 < history.on_time < history.total
    assert stock_problems() == []
    assert Notification.objects.count() == 0
    assert "出库单" in text

    assert orders_demo_load(actor=supervisor, customers=customers) == text
