"""Inbound orders (ASN) through the API: create with an Idempotency-Key, read, list, timeline."""

from depot.orders import services as orders
from depot.orders.choices import Channel, InboundState
from depot.orders.models import InboundOrder
from tests.api.conftest import asn_body, fields_of, problem, world_state


def create(api, body=None, key="A-1"):
    return api.post("/inbound-orders", body or asn_body(), headers={"Idempotency-Key": key} if key else {})


def test_an_asn_is_recorded_as_notified(api, stocked, customer):
    response = create(api, asn_body(external_ref="ASN-1", carrier="德邦", expected_date=None))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "notified" and body["warehouse"] == "WH1" and body["carrier"] == "德邦"
    assert body["lines"] == [{"line_no": 1, "item_code": "BIS-1", "item_name": "苏打饼干", "expected_quantity": 100,
                              "lot_number": "B9", "received_good": 0, "received_damaged": 0, "put_away": 0}]
    order = InboundOrder.objects.get(number=body["number"])
    assert order.customer == customer and order.channel == Channel.API


def test_a_replayed_asn_returns_the_same_order_and_a_different_one_is_409(api, stocked):
    first = create(api).json()
    before = world_state()
    again = create(api)
    assert again.status_code == 200 and again.json() == first
    response = create(api, asn_body(lines=[{"item_code": "BIS-1", "quantity": 99}]))
    assert response.status_code == 409
    assert problem(response)["existing_number"] == first["number"]
    assert world_state() == before


def test_an_asn_with_an_item_the_customer_has_not_registered_is_422_and_creates_nothing(api, stocked):
    before = world_state()
    response = create(api, asn_body(lines=[{"item_code": "BIS-1", "quantity": 1},
                                           {"item_code": "RIV-1", "quantity": 1}]))
    assert response.status_code == 422
    assert fields_of(problem(response)) == {"lines[2].item_code"}
    assert world_state() == before


def test_an_asn_for_an_unknown_warehouse_is_422(api, stocked):
    response = create(api, asn_body(warehouse="WH9"))
    assert response.status_code == 422 and fields_of(problem(response)) == {"warehouse"}


def test_an_asn_with_unknown_fields_or_wrong_types_is_422(api, stocked):
    response = create(api, asn_body(dock="3", lines=[{"item_code": "BIS-1", "quantity": -1}]))
    assert response.status_code == 422
    assert fields_of(problem(response)) == {"dock", "lines[1].quantity"}
    assert not InboundOrder.objects.exists()


def test_reading_listing_and_the_timeline_of_inbound_orders(api, stocked, keeper, customer):
    number = create(api).json()["number"]
    order = InboundOrder.objects.get(number=number)
    orders.inbound_receive(actor=keeper, order=order, receipts=[
        {"line": order.lines.get().pk, "quantity_good": 98, "quantity_damaged": 2, "lot_number": "B9"}])

    body = api.get(f"/inbound-orders/{number}").json()
    assert body["state"] == "received"
    assert (body["lines"][0]["received_good"], body["lines"][0]["received_damaged"]) == (98, 2)
    listed = api.get("/inbound-orders", {"state": "received"}).json()["items"]
    assert [o["number"] for o in listed] == [number]
    assert api.get("/inbound-orders", {"state": "put_away"}).json()["items"] == []
    events = api.get(f"/inbound-orders/{number}/events").json()
    assert [e["to_state"] for e in events] == [InboundState.NOTIFIED, InboundState.RECEIVED]


def test_another_customers_inbound_order_is_404(api, as_token, rival_token, stocked):
    theirs = create(as_token(rival_token), asn_body(lines=[{"item_code": "RIV-1", "quantity": 5}])).json()["number"]
    assert api.get(f"/inbound-orders/{theirs}").status_code == 404
    assert api.get(f"/inbound-orders/{theirs}/events").status_code == 404
    assert api.get("/inbound-orders").json()["items"] == []


def test_the_inbound_list_takes_a_bounded_number_of_queries(api, stocked, django_assert_max_num_queries):
    for n in range(10):
        create(api, key=f"A-{n}")
    with django_assert_max_num_queries(7):
        assert len(api.get("/inbound-orders", {"limit": 200}).json()["items"]) == 10
