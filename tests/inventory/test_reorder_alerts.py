"""The cargo owner hears once when an item's available stock falls below its reorder point, and
again only after it has recovered and fallen once more."""

import pytest

from depot.inventory import services
from depot.inventory.models import ReorderAlert
from depot.notifications.models import Notification, WebhookEndpoint


@pytest.fixture
def subscribed(owner):
    return WebhookEndpoint.objects.create(owner=owner, url="http://127.0.0.1:9/hook", secret="s" * 32,
                                          events=["stock.below_reorder_point"])


def told(item) -> list[dict]:
    return [n.payload for n in Notification.objects.filter(event="stock.below_reorder_point").order_by("id")
            if n.payload["item_code"] == item.code]


def test_falling_below_is_told_once_until_the_item_recovers(wh, make_item, stock, admin_user, subscribed):
    item = make_item("REO-1", reorder_point=10)
    stock(item, 12, wh.loc["AMB-01"])
    assert services.reorder_alerts_scan() == [] and told(item) == []

    services.reservation_create(actor=admin_user, item=item, quantity=5, document_type="SO", document_ref="SO-1")
    assert services.reorder_alerts_scan() == [item]
    assert told(item) == [{"item_code": "REO-1", "item_name": item.name, "available": 7, "reorder_point": 10}]
    assert services.reorder_alerts_scan() == [] and len(told(item)) == 1  # still below: not told again

    stock(item, 20, wh.loc["AMB-01"], "L2")
    assert services.reorder_alerts_scan() == [] and not ReorderAlert.objects.exists()
    services.reservation_create(actor=admin_user, item=item, quantity=25, document_type="SO", document_ref="SO-2")
    assert services.reorder_alerts_scan() == [item] and len(told(item)) == 2


def test_items_without_a_reorder_point_or_inactive_are_left_alone(wh, make_item, stock, subscribed):
    no_point = make_item("REO-2")
    stock(no_point, 1, wh.loc["AMB-01"])
    assert services.reorder_alerts_scan() == []
