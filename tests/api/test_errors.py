"""Bad input gets the right status and an application/problem+json body with field details, in
Chinese by default and in English on request, and changes nothing."""

import pytest

from depot.api.errors import PayloadTooLarge
from depot.api.limits import JsonParser
from tests.api.conftest import fields_of, order_body, problem, world_state


@pytest.fixture
def ready(stocked, customer_token):
    return stocked


def test_malformed_json_is_422_and_creates_nothing(api, ready):
    before = world_state()
    response = api.post("/outbound-orders", raw_body='{"lines": [')
    assert response.status_code == 422
    body = problem(response)
    assert body["code"] == "malformed_json"
    assert body["type"] == "urn:depot:problem:malformed_json"
    assert world_state() == before


@pytest.mark.parametrize("raw", ["", "NaN", '{"lines": [{"item_code": "BIS-1", "quantity": NaN}]}', "[" * 100_000,
                                 b"\xff\xfe{}"])
def test_bodies_that_are_not_strict_json_are_422(api, ready, raw):
    response = api.post("/outbound-orders", raw_body=raw)
    assert response.status_code == 422
    problem(response)


def test_wrong_types_are_422_with_the_fields_named(api, ready):
    before = world_state()
    response = api.post("/outbound-orders", order_body(
        allow_partial="yes", requested_ship_date="next monday",
        lines=[{"item_code": "BIS-1", "quantity": "5"}, {"item_code": 7, "quantity": 2.5}]))
    assert response.status_code == 422
    body = problem(response)
    assert fields_of(body) == {"allow_partial", "requested_ship_date", "lines[1].quantity", "lines[2].item_code",
                               "lines[2].quantity"}
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages["lines[1].quantity"] == "应为整数"
    assert world_state() == before


def test_unknown_fields_are_refused_not_ignored(api, ready):
    before = world_state()
    response = api.post("/outbound-orders", order_body(priority=0, lines=[{"item_code": "BIS-1", "quantity": 1,
                                                                          "price": "9.9"}]))
    assert response.status_code == 422
    body = problem(response)
    assert fields_of(body) == {"priority", "lines[1].price"}
    assert {e["message"] for e in body["errors"]} == {"不允许的字段"}
    assert world_state() == before


def test_a_body_that_is_not_an_object_or_missing_is_422(api, ready):
    assert api.post("/outbound-orders", raw_body="[1, 2]").status_code == 422
    response = api.post("/outbound-orders", raw_body="")
    assert response.status_code == 422
    assert problem(response)["errors"] == [{"field": None, "message": "请求体不能为空"}]


def test_an_order_without_lines_or_with_a_zero_quantity_is_422(api, ready):
    response = api.post("/outbound-orders", order_body(lines=[]))
    assert fields_of(problem(response)) == {"lines"}
    response = api.post("/outbound-orders", order_body(lines=[{"item_code": "BIS-1", "quantity": 0}]))
    assert fields_of(problem(response)) == {"lines[1].quantity"}


def test_a_service_validation_error_keeps_its_field_details(api, ready):
    response = api.post("/outbound-orders", order_body(requested_ship_date="2001-01-01"))
    assert response.status_code == 422
    body = problem(response)
    assert body["code"] == "validation_failed"
    assert fields_of(body) == {"requested_ship_date"}


def test_a_body_over_one_megabyte_is_413_and_nothing_is_read(api, ready):
    before = world_state()
    huge = '{"note": "' + "x" * (1024 * 1024) + '", "lines": []}'
    response = api.post("/outbound-orders", raw_body=huge)
    assert response.status_code == 413
    assert problem(response)["code"] == "payload_too_large"
    assert world_state() == before


def test_a_body_over_the_limit_is_refused_even_when_its_declared_length_lies(rf, settings):
    settings.DEPOT_API_MAX_BODY_BYTES = 1000
    request = rf.post("/api/v1/outbound-orders", '{"note": "' + "x" * 2000 + '"}', content_type="application/json")
    with pytest.raises(PayloadTooLarge):
        JsonParser().parse_body(request)


def test_a_csrf_checking_client_can_still_post(client, ready, customer_token):
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/v1/outbound-orders", order_body(), content_type="application/json",
                           headers={"Authorization": f"Bearer {customer_token}"})
    assert response.status_code == 201


def test_a_bad_query_parameter_is_422_with_the_parameter_named(api, ready):
    for params, field in [({"limit": "many"}, "limit"), ({"limit": 1000}, "limit"), ({"group_by": "zone"}, "group_by"),
                          ({"expiring_within_days": -1}, "expiring_within_days"),
                          ({"updated_since": "yesterday"}, "updated_since")]:
        response = api.get("/stock", params)
        assert response.status_code == 422, params
        assert fields_of(problem(response)) == {field}


def test_a_tampered_cursor_is_422(api, ready):
    response = api.get("/items", {"cursor": "abc"})
    assert response.status_code == 422
    assert fields_of(problem(response)) == {"cursor"}


def test_an_unknown_path_is_a_problem_404(api):
    response = api.get("/warehouses")
    assert response.status_code == 404
    problem(response)


def test_errors_are_in_english_when_asked(as_token, customer_token, ready):
    api = as_token(customer_token, language="en")
    response = api.post("/outbound-orders", order_body(lines=[{"item_code": "BIS-1", "quantity": "x", "oops": 1}]))
    body = problem(response)
    assert response["Content-Language"] == "en"
    assert body["title"] == "Invalid input"
    assert {e["message"] for e in body["errors"]} == {"Must be an integer", "Field not allowed"}

    response = as_token(None, language="en").get("/stock")
    assert problem(response)["title"] == "Not authenticated"


def test_errors_are_in_chinese_by_default(api, ready):
    response = api.get("/outbound-orders/CK000000")
    body = problem(response)
    assert response["Content-Language"] == "zh-hans"
    assert body["title"] == "记录不存在"


def test_a_wrong_method_is_a_problem_405(api, ready):
    response = api.client.delete("/api/v1/stock", headers=api.headers())
    assert response.status_code == 405
    assert problem(response)["code"] == "method_not_allowed"
    assert response["Allow"] == "GET"
