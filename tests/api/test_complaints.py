"""Complaints through the API: a customer's integration submits, polls, reads the timeline it may
see, and accepts or rejects the warehouse's answer; never another customer's complaints."""

import pytest

from depot.service.choices import ComplaintState
from depot.service.models import Complaint, ComplaintEvent
from depot.service.services import complaint_answer, complaint_create
from tests.api.conftest import fields_of, phone_order, problem


@pytest.fixture
def submitted(api, customer):
    response = api.post("/complaints", {"category": "damage", "severity": "high", "description": "外箱破损，饼干碎了"})
    assert response.status_code == 201, response.content
    return response.json()


def complaints_state():
    return (sorted(Complaint.objects.values_list("pk", "state", "rejection_count", "escalation_level")),
            ComplaintEvent.objects.count())


def test_a_customer_submits_a_complaint_and_sees_it_received(submitted, customer):
    assert submitted["code"].startswith("TS") and submitted["customer_code"] == customer.code
    assert submitted["state"] == "open" and submitted["channel"] == "api"
    assert [e["kind"] for e in submitted["timeline"]] == ["created"]
    assert submitted["first_response_due"] < submitted["resolution_due"]


def test_a_complaint_names_the_customers_own_orders_only(api, customer, rival, specialist, other_specialist, stocked,
                                                         biscuits, rival_item):
    own = phone_order(customer, "BIS-1", specialist)
    theirs = phone_order(rival, "RIV-1", other_specialist)
    before = complaints_state()
    refused = api.post("/complaints", {"description": "错发", "order_numbers": [own.number, theirs.number]})
    assert refused.status_code == 422
    assert fields_of(problem(refused)) == {"order_numbers[2]"}
    assert complaints_state() == before
    ok = api.post("/complaints", {"description": "错发", "category": "wrong_goods", "order_numbers": [own.number]})
    assert ok.status_code == 201 and ok.json()["order_numbers"] == [own.number]


def test_bad_input_is_422_and_writes_nothing(api, customer):
    before = complaints_state()
    for body in ({"description": ""}, {"description": "x", "category": "weather"}, {"description": 5},
                 {"description": "x", "severity": "high", "priority": 1}, {}):
        response = api.post("/complaints", body)
        assert response.status_code == 422, body
        problem(response)
    assert api.post("/complaints", raw_body='{"description": ').json()["code"] == "malformed_json"
    assert complaints_state() == before


def test_the_list_polls_by_update_time_and_pages_by_cursor(api, customer, specialist, submitted):
    complaint_create(actor=specialist, customer=customer, data={"description": "电话投诉：延误"})
    page = api.get("/complaints", {"limit": 1}).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = api.get("/complaints", {"limit": 1, "cursor": page["next_cursor"]}).json()
    assert rest["next_cursor"] is None
    assert {page["items"][0]["code"], rest["items"][0]["code"]} == set(Complaint.objects.values_list("code", flat=True))
    later = api.get("/complaints", {"updated_since": "2999-01-01T00:00:00+08:00"}).json()
    assert later["items"] == []
    assert api.get("/complaints", {"cursor": "forged"}).status_code == 422


def test_the_customer_accepts_the_answer_and_the_complaint_closes(api, specialist, submitted):
    complaint = Complaint.objects.get(code=submitted["code"])
    complaint_answer(actor=specialist, complaint=complaint, answer="已补发并赔偿", root_cause="装车挤压")
    detail = api.get(f"/complaints/{submitted['code']}").json()
    assert detail["state"] == "answered" and detail["answer"] == "已补发并赔偿"
    response = api.post(f"/complaints/{submitted['code']}/accept", {"comment": "满意"})
    assert response.status_code == 200
    assert response.json()["state"] == "closed" and response.json()["closed_at"]
    again = api.post(f"/complaints/{submitted['code']}/accept", {})
    assert again.status_code == 409 and problem(again)["code"] == "illegal_transition"


def test_rejecting_the_answer_reopens_and_escalates_it(api, specialist, submitted):
    complaint = Complaint.objects.get(code=submitted["code"])
    complaint_answer(actor=specialist, complaint=complaint, answer="属正常损耗")
    assert api.post(f"/complaints/{submitted['code']}/reject", {}).status_code == 422
    response = api.post(f"/complaints/{submitted['code']}/reject", {"reason": "不是正常损耗"})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == ComplaintState.REOPENED and body["rejection_count"] == 1
    assert [e["kind"] for e in body["timeline"]][-1] == "rejected"
    complaint.refresh_from_db()
    assert complaint.escalation_level == 1


