"""Outbound orders through the API: submit with an Idempotency-Key, read, list, poll, timeline,
cancel — a customer token only ever reaches its own customer's orders."""

import pytest
from django.utils import timezone

from depot.orders.choices import Channel, OutboundState
from depot.orders.models import OrderEvent, OutboundOrder
from tests.api.conftest import fields_of, order_body, phone_order, problem, world_state


def submit(api, body=None, key="K-1"):
    return api.post("/outbound-orders", body or order_body(), headers={"Idempotency-Key": key} if key else {})


def test_submitting_an_order_creates_and_allocates_it(api, stocked, customer):
    response = submit(api, order_body(external_ref="PO-1001", note="轻放"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "allocated" and body["state_label"] == "已分配"
    assert body["customer_code"] == customer.code and body["channel"] == "api" and body["external_ref"] == "PO-1001"
    assert body["lines"] == [{"line_no": 1, "item_code": "BIS-1", "item_name": "苏打饼干", "quantity": 5,
                              "allocated": 5, "short": 0, "picked": 0, "shipped": 0}]
    assert body["consignee_phone"] == "13800138000" and body["total_value"] == "50.00"
    assert body["created_at"].endswith("+08:00")
    order = OutboundOrder.objects.get(number=body["number"])
    assert order.customer == customer and order.channel == Channel.API and order.idempotency_key == "K-1"
    assert order.created_by.username == f"api-{customer.code}"


def test_a_replayed_submission_returns_the_same_order_and_changes_nothing(api, stocked):
    first = submit(api)
    before = world_state()
    again = submit(api)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert world_state() == before


def test_the_same_key_with_a_different_body_is_409_and_changes_nothing(api, stocked):
    first = submit(api).json()
    before = world_state()
    response = submit(api, order_body(lines=[{"item_code": "BIS-1", "quantity": 6}]))
    assert response.status_code == 409
    body = problem(response)
    assert body["code"] == "idempotency_conflict" and body["existing_number"] == first["number"]
    assert fields_of(body) == {"Idempotency-Key"}
    assert world_state() == before


def test_the_same_key_with_another_customer_reference_is_409(api, stocked):
    submit(api, order_body(external_ref="PO-1"))
    before = world_state()
    response = submit(api, order_body(external_ref="PO-2"))
    assert response.status_code == 409
    assert world_state() == before


def test_a_customer_reference_reused_for_a_different_order_is_409(api, stocked):
    submit(api, order_body(external_ref="PO-7"), key=None)
    response = submit(api, order_body(external_ref="PO-7", city="杭州市"), key=None)
    assert response.status_code == 409
    assert fields_of(problem(response)) == {"external_ref"}
    assert OutboundOrder.objects.filter(external_ref="PO-7").count() == 1


def test_keys_belong_to_one_customer(api, as_token, rival_token, stocked):
    mine = submit(api).json()
    theirs = submit(as_token(rival_token), order_body(lines=[{"item_code": "RIV-1", "quantity": 1}]))
    assert theirs.status_code == 201 and theirs.json()["number"] != mine["number"]


def test_an_overlong_or_binary_key_is_422(api, stocked):
    response = submit(api, key="k" * 101)
    assert response.status_code == 422
    assert fields_of(problem(response)) == {"Idempotency-Key"}
    assert not OutboundOrder.objects.filter(channel=Channel.API).exists()


def test_an_order_the_stock_cannot_cover_is_accepted_and_held_with_the_reason(api, stocked):
    response = submit(api, order_body(lines=[{"item_code": "BIS-1", "quantity": 1000}]))
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "held" and "库存不足" in body["hold_reason"]


def test_an_order_with_an_unknown_item_is_accepted_as_incomplete_listing_what_is_missing(api, stocked):
    response = submit(api, order_body(lines=[{"item_code": "NOPE-9", "quantity": 1}]))
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "incomplete" and any("NOPE-9" in m for m in body["missing"])


def test_an_order_for_another_customers_item_code_never_uses_their_stock(api, stocked):
    body = submit(api, order_body(lines=[{"item_code": "RIV-1", "quantity": 1}])).json()
    assert body["state"] == "incomplete"
    assert body["lines"][0]["item_name"] is None


def test_a_customer_token_cannot_order_for_another_customer(api, stocked, rival):
    before = world_state()
    response = submit(api, order_body(customer_code=rival.code))
    assert response.status_code == 404
    assert world_state() == before


def test_a_staff_token_orders_for_a_customer_it_names(as_token, make_token, specialist, stocked, customer, rival):
    staff = as_token(make_token(user=specialist))
    response = submit(staff, order_body())
    assert response.status_code == 422 and fields_of(problem(response)) == {"customer_code"}

    response = submit(staff, order_body(customer_code=customer.code))
    assert response.status_code == 201
    assert OutboundOrder.objects.get(number=response.json()["number"]).created_by == specialist

    assert submit(staff, order_body(customer_code=rival.code), key="K-2").status_code == 404


def test_reading_an_order_shows_lines_tracking_and_times(api, stocked):
    number = submit(api).json()["number"]
    OutboundOrder.objects.filter(number=number).update(carrier="顺丰", tracking_number="SF1234567890")
    body = api.get(f"/outbound-orders/{number}").json()
    assert body["number"] == number and body["tracking_number"] == "SF1234567890" and body["carrier"] == "顺丰"
    assert body["allocated_at"] and body["shipped_at"] is None


def test_another_customers_order_number_is_404_never_the_data(api, stocked, rival, other_specialist):
    theirs = phone_order(rival, "RIV-1", other_specialist)
    for path in (f"/outbound-orders/{theirs.number}", f"/outbound-orders/{theirs.number}/events"):
        response = api.get(path)
        assert response.status_code == 404
        assert theirs.number not in response.content.decode()
    before = world_state()
    assert api.post(f"/outbound-orders/{theirs.number}/cancel", {"reason": "试试"}).status_code == 404
    assert world_state() == before


def test_the_list_shows_the_customers_orders_by_update_time(api, stocked, specialist, customer, rival,
                                                            other_specialist):
    phone = phone_order(customer, "BIS-1", specialist)
    phone_order(rival, "RIV-1", other_specialist)
    mine = submit(api).json()
    page = api.get("/outbound-orders").json()
    numbers = [o["number"] for o in page["items"]]
    assert numbers[-2:] == [phone.number, mine["number"]]
    assert all(o["customer_code"] == customer.code for o in page["items"])
    assert "lines" not in page["items"][0] and page["next_cursor"] is None


def test_the_list_filters_by_state(api, stocked):
    submit(api)
    submit(api, order_body(lines=[{"item_code": "BIS-1", "quantity": 1000}]), key="K-2")
    held = api.get("/outbound-orders", {"state": "held"}).json()["items"]
    assert [o["state"] for o in held] == ["held"]
    both = api.get("/outbound-orders?state=held&state=allocated").json()["items"]
    assert {o["state"] for o in both} == {"held", "allocated"}
    assert api.get("/outbound-orders", {"state": "lost"}).status_code == 422


def test_polling_with_updated_since_returns_orders_changed_since(api, stocked, specialist):
    old = submit(api).json()["number"]
    submit(api, key="K-2")
    mark = timezone.now()
    assert api.get("/outbound-orders", {"updated_since": mark.isoformat()}).json()["items"] == []
    api.post(f"/outbound-orders/{old}/cancel", {"reason": "客户改单"})
    changed = api.get("/outbound-orders", {"updated_since": mark.isoformat()}).json()["items"]
    assert [(o["number"], o["state"]) for o in changed] == [(old, "cancelled")]


def test_list_pages_are_stable_when_orders_arrive_meanwhile(api, stocked):
    for n in range(5):
        submit(api, key=f"K-{n}")
    first = api.get("/outbound-orders", {"limit": 2}).json()
    submit(api, key="K-late")
    seen, cursor = [o["number"] for o in first["items"]], first["next_cursor"]
    while cursor:
        page = api.get("/outbound-orders", {"limit": 2, "cursor": cursor}).json()
        seen += [o["number"] for o in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == OutboundOrder.objects.filter(channel=Channel.API).count() + 1


def test_a_cursor_of_one_list_does_not_work_on_another(api, stocked):
    for n in range(3):
        submit(api, key=f"K-{n}")
    cursor = api.get("/outbound-orders", {"limit": 1}).json()["next_cursor"]
    assert api.get("/inbound-orders", {"cursor": cursor}).status_code == 422


def test_the_customer_sees_the_customer_timeline_without_internal_notes(api, as_token, make_token, stocked,
                                                                         supervisor):
    number = submit(api).json()["number"]
    OrderEvent.objects.filter(outbound__number=number).update(internal_note="内部：客户信用良好")
    OrderEvent.objects.create(outbound=OutboundOrder.objects.get(number=number), from_state="allocated",
                              to_state="allocated", note="仅内部", visible_to_customer=False)
    events = api.get(f"/outbound-orders/{number}/events").json()
    assert [e["to_state"] for e in events] == ["pending_audit", "allocated"]
    assert all(e["internal_note"] is None and e["actor"] is None for e in events)
    assert events[0]["to_label"] == "待审核"

    staff_events = as_token(make_token(user=supervisor)).get(f"/outbound-orders/{number}/events").json()
    assert len(staff_events) == 3 and staff_events[0]["internal_note"] == "内部：客户信用良好"


def test_cancelling_releases_the_reserved_stock(api, stocked):
    number = submit(api).json()["number"]
    response = api.post(f"/outbound-orders/{number}/cancel", {"reason": "客户取消"})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "cancelled" and body["cancel_reason"] == "客户取消" and body["cancelled_at"]
    [row] = api.get("/stock", {"item_code": "BIS-1"}).json()["items"]
    assert row["reserved"] == 0


def test_cancelling_twice_is_409_and_changes_nothing(api, stocked):
    number = submit(api).json()["number"]
    api.post(f"/outbound-orders/{number}/cancel", {"reason": "客户取消"})
    before = world_state()
    response = api.post(f"/outbound-orders/{number}/cancel", {"reason": "再取消"})
    assert response.status_code == 409
    assert problem(response)["code"] == "illegal_transition"
    assert world_state() == before


def test_a_shipped_order_cannot_be_cancelled(api, stocked):
    number = submit(api).json()["number"]
    OutboundOrder.objects.filter(number=number).update(state=OutboundState.SHIPPED)
    before = world_state()
    assert api.post(f"/outbound-orders/{number}/cancel", {"reason": "晚了"}).status_code == 409
    assert world_state() == before


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x", "force": True}, {"reason": 5}])
def test_cancelling_needs_a_reason_and_nothing_else(api, stocked, body):
    number = submit(api).json()["number"]
    response = api.post(f"/outbound-orders/{number}/cancel", body)
    assert response.status_code == 422
    assert OutboundOrder.objects.get(number=number).state == OutboundState.ALLOCATED


def test_reading_tokens_cannot_submit_or_cancel(as_token, make_token, customer, stocked):
    reader = as_token(make_token(customer=customer, scopes=["orders:read"]))
    before = world_state()
    assert submit(reader).status_code == 403
    assert reader.post("/outbound-orders/CK1/cancel", {"reason": "x"}).status_code == 403
    assert world_state() == before


def test_the_order_list_and_page_take_a_bounded_number_of_queries(api, stocked, django_assert_max_num_queries):
    numbers = [submit(api, order_body(lines=[{"item_code": "BIS-1", "quantity": 1},
                                             {"item_code": "MILK-1", "quantity": 1}]), key=f"K-{n}").json()["number"]
               for n in range(12)]
    with django_assert_max_num_queries(7):
        assert len(api.get("/outbound-orders", {"limit": 200}).json()["items"]) >= 12
    with django_assert_max_num_queries(8):
        assert len(api.get(f"/outbound-orders/{numbers[0]}").json()["lines"]) == 2
    with django_assert_max_num_queries(9):
        assert api.get(f"/outbound-orders/{numbers[0]}/events").status_code == 200
