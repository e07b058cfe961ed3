"""Webhook endpoints registered through the API: the customer's own, for its own events, the
secret shown once; another customer's endpoint is not found."""

import pytest

from depot.notifications.models import Notification, WebhookEndpoint
from depot.notifications.selectors import endpoints_for
from tests.api.conftest import fields_of, problem


@pytest.fixture
def registered(api):
    response = api.post("/webhooks", {"url": "https://erp.example.cn/depot", "events": ["order.status_changed",
                                                                                        "complaint.updated"],
                                      "name": "ERP"})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_customer_registers_an_endpoint_and_gets_the_secret_once(api, registered, customer):
    assert registered["secret"].startswith("whsec_")
    endpoint = WebhookEndpoint.objects.get(pk=registered["id"])
    assert endpoint.owner == customer and endpoint.secret == registered["secret"]
    listed = api.get("/webhooks").json()["items"]
    assert [e["url"] for e in listed] == ["https://erp.example.cn/depot"]
    assert "secret" not in listed[0]
    assert list(endpoints_for(event="complaint.updated", customer=customer)) == [endpoint]


def test_the_endpoint_receives_the_customers_complaint_updates(api, registered, customer):
    api.post("/complaints", {"description": "破损"})
    sent = Notification.objects.filter(event="complaint.updated", endpoint_id=registered["id"])
    assert sent.count() == 1 and sent.get().customer == customer


def test_rotating_gives_a_new_secret(api, registered):
    response = api.post(f"/webhooks/{registered['id']}/rotate-secret")
    assert response.status_code == 200
    new = response.json()["secret"]
    assert new != registered["secret"] and WebhookEndpoint.objects.get(pk=registered["id"]).secret == new


def test_deleting_stops_deliveries_and_hides_it(api, registered, customer):
    assert api.client.delete(f"/api/v1/webhooks/{registered['id']}", headers=api.headers()).status_code == 204
    assert api.get("/webhooks").json()["items"] == []
    assert not WebhookEndpoint.objects.get(pk=registered["id"]).active
    assert list(endpoints_for(event="complaint.updated", customer=customer)) == []
    again = api.client.delete(f"/api/v1/webhooks/{registered['id']}", headers=api.headers())
    assert again.status_code == 404


def test_another_customers_endpoint_is_not_found(as_token, rival_token, registered):
    rival = as_token(rival_token)
    assert rival.post(f"/webhooks/{registered['id']}/rotate-secret").status_code == 404
    assert rival.client.delete(f"/api/v1/webhooks/{registered['id']}", headers=rival.headers()).status_code == 404
    assert rival.get("/webhooks").json()["items"] == []
    assert WebhookEndpoint.objects.get(pk=registered["id"]).active


def test_bad_registrations_are_422_and_write_nothing(api, registered):
    before = list(WebhookEndpoint.objects.values_list("pk", "url", "events", "active"))
    cases = [
        ({"url": "ftp://x.example.cn", "events": ["order.status_changed"]}, {"url"}),
        ({"url": "https://a.example.cn", "events": ["order.status_changed", "payroll.paid"]}, {"events[2]"}),
        ({"url": "https://a.example.cn", "events": []}, {"events"}),
        ({"url": "https://a.example.cn", "events": "order.status_changed"}, {"events"}),
        ({"url": "https://erp.example.cn/depot", "events": ["order.shipped"]}, {"url"}),
        ({"url": "https://a.example.cn", "events": ["order.shipped"], "owner": 1}, {"owner"}),
    ]
    for body, fields in cases:
        response = api.post("/webhooks", body)
        assert response.status_code == 422, body
        assert fields_of(problem(response)) == fields, body
    assert list(WebhookEndpoint.objects.values_list("pk", "url", "events", "active")) == before


def test_a_customer_has_at_most_ten_endpoints(api):
    for n in range(10):
        response = api.post("/webhooks", {"url": f"https://h{n}.example.cn", "events": ["order.shipped"]})
        assert response.status_code == 201
    response = api.post("/webhooks", {"url": "https://h11.example.cn", "events": ["order.shipped"]})
    assert response.status_code == 422 and fields_of(problem(response)) == {"url"}


def test_staff_tokens_and_tokens_without_the_scope_cannot_manage_endpoints(make_token, as_token, specialist,
                                                                           customer):
    staff = as_token(make_token(user=specialist))
    response = staff.post("/webhooks", {"url": "https://a.example.cn", "events": ["order.shipped"]})
    assert response.status_code == 403 and problem(response)["code"] == "permission_denied"
    narrow = as_token(make_token(customer=customer, scopes=["orders:read"]))
    response = narrow.get("/webhooks")
    assert response.status_code == 403 and problem(response)["code"] == "insufficient_scope"
