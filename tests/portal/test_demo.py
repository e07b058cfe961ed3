"""The demo gives the first active customers with stock a portal login."""

from django.contrib.auth import get_user_model

from depot.portal.demo import PASSWORD, portal_demo_load
from depot.portal.models import PortalAccount


def test_the_demo_creates_portal_logins_for_customers_with_stock(client, supervisor, stocked, customer, rival,
                                                               make_customer):
    empty = make_customer(supervisor, name="空仓商贸有限公司")

    text = portal_demo_load(actor=supervisor, customers=[customer, rival, empty])

    accounts = PortalAccount.objects.order_by("user__username")
    assert {a.customer for a in accounts} == {customer, rival}
    assert "kehu1" in text and PASSWORD in text
    assert client.post("/portal/login/", {"username": "kehu1", "password": PASSWORD}).status_code == 302
    assert portal_demo_load(actor=supervisor, customers=[customer, rival]) == ""
    assert get_user_model().objects.filter(username__startswith="kehu").count() == 2
