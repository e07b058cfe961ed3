"""Systems subscribed to "customer.changed" hear which fields of a customer changed, never their values."""

from depot.customers import services
from depot.notifications.choices import Status
from depot.notifications.models import Notification, WebhookEndpoint


def _subscribe(customer, *, owner=True):
    return WebhookEndpoint.objects.create(owner=customer if owner else None, url="http://127.0.0.1:9/hook",
                                          secret="s" * 32, events=["customer.changed"])


def test_profile_change_is_published_with_the_changed_fields_only(make_customer, specialist):
    customer = make_customer(specialist)
    _subscribe(customer)
    services.customer_update(actor=specialist, customer=customer, data={"address": "上海市浦东新区秘密路 8 号"})
    message = Notification.objects.get(event="customer.changed")
    assert message.payload == {"customer_code": customer.code, "changed": ["address"]}
    assert "秘密路" not in str(message.payload) and "秘密路" not in str(message.context)


def test_contact_change_is_published_without_contact_data(make_customer, specialist):
    customer = make_customer(specialist)
    _subscribe(customer)
    services.contact_save(actor=specialist, customer=customer, data={"name": "周敏", "phone": "13812345678"})
    message = Notification.objects.get(event="customer.changed")
    assert message.payload["changed"] == ["contacts"]
    assert "13812345678" not in str(message.payload)


def test_an_unchanged_save_publishes_nothing(make_customer, specialist):
    customer = make_customer(specialist)
    _subscribe(customer)
    services.customer_update(actor=specialist, customer=customer, data={"name": customer.name})
    assert not Notification.objects.filter(event="customer.changed").exists()


def test_the_warehouse_crm_gets_it_only_with_the_customers_consent(make_customer, specialist):
    customer = make_customer(specialist)
    _subscribe(customer, owner=False)
    services.customer_update(actor=specialist, customer=customer, data={"industry": "食品"})
    message = Notification.objects.get(event="customer.changed")
    assert message.status == Status.WITHHELD