def test_the_timeline_shows_the_customer_only_what_is_meant_for_them(api, specialist, submitted):
    from depot.service.services import complaint_note_add

    complaint = Complaint.objects.get(code=submitted["code"])
    complaint_note_add(actor=specialist, complaint=complaint, note="内部：司机责任")
    notes = [e["note"] for e in api.get(f"/complaints/{submitted['code']}").json()["timeline"]]
    assert "内部：司机责任" not in notes


def test_another_customers_complaint_is_not_found(as_token, rival_token, submitted):
    rival = as_token(rival_token)
    assert rival.get(f"/complaints/{submitted['code']}").status_code == 404
    assert rival.post(f"/complaints/{submitted['code']}/accept", {}).status_code == 404
    assert rival.get("/complaints").json()["items"] == []
    assert rival.get("/complaints", {"customer_code": submitted["customer_code"]}).status_code == 404


def test_scopes_are_enforced(make_token, as_token, customer):
    read_only = as_token(make_token(customer=customer, scopes=["complaints:read"]))
    response = read_only.post("/complaints", {"description": "x"})
    assert response.status_code == 403 and problem(response)["code"] == "insufficient_scope"
    orders_only = as_token(make_token(customer=customer, scopes=["orders:read"]))
    assert orders_only.get("/complaints").status_code == 403


def test_a_staff_token_submits_for_a_customer_it_looks_after(make_token, as_token, specialist, customer, rival):
    staff = as_token(make_token(user=specialist))
    assert staff.post("/complaints", {"description": "x"}).status_code == 422
    assert staff.post("/complaints", {"description": "x", "customer_code": rival.code}).status_code == 404
    created = staff.post("/complaints", {"description": "电话里说的", "customer_code": customer.code})
    assert created.status_code == 201 and created.json()["customer_code"] == customer.code


def test_a_revoked_token_is_refused(make_token, as_token, customer, specialist):
    from depot.api.models import ApiToken
    from depot.api.services import token_revoke

    raw = make_token(customer=customer)
    token_revoke(actor=specialist, token=ApiToken.objects.get(customer=customer))
    response = as_token(raw).get("/complaints")
    assert response.status_code == 401 and problem(response)["code"] == "not_authenticated"


def test_a_huge_body_is_413_and_writes_nothing(api, customer, settings):
    settings.DEPOT_API_MAX_BODY_BYTES = 10_000
    before = complaints_state()
    response = api.post("/complaints", {"description": "很长" * 10_000})
    assert response.status_code == 413 and problem(response)["code"] == "payload_too_large"
    assert complaints_state() == before


def test_an_expired_token_is_refused(make_token, as_token, customer):
    import datetime

    from django.utils import timezone

    from depot.api.models import ApiToken

    raw = make_token(customer=customer, expires_at=timezone.now() + datetime.timedelta(hours=1))
    ApiToken.objects.filter(customer=customer).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    before = complaints_state()
    response = as_token(raw).post("/complaints", {"description": "x"})
    assert response.status_code == 401 and problem(response)["code"] == "not_authenticated"
    assert complaints_state() == before


def test_a_replayed_idempotency_key_returns_the_same_complaint(api, customer):
    body = {"description": "外箱破损", "category": "damage"}
    first = api.post("/complaints", body, headers={"Idempotency-Key": "c-2025-0301-1"})
    again = api.post("/complaints", body, headers={"Idempotency-Key": "c-2025-0301-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == first.json()["code"]
    assert Complaint.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_409_and_changes_nothing(api, customer):
    api.post("/complaints", {"description": "外箱破损"}, headers={"Idempotency-Key": "c-1"})
    before = complaints_state()
    response = api.post("/complaints", {"description": "丢件"}, headers={"Idempotency-Key": "c-1"})
    assert response.status_code == 409
    body = problem(response)
    assert body["code"] == "idempotency_conflict" and fields_of(body) == {"Idempotency-Key"}
    assert complaints_state() == before
    bad_key = api.post("/complaints", {"description": "x"}, headers={"Idempotency-Key": "键"})
    assert bad_key.status_code == 422 and fields_of(problem(bad_key)) == {"Idempotency-Key"}
    assert complaints_state() == before


def test_idempotency_keys_are_per_customer(api, as_token, rival_token, customer):
    api.post("/complaints", {"description": "外箱破损"}, headers={"Idempotency-Key": "same"})
    theirs = as_token(rival_token).post("/complaints", {"description": "外箱破损"}, headers={"Idempotency-Key": "same"})
    assert theirs.status_code == 201 and theirs.json()["customer_code"] != customer.code
