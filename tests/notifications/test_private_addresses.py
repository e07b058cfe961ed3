"""A customer's webhook may not point into the warehouse's own machine or network: refused when
registered, and not sent if the name resolves to such an address later."""

import socket

import pytest

from depot.core.errors import ValidationFailed
from depot.notifications.choices import Channel, Status
from depot.notifications.models import WebhookEndpoint
from depot.notifications.sending import private_address_problem
from depot.notifications.services import notification_enqueue
from tests.notifications.helpers import run_jobs

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/hook", "http://localhost/hook", "https://10.1.2.3/hook", "http://192.168.1.20/x",
    "http://169.254.169.254/latest/meta-data", "http://[::1]/hook", "http://api.localhost/hook",
])
def test_private_and_local_addresses_are_refused(url):
    assert private_address_problem(url, resolve=False) == "不能使用本机或内网地址"


def test_public_addresses_pass():
    assert private_address_problem("https://8.8.8.8/hook", resolve=False) == ""
    assert private_address_problem("https://crm.example.com/hook", resolve=False) == ""


def test_a_customer_cannot_register_an_internal_address(settings, customer, make_endpoint):
    settings.DEPOT_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationFailed) as caught:
        make_endpoint("http://10.0.0.5/hook", owner=customer)
    assert caught.value.details == {"url": ["不能使用本机或内网地址"]}
    assert not WebhookEndpoint.objects.exists()


def test_the_warehouse_may_register_its_own_internal_receiver(settings, make_endpoint):
    settings.DEPOT_WEBHOOK_ALLOW_PRIVATE = False
    endpoint, _secret = make_endpoint("http://10.0.0.5/hook", owner=None)
    assert endpoint.pk


def test_a_name_resolving_to_this_machine_is_not_called(settings, monkeypatch, customer, make_endpoint,
                                                        webhook_receiver):
    settings.DEPOT_WEBHOOK_ALLOW_PRIVATE = False
    endpoint, _secret = make_endpoint(webhook_receiver.url.replace("127.0.0.1", "erp.customer.test"),
                                      owner=customer)
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: (
        [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0))] if host == "erp.customer.test"
        else real(host, *a, **k)))
    notification = notification_enqueue(event="order.shipped", customer=customer, channel=Channel.WEBHOOK,
                                        recipient=endpoint, payload={"order_no": "SO-1"})
    run_jobs()
    notification.refresh_from_db()
    assert webhook_receiver.requests == []
    assert notification.status != Status.DELIVERED
    assert notification.delivery_attempts.get().error == "不能使用本机或内网地址"
