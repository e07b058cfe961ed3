import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.core.audit import audit_history
from depot.core.errors import IllegalTransition, PermissionDenied, ValidationFailed
from depot.inventory import selectors_custody, services
from depot.inventory.choices import AlertKind, AlertState, InspectionResult, ReadingSource, TemperatureClass
from depot.inventory.models import EnvironmentAlert, EnvironmentReading, Inspection, InspectionPlan
from tests.inventory.helpers import days


def plan_for(supervisor, keeper, wh, *, next_due, zone="COLD", frequency=7, **data):
    return services.inspection_plan_create(actor=supervisor, warehouse=wh.warehouse, data={
        "title": "冷藏区周检", "zone": wh.zones[zone] if zone else None, "frequency_days": frequency,
        "checklist": "温度计读数\n货物有无结霜", "next_due": next_due, "responsible": keeper, **data})


@pytest.fixture
def cold(wh, admin_user):
    return services.zone_update(actor=admin_user, zone=wh.zones["COLD"], data={
        "temperature_min": Decimal(2), "temperature_max": Decimal(8),
        "humidity_min": Decimal(45), "humidity_max": Decimal(75)})


# --- inspections -------------------------------------------------------------------------------


def test_an_inspection_plan_covers_a_zone_or_a_storage_class(supervisor, keeper, wh):
    by_zone = plan_for(supervisor, keeper, wh, next_due=days(0))
    by_class = plan_for(supervisor, keeper, wh, next_due=days(3), zone=None, storage_class=TemperatureClass.FROZEN)
    assert by_zone.scope_label == str(wh.zones["COLD"])
    assert "冷冻" in by_class.scope_label
    assert audit_history(by_zone)


@pytest.mark.parametrize("data", [
    {"zone": None},
    {"storage_class": TemperatureClass.COLD},
    {"frequency_days": 0},
])
def test_an_inspection_plan_needs_exactly_one_scope_and_a_frequency(supervisor, keeper, wh, data):
    with pytest.raises(ValidationFailed):
        plan_for(supervisor, keeper, wh, next_due=days(0), **data)
    assert not InspectionPlan.objects.exists()


def test_an_inspection_plan_of_a_zone_in_another_warehouse_is_refused(supervisor, keeper, wh, admin_user):
    from tests.inventory.helpers import build_warehouse

    other = build_warehouse(admin_user, code="WH2", storage_per_zone=1)
    with pytest.raises(ValidationFailed) as exc:
        services.inspection_plan_create(actor=supervisor, warehouse=other.warehouse, data={
            "title": "错仓", "zone": wh.zones["AMB"], "frequency_days": 7, "checklist": "x", "next_due": days(0),
            "responsible": keeper})
    assert "zone" in exc.value.details


def test_recording_a_due_inspection_moves_the_next_due_date_one_period_on(supervisor, keeper, wh):
    plan = plan_for(supervisor, keeper, wh, next_due=days(-3))
    inspection = services.inspection_record(actor=keeper, plan=plan, result=InspectionResult.OK)
    plan.refresh_from_db()
    assert inspection.due_date == days(-3) and inspection.done_by == keeper
    assert plan.next_due == timezone.localdate() + datetime.timedelta(days=7)


def test_an_inspection_with_issues_keeps_its_findings(supervisor, keeper, wh):
    plan = plan_for(supervisor, keeper, wh, next_due=days(0))
    services.inspection_record(actor=keeper, plan=plan, result=InspectionResult.ISSUES, findings="C-02货架结霜")
    assert Inspection.objects.get().findings == "C-02货架结霜"


def test_an_inspection_on_a_plan_that_is_not_due_is_refused_and_changes_nothing(supervisor, keeper, wh):
    plan = plan_for(supervisor, keeper, wh, next_due=days(2))
    with pytest.raises(IllegalTransition) as exc:
        services.inspection_record(actor=keeper, plan=plan, result=InspectionResult.OK)
    assert "尚未到期" in str(exc.value)
    plan.refresh_from_db()
    assert plan.next_due == days(2) and not Inspection.objects.exists()


