"""The demo: an incident in every state and delay notices in the orders' timelines, nobody told."""

from depot.customers.choices import Status
from depot.incidents.choices import IncidentState
from depot.incidents.demo import incidents_demo_load
from depot.incidents.models import DelayNotice, Incident
from depot.inventory.checks import stock_problems
from depot.inventory.demo import inventory_demo_load
from depot.notifications.models import Notification
from depot.orders.demo import orders_demo_load


def test_the_demo_has_incidents_in_every_state_and_a_few_delay_notices(make_customer, admin_user, supervisor,
                                                                        keeper, specialist):
    customers = [make_customer(admin_user, status=Status.ACTIVE, owner=specialist) for _ in range(5)]
    inventory_demo_load(actor=supervisor, customers=customers)
    orders_demo_load(actor=supervisor, customers=customers)

    text = incidents_demo_load(actor=supervisor, customers=customers)

    assert set(Incident.objects.values_list("state", flat=True)) == set(IncidentState.values)
    assert DelayNotice.objects.count() >= 2
    assert all(n.order_event_id for n in DelayNotice.objects.all())
    assert Incident.objects.filter(stock_posted_at__isnull=False).count() >= 5
    assert Notification.objects.count() == 0
    assert stock_problems() == []
    assert "货损货丢演示数据" in text
    assert incidents_demo_load(actor=supervisor, customers=customers) == text
