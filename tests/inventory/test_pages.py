"""The inventory back-office pages, through the Django test client: who sees what, the forms that
call the services, and the number of queries of the list pages."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from depot.inventory import services
from depot.inventory.choices import AlertState, CountScope, CountState, ItemCategory, MoveKind, Rotation
from depot.inventory.choices import TemperatureClass as T
from depot.inventory.models import EnvironmentAlert, EnvironmentReading, Inspection, InspectionPlan, Item, StockMove
from tests.inventory.helpers import days


@pytest.fixture
def scene(wh, admin_user, supervisor, keeper, specialist, other_specialist, make_item, other_owner, stock):
    cold = services.zone_update(actor=admin_user, zone=wh.zones["COLD"], data={
        "temperature_min": Decimal(2), "temperature_max": Decimal(8)})
    milk = make_item("MILK", name="鲜牛奶", category=ItemCategory.FOOD, storage_class=T.COLD, rotation=Rotation.FEFO,
                     unit_value=Decimal("12.50"), shelf_life_days=30)
    gen = make_item("GEN", name="办公纸箱", unit_value=Decimal(3))
    theirs = make_item("THEIRS", owner=other_owner, name="别家货品", storage_class=T.COLD)
    # Received an hour before the reading: what the alert lists must not hinge on two clock readings.
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    milk_lot = stock(milk, 30, wh.loc["COLD-01"], "M1", expiry_date=days(10), production_date=days(-20), at=hour_ago)
    theirs_lot = stock(theirs, 9, wh.loc["COLD-02"], "T1", at=hour_ago)
    stock(gen, 50, wh.loc["AMB-01"], "G1", at=timezone.now() - datetime.timedelta(days=6))
    for r in services.reservation_create(actor=specialist, item=gen, quantity=10, document_type="outbound",
                                         document_ref="P1"):
        services.reservation_consume(actor=keeper, reservation=r, at=timezone.now() - datetime.timedelta(days=3))
    services.document_ship(actor=keeper, document_type="outbound", document_ref="P1",
                           at=timezone.now() - datetime.timedelta(days=3))
    alert = services.reading_record(actor=keeper, zone=cold, temperature=12).opened_alerts[0]
    plan = services.inspection_plan_create(actor=supervisor, warehouse=wh.warehouse, data={
        "title": "冷藏区日检", "zone": cold, "frequency_days": 1, "checklist": "温度\n结霜", "next_due": days(-2),
        "responsible": keeper})
    count = services.count_plan_create(actor=keeper, warehouse=wh.warehouse, scope=CountScope.ZONE,
                                       zone=wh.zones["AMB"])
    return {"milk": milk, "gen": gen, "theirs": theirs, "milk_lot": milk_lot, "theirs_lot": theirs_lot,
            "alert": alert, "plan": plan, "count": count, "cold": cold}


def pages(s) -> dict[str, str]:
    return {
        "stock": reverse("admin:inventory_stock"),
        "stock_lot": reverse("admin:inventory_stock") + "?tab=lot",
        "stock_location": reverse("admin:inventory_stock") + "?tab=location",
        "stock_expiry": reverse("admin:inventory_stock") + "?tab=expiry&days=30",
        "item": reverse("admin:inventory_item_stock", args=[s["milk"].pk]),
        "item_gen": reverse("admin:inventory_item_stock", args=[s["gen"].pk]) + "?days=30",
        "lot": reverse("admin:inventory_lot_moves", args=[s["milk_lot"].pk]),
        "abc": reverse("admin:inventory_abc"),
        "near_expiry": reverse("admin:inventory_near_expiry"),
        "slow": reverse("admin:inventory_slow_moving") + "?days=2",
        "plans": reverse("admin:inventory_inspectionplan_changelist"),
        "record_inspection": reverse("admin:inventory_inspection_record", args=[s["plan"].pk]),
        "inspections": reverse("admin:inventory_inspection_changelist"),
        "readings": reverse("admin:inventory_environmentreading_changelist"),
        "reading_add": reverse("admin:inventory_environmentreading_add"),
        "alerts": reverse("admin:inventory_environmentalert_changelist"),
        "alert": reverse("admin:inventory_environmentalert_change", args=[s["alert"].pk]),
        "counts": reverse("admin:inventory_count_changelist"),
        "count_add": reverse("admin:inventory_count_add"),
        "count": reverse("admin:inventory_count_change", args=[s["count"].pk]),
        "settings": reverse("admin:inventory_replenishmentsettings_changelist"),
        "home": reverse("admin:index"),
    }


FORBIDDEN = {
    "cs_specialist": {"record_inspection", "reading_add", "counts", "count_add", "count"},
    "warehouse_keeper": set(),
    "cs_supervisor": {"record_inspection", "reading_add"},
}


USERS = {"cs_specialist": "specialist", "warehouse_keeper": "keeper", "cs_supervisor": "supervisor"}


@pytest.mark.parametrize("role", sorted(FORBIDDEN))
def test_every_inventory_page_renders_for_each_role(client, request, scene, role):
    client.force_login(request.getfixturevalue(USERS[role]))
    for name, url in pages(scene).items():
        response = client.get(url)
        expected = 403 if name in FORBIDDEN[role] else 200
        assert response.status_code == expected, (name, response.status_code)


def test_a_specialist_cannot_open_another_customers_stock_by_id(client, specialist, scene):
    client.force_login(specialist)
    assert client.get(reverse("admin:inventory_item_stock", args=[scene["theirs"].pk])).status_code == 404
    assert client.get(reverse("admin:inventory_lot_moves", args=[scene["theirs_lot"].pk])).status_code == 404
    for tab in ("item", "lot", "location", "expiry"):
        page = client.get(reverse("admin:inventory_stock") + f"?tab={tab}&days=3650").content.decode()
        assert "MILK" in page and "THEIRS" not in page
    page = client.get(reverse("admin:inventory_abc") + f"?owner={scene['theirs'].owner_id}").content.decode()
    assert "THEIRS" not in page


def test_the_alert_page_lists_only_the_specialists_own_affected_stock(client, specialist, keeper, scene):
    url = reverse("admin:inventory_environmentalert_change", args=[scene["alert"].pk])
    client.force_login(specialist)
    page = client.get(url).content.decode()
    assert "M1" in page and "T1" not in page
    client.force_login(keeper)
    page = client.get(url).content.decode()
    assert "M1" in page and "T1" in page


def test_a_keeper_acknowledges_and_closes_an_alert_from_its_page(client, keeper, specialist, scene):
    url = reverse("admin:inventory_environmentalert_change", args=[scene["alert"].pk])
    client.force_login(specialist)
    assert client.post(url, {"acknowledge": "1", "ack-note": "看到了"}).status_code == 403
    client.force_login(keeper)
    assert client.post(url, {"acknowledge": "1", "ack-note": "已通知维修"}).status_code == 302
    response = client.post(url, {"close": "1", "close-note": ""})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    assert client.post(url, {"close": "1", "close-note": "制冷恢复，货物已检查"}).status_code == 302
    alert = EnvironmentAlert.objects.get()
    assert (alert.state, alert.closed_by) == (AlertState.CLOSED, keeper)


def test_an_inspection_is_recorded_from_the_plan_page(client, keeper, scene):
    client.force_login(keeper)
    url = reverse("admin:inventory_inspection_record", args=[scene["plan"].pk])
    response = client.post(url, {"result": "issues", "findings": ""})
    assert "发现问题时请填写检查记录" in response.content.decode() and not Inspection.objects.exists()
    assert client.post(url, {"result": "issues", "findings": "C-02结霜"}).status_code == 302
    response = client.post(url, {"result": "ok"})
    assert "尚未到期" in response.content.decode()
    assert Inspection.objects.count() == 1


def test_a_reading_typed_in_the_back_office_opens_an_alert_or_is_refused(client, keeper, scene):
    client.force_login(keeper)
    now = timezone.localtime()
    data = {"zone": scene["cold"].pk, "measured_at_0": now.strftime("%Y-%m-%d"),
            "measured_at_1": now.strftime("%H:%M:%S"), "temperature": "1.0", "humidity": ""}
    response = client.post(reverse("admin:inventory_environmentreading_add"), data, follow=True)
    assert "温度过低" in response.content.decode()
    assert EnvironmentAlert.objects.filter(kind="too_cold").exists()
    before = EnvironmentReading.objects.count()
    response = client.post(reverse("admin:inventory_environmentreading_add"), {**data, "temperature": "95"})
    assert "不可能出现" in response.content.decode()
    assert EnvironmentReading.objects.count() == before


def test_a_count_is_planned_counted_blind_submitted_and_approved_through_the_pages(
        client, keeper, supervisor, wh, scene):
    count = scene["count"]
    url = reverse("admin:inventory_count_change", args=[count.pk])
    client.force_login(keeper)
    client.post(url, {"start": "1"})
    record = reverse("admin:inventory_count_record", args=[count.pk, wh.loc["AMB-01"].pk])
    page = client.get(record).content.decode()
    assert not re.search(r"\WG1\W", page) and ">40<" not in page
    formset = {"form-TOTAL_FORMS": "6", "form-INITIAL_FORMS": "0", "record": "1",
               "form-0-item": scene["gen"].pk, "form-0-lot_number": "G1", "form-0-quantity": "38"}
    assert client.post(record, formset).status_code == 302
    for code in ("AMB-02", "AMB-03", "AMB-P1"):
        client.post(reverse("admin:inventory_count_record", args=[count.pk, wh.loc[code].pk]),
                    {"empty_location": "1"})
    client.post(url, {"submit": "1"})
    client.force_login(supervisor)
    page = client.get(url).content.decode()
    assert "-2" in page
    client.post(url, {"approve": "1", "note": "复核无误"})
    count.refresh_from_db()
    assert count.state == CountState.APPROVED
    assert StockMove.objects.filter(kind=MoveKind.ADJUSTMENT, quantity=2).exists()


def test_a_count_is_planned_from_the_back_office(client, keeper, wh, scene):
    client.force_login(keeper)
    response = client.post(reverse("admin:inventory_count_add"), {
        "warehouse": wh.warehouse.pk, "scope": CountScope.ITEMS, "items": [scene["milk"].pk]})
    assert response.status_code == 302
    response = client.post(reverse("admin:inventory_count_add"), {"warehouse": wh.warehouse.pk, "scope": "abc"})
    assert "请选择ABC分类" in response.content.decode()


def test_a_supervisor_plans_an_inspection_in_the_back_office(client, supervisor, keeper, wh, scene):
    client.force_login(supervisor)
    data = {"title": "阴凉区周检", "warehouse": wh.warehouse.pk, "zone": wh.zones["COOL"].pk, "storage_class": "",
            "frequency_days": 7, "checklist": "湿度\n包装", "next_due": days(1).isoformat(),
            "responsible": keeper.pk, "is_active": "on"}
    response = client.post(reverse("admin:inventory_inspectionplan_add"), {**data, "storage_class": "cold"})
    assert response.status_code == 200 and "二选一" in response.content.decode()
    assert client.post(reverse("admin:inventory_inspectionplan_add"), data).status_code == 302
    assert InspectionPlan.objects.filter(title="阴凉区周检", created_by=supervisor).exists()


def test_a_supervisor_applies_the_abc_classification_from_the_abc_page(client, supervisor, owner, scene):
    client.force_login(supervisor)
    url = reverse("admin:inventory_abc") + f"?owner={owner.pk}&days=30"
    page = client.get(url).content.decode()
    assert "帕累托图" in page and "80.0%" in page
    assert client.post(url, {"apply_abc": "1"}).status_code == 302
    assert dict(Item.objects.filter(owner=owner).values_list("code", "abc_class")) == {"GEN": "A", "MILK": "C"}


def test_the_item_page_shows_no_data_rather_than_zero_for_an_item_that_never_shipped(client, specialist, scene):
    client.force_login(specialist)
    page = client.get(reverse("admin:inventory_item_stock", args=[scene["milk"].pk])).content.decode()
    assert "期间无出库，无法估计需求" in page and "无数据" in page


def test_the_dashboard_shows_the_stock_alerts(client, keeper, scene):
    client.force_login(keeper)
    page = client.get(reverse("admin:index")).content.decode()
    assert "库存预警" in page and "未关闭的温湿度告警" in page and "逾期的养护检查" in page and "M1" in page


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_use_a_bounded_number_of_queries(client, keeper, make_item, stock, wh, scene):
    client.force_login(keeper)
    urls = [reverse("admin:inventory_stock") + f"?tab={tab}&days=3650" for tab in ("item", "lot", "location",
                                                                                    "expiry")]
    urls += [reverse("admin:inventory_near_expiry") + "?days=3650", reverse("admin:inventory_slow_moving") + "?days=1",
             reverse("admin:inventory_environmentalert_changelist"),
             reverse("admin:inventory_environmentreading_changelist")]
    before = {url: _queries(client, url) for url in urls}
    for n in range(6):
        item = make_item(f"MORE{n}", name="更多货品", shelf_life_days=100, unit_value=Decimal(1))
        stock(item, 5, wh.loc["AMB-02"], f"X{n}", expiry_date=days(5 + n), production_date=days(-80),
              at=timezone.now() - datetime.timedelta(days=3))
        services.reading_record(actor=keeper, zone=wh.zones["AMB"], temperature=20 + n)
    assert {url: _queries(client, url) for url in urls} == before