@pytest.mark.parametrize("kwargs", [
    {"result": InspectionResult.ISSUES, "findings": " "},
    {"result": "maybe"},
    {"result": InspectionResult.OK, "done_at": timezone.now() + datetime.timedelta(hours=2)},
])
def test_an_incomplete_inspection_result_is_refused_and_changes_nothing(supervisor, keeper, wh, kwargs):
    plan = plan_for(supervisor, keeper, wh, next_due=days(0))
    with pytest.raises(ValidationFailed):
        services.inspection_record(actor=keeper, plan=plan, **kwargs)
    plan.refresh_from_db()
    assert plan.next_due == days(0) and not Inspection.objects.exists()


def test_a_cs_specialist_cannot_record_an_inspection(supervisor, keeper, specialist, wh):
    plan = plan_for(supervisor, keeper, wh, next_due=days(0))
    with pytest.raises(PermissionDenied):
        services.inspection_record(actor=specialist, plan=plan, result=InspectionResult.OK)


def test_plans_due_lists_overdue_and_due_plans_but_not_future_ones(supervisor, keeper, wh):
    plan_for(supervisor, keeper, wh, next_due=days(-2), title="逾期")
    plan_for(supervisor, keeper, wh, next_due=days(0), title="今天")
    plan_for(supervisor, keeper, wh, next_due=days(5), title="下周")
    due = selectors_custody.inspection_plans_due(user=keeper)
    assert [(p.title, p.overdue) for p in due] == [("逾期", True), ("今天", False)]


# --- readings and alerts -----------------------------------------------------------------------


def test_a_reading_within_the_zones_range_opens_no_alert(keeper, cold):
    reading = services.reading_record(actor=keeper, zone=cold, temperature=Decimal("5.2"), humidity=60)
    assert reading.opened_alerts == [] and reading.humidity == Decimal("60.0")
    assert not EnvironmentAlert.objects.exists()


def test_a_reading_outside_the_range_opens_an_alert_listing_the_stock_there(
        wh, keeper, specialist, other_specialist, cold, make_item, other_owner, stock):
    milk = make_item("MILK", name="鲜牛奶", storage_class=TemperatureClass.COLD)
    vaccine = make_item("VAC", owner=other_owner, name="疫苗", storage_class=TemperatureClass.COLD)
    stock(milk, 30, wh.loc["COLD-01"], "M1")
    stock(milk, 12, wh.loc["COLD-02"], "M2")
    stock(vaccine, 5, wh.loc["COLD-02"], "V1")

    reading = services.reading_record(actor=keeper, zone=cold, temperature=Decimal("9.5"), humidity=Decimal(50))
    alert = reading.opened_alerts[0]
    assert (alert.kind, alert.state, alert.value, alert.limit) == (AlertKind.TOO_HOT, AlertState.OPEN,
                                                                  Decimal("9.5"), Decimal(8))
    stock(milk, 8, wh.loc["COLD-03"], "M3")  # arrived after the reading: not affected

    def lines(user):
        return [(a.item.code, a.lot.lot_number, a.quantity)
                for a in selectors_custody.alert_affected_stock(user=user, alert=alert)]

    assert sorted(lines(keeper)) == [("MILK", "M1", 30), ("MILK", "M2", 12), ("VAC", "V1", 5)]
    assert lines(specialist) == [("MILK", "M1", 30), ("MILK", "M2", 12)]
    assert lines(other_specialist) == [("VAC", "V1", 5)]


def test_further_readings_outside_the_range_count_on_the_open_alert(keeper, cold):
    first = services.reading_record(actor=keeper, zone=cold, temperature=Decimal(1),
                                    measured_at=timezone.now() - datetime.timedelta(minutes=30))
    second = services.reading_record(actor=keeper, zone=cold, temperature=Decimal("0.5"))
    alert = EnvironmentAlert.objects.get()
    assert (alert.kind, alert.readings_count, alert.reading, alert.last_reading) == (
        AlertKind.TOO_COLD, 2, first, second)
    assert second.opened_alerts == []


