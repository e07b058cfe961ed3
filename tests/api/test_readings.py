"""Temperature and humidity readings posted by a sensor gateway with a staff token."""

import pytest

from depot.inventory.models import EnvironmentAlert, EnvironmentReading
from tests.api.conftest import fields_of, problem


@pytest.fixture
def gateway(make_token, as_token, keeper, wh):
    return as_token(make_token(user=keeper, scopes=["readings:write"]))


@pytest.fixture
def cold_zone(wh):
    from depot.inventory.models import Zone

    zone = Zone.objects.filter(warehouse__code="WH1", temperature_max__isnull=False).first()
    if zone is None:
        zone = Zone.objects.filter(warehouse__code="WH1").first()
        zone.temperature_min, zone.temperature_max = 2, 8
        zone.save()
    return zone


def state():
    return EnvironmentReading.objects.count(), EnvironmentAlert.objects.count()


def test_a_reading_in_range_is_stored(gateway, cold_zone):
    value = float(cold_zone.temperature_min) + 0.5
    response = gateway.post("/environment-readings", {"zone": cold_zone.code, "sensor_id": "S-01",
                                                      "temperature": value, "humidity": 50,
                                                      "measured_at": "2025-03-01T10:00:00"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["zone"] == cold_zone.code and body["alerts_opened"] == []
    assert body["measured_at"] == "2025-03-01T10:00:00+08:00"
    again = gateway.post("/environment-readings", {"zone": cold_zone.code, "sensor_id": "S-01",
                                                   "temperature": value, "humidity": 50,
                                                   "measured_at": "2025-03-01T10:00:00"})
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert EnvironmentReading.objects.count() == 1


def test_a_reading_out_of_range_opens_an_alert(gateway, cold_zone):
    response = gateway.post("/environment-readings", {"warehouse": "WH1", "zone": cold_zone.code,
                                                      "sensor_id": "S-01",
                                                      "temperature": float(cold_zone.temperature_max) + 5})
    assert response.status_code == 201
    assert [a["kind"] for a in response.json()["alerts_opened"]] != []
    assert EnvironmentAlert.objects.filter(zone=cold_zone).count() == 1


def test_impossible_or_malformed_readings_are_422_and_store_nothing(gateway, cold_zone):
    before = state()
    for body, field in (({"zone": cold_zone.code, "sensor_id": "S", "temperature": 500}, "temperature"),
                        ({"zone": cold_zone.code, "sensor_id": "S", "temperature": "5"}, "temperature"),
                        ({"zone": cold_zone.code, "sensor_id": "S"}, "temperature"),
                        ({"zone": "NOPE", "sensor_id": "S", "temperature": 5}, "zone"),
                        ({"zone": cold_zone.code, "temperature": 5}, "sensor_id"),
                        ({"zone": cold_zone.code, "sensor_id": "S", "temperature": 5, "battery": 80}, "battery"),
                        ({"zone": cold_zone.code, "sensor_id": "S", "temperature": 5,
                          "measured_at": "2999-01-01T00:00:00+08:00"}, "measured_at")):
        response = gateway.post("/environment-readings", body)
        assert response.status_code == 422, body
        assert field in fields_of(problem(response)), (body, response.json())
    assert state() == before


def test_customer_tokens_cannot_post_readings(api, cold_zone):
    response = api.post("/environment-readings", {"zone": cold_zone.code, "sensor_id": "S", "temperature": 5})
    assert response.status_code == 403 and problem(response)["code"] == "permission_denied"
    assert state() == (0, 0)


def test_a_staff_token_without_the_scope_or_the_permission_is_refused(make_token, as_token, specialist, keeper,
                                                                     cold_zone):
    no_scope = as_token(make_token(user=keeper, scopes=["stock:read"]))
    response = no_scope.post("/environment-readings", {"zone": cold_zone.code, "sensor_id": "S", "temperature": 5})
    assert response.status_code == 403 and problem(response)["code"] == "insufficient_scope"
    assert state() == (0, 0)
