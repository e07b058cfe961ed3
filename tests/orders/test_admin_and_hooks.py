"""The back-office lists of orders, and the hook every state change calls."""

import pytest
from django.urls import reverse

from depot.orders import services
from depot.orders.choices import Channel, OutboundState
from depot.orders.models import OrderEvent, OutboundOrder
from depot.orders.services import _transitions
from tests.orders.conftest import order_data

PAGES = ["outboundorder", "inboundorder", "creditreview", "picklist", "orderexception"]


@pytest.fixture
def picking(wh, biscuits, stock, submit, keeper):
    stock(biscuits, 10, wh.loc["AMB-01"])
    order = submit([{"item_code": "BIS-1", "quantity": 3}])
    services.picklist_create(actor=keeper, orders=[order])
    order.refresh_from_db()
    return order


@pytest.mark.parametrize("user", ["specialist", "keeper", "supervisor"])
@pytest.mark.parametrize("model", PAGES)
def test_the_back_office_lists_orders_for_each_role(client, request, picking, model, user):
    client.force_login(request.getfixturevalue(user))

    response = client.get(reverse(f"admin:orders_{model}_changelist"))

    assert response.status_code == 200


def test_an_order_page_shows_its_lines_and_timeline(client, specialist, picking):
    client.force_login(specialist)

    page = client.get(reverse("admin:orders_outboundorder_change", args=[picking.pk])).content.decode()

    assert picking.number in page and "BIS-1" in page and "开始拣货" in page


def test_another_specialist_does_not_see_the_order(client, other_specialist, picking):
    client.force_login(other_specialist)

    listing = client.get(reverse("admin:orders_outboundorder_changelist")).content.decode()

    assert picking.number not in listing
    assert client.get(reverse("admin:orders_outboundorder_change", args=[picking.pk])).status_code == 404


def test_orders_are_not_deleted_in_the_back_office_and_only_cs_takes_them_in(client, admin_user, keeper, picking):
    client.force_login(keeper)
    assert client.get(reverse("admin:orders_outboundorder_add")).status_code == 403

    client.force_login(admin_user)
    assert "新建出库单" in client.get(reverse("admin:orders_outboundorder_add")).content.decode()
    response = client.post(reverse("admin:orders_outboundorder_delete", args=[picking.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert OutboundOrder.objects.filter(pk=picking.pk).exists()


@pytest.fixture
def hook(monkeypatch):
    """A transition hook recording what it is called with, removed after the test."""
    monkeypatch.setattr(_transitions, "on_transition", list(_transitions.on_transition))
    calls = []

    def record(order, event):
        calls.append((order.number, event.from_state, event.to_state,
                      OrderEvent.objects.filter(pk=event.pk).exists()))

    services.register_transition_hook(record)
    return calls


def test_every_state_change_calls_the_registered_hooks_in_its_transaction(hook, wh, biscuits, stock, specialist,
                                                                          customer):
    stock(biscuits, 10, wh.loc["AMB-01"])

    order, _ = services.outbound_submit(actor=specialist, customer=customer, data=order_data(), channel=Channel.PHONE,
                                        lines=[{"item_code": "BIS-1", "quantity": 1}])

    assert hook == [(order.number, "", OutboundState.PENDING_AUDIT, True),
                    (order.number, OutboundState.PENDING_AUDIT, OutboundState.ALLOCATED, True)]


def test_a_failing_hook_rolls_the_state_change_back(hook, wh, biscuits, stock, specialist, customer):
    def broken(order, event):
        raise RuntimeError("notification queue unavailable")

    services.register_transition_hook(broken)

    with pytest.raises(RuntimeError):
        services.outbound_submit(actor=specialist, customer=customer, data=order_data(), channel=Channel.PHONE,
                                 lines=[{"item_code": "BIS-1", "quantity": 1}], external_ref="HOOK-1")

    assert not OutboundOrder.objects.filter(external_ref="HOOK-1").exists()