def test_a_reading_both_too_hot_and_too_humid_opens_two_alerts(keeper, cold):
    reading = services.reading_record(actor=keeper, zone=cold, temperature=12, humidity=90)
    assert {a.kind for a in reading.opened_alerts} == {AlertKind.TOO_HOT, AlertKind.TOO_HUMID}


def test_a_value_on_the_limit_is_within_range(keeper, cold):
    services.reading_record(actor=keeper, zone=cold, temperature=8, humidity=45)
    assert not EnvironmentAlert.objects.exists()


@pytest.mark.parametrize("kwargs, field", [
    ({"temperature": Decimal("80.1")}, "temperature"),
    ({"temperature": -61}, "temperature"),
    ({"humidity": Decimal("100.5")}, "humidity"),
    ({"humidity": -1}, "humidity"),
    ({"temperature": "热"}, "temperature"),
    ({"temperature": Decimal("NaN")}, "temperature"),
    ({"temperature": True}, "temperature"),
    ({}, "temperature"),
    ({"temperature": 5, "measured_at": timezone.now() + datetime.timedelta(hours=1)}, "measured_at"),
    ({"temperature": 5, "source": ReadingSource.SENSOR}, "sensor_id"),
])
def test_an_impossible_reading_is_refused_and_stores_nothing(keeper, cold, kwargs, field):
    with pytest.raises(ValidationFailed) as exc:
        services.reading_record(actor=keeper, zone=cold, **kwargs)
    assert field in exc.value.details
    assert not EnvironmentReading.objects.exists() and not EnvironmentAlert.objects.exists()


def test_a_sensor_posting_the_same_reading_twice_stores_it_once(keeper, cold):
    at = timezone.now() - datetime.timedelta(minutes=5)
    kwargs = {"temperature": Decimal(10), "measured_at": at, "source": ReadingSource.SENSOR, "sensor_id": "T-01"}
    first = services.reading_record(actor=keeper, zone=cold, **kwargs)
    again = services.reading_record(actor=keeper, zone=cold, **kwargs)
    assert first.pk == again.pk
    assert EnvironmentReading.objects.count() == 1 and EnvironmentAlert.objects.get().readings_count == 1


def test_an_alert_is_acknowledged_then_closed_with_a_note(keeper, supervisor, cold):
    alert = services.reading_record(actor=keeper, zone=cold, temperature=15).opened_alerts[0]
    services.alert_acknowledge(actor=keeper, alert=alert, note="已通知制冷维修")
    with pytest.raises(ValidationFailed):
        services.alert_close(actor=supervisor, alert=alert, note="")
    alert = services.alert_close(actor=supervisor, alert=alert, note="压缩机已修复，温度恢复至5℃")
    assert (alert.state, alert.acknowledged_by, alert.closed_by) == (AlertState.CLOSED, keeper, supervisor)
    assert "已通知制冷维修" in alert.note and "压缩机已修复" in alert.note
    with pytest.raises(IllegalTransition):
        services.alert_acknowledge(actor=keeper, alert=alert)
    assert [e.action for e in audit_history(alert)][-2:] in (["acknowledge", "close"], ["close", "acknowledge"])


def test_after_an_alert_is_closed_a_new_excursion_opens_a_new_alert(keeper, cold):
    alert = services.reading_record(actor=keeper, zone=cold, temperature=15).opened_alerts[0]
    services.alert_close(actor=keeper, alert=alert, note="已处理")
    services.reading_record(actor=keeper, zone=cold, temperature=16)
    assert EnvironmentAlert.objects.filter(state=AlertState.OPEN).count() == 1
    assert EnvironmentAlert.objects.count() == 2


def test_a_cs_specialist_cannot_record_readings_or_handle_alerts(keeper, specialist, cold):
    with pytest.raises(PermissionDenied):
        services.reading_record(actor=specialist, zone=cold, temperature=5)
    alert = services.reading_record(actor=keeper, zone=cold, temperature=15).opened_alerts[0]
    with pytest.raises(PermissionDenied):
        services.alert_acknowledge(actor=specialist, alert=alert)
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN
