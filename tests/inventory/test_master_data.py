from decimal import Decimal

import pytest

from depot.core.audit import audit_history
from depot.core.errors import NotFound, PermissionDenied, ValidationFailed
from depot.inventory import services
from depot.inventory.choices import HazardClass, LocationKind, LocationStatus, TemperatureClass
from depot.inventory.models import Item, Location, Zone


def test_an_item_is_created_for_a_customer_with_its_storage_requirements(specialist, owner):
    item = services.item_create(actor=specialist, owner=owner, data={
        "code": "SKU-001", "name": "冷冻牛排", "spec": "200g/袋", "base_unit": "袋", "case_quantity": 20,
        "pallet_quantity": 800, "category": "food", "storage_class": TemperatureClass.FROZEN,
        "shelf_life_days": 365, "rotation": "fefo", "unit_value": "35.50", "safety_stock": 100,
        "reorder_point": 300,
    })
    item.refresh_from_db()
    assert (item.owner, item.unit_value, item.storage_class) == (owner, Decimal("35.50"), TemperatureClass.FROZEN)
    assert [e.action for e in audit_history(item)] == ["create"]


def test_an_item_code_is_unique_per_owner_but_may_repeat_across_owners(admin_user, owner, other_owner):
    services.item_create(actor=admin_user, owner=owner, data={"code": "A1", "name": "甲"})
    services.item_create(actor=admin_user, owner=other_owner, data={"code": "A1", "name": "乙"})
    with pytest.raises(ValidationFailed) as exc:
        services.item_create(actor=admin_user, owner=owner, data={"code": "A1", "name": "丙"})
    assert exc.value.details["code"] == ["同一货主下货品编码不能重复"]
    assert Item.objects.filter(code="A1").count() == 2


@pytest.mark.parametrize("data, field", [
    ({"code": "", "name": "x"}, "code"),
    ({"code": "B1", "name": "x", "unit_value": "-1"}, "unit_value"),
    ({"code": "B1", "name": "x", "case_quantity": 0}, "case_quantity"),
    ({"code": "B1", "name": "x", "storage_class": "tropical"}, "storage_class"),
    ({"code": "B1", "name": "x", "owner_id": 5}, "owner_id"),
])
def test_bad_item_data_is_refused(admin_user, owner, data, field):
    with pytest.raises(ValidationFailed) as exc:
        services.item_create(actor=admin_user, owner=owner, data=data)
    assert field in exc.value.details
    assert not Item.objects.exists()


def test_a_cs_specialist_creates_items_only_for_their_own_customers(specialist, other_owner):
    with pytest.raises(NotFound):
        services.item_create(actor=specialist, owner=other_owner, data={"code": "X", "name": "x"})


def test_an_items_storage_requirement_is_fixed_while_it_has_stock(wh, admin_user, item, stock):
    services.item_update(actor=admin_user, item=item, data={"name": "新名称", "safety_stock": 5})
    stock(item, 5, wh.loc["AMB-01"])
    with pytest.raises(ValidationFailed) as exc:
        services.item_update(actor=admin_user, item=item, data={"storage_class": TemperatureClass.COLD,
                                                                "hazard_class": HazardClass.CORROSIVE})
    assert set(exc.value.details) == {"storage_class", "hazard_class"}
    item.refresh_from_db()
    assert (item.name, item.storage_class) == ("新名称", TemperatureClass.AMBIENT)
    assert [e.action for e in audit_history(item)] == ["update", "create"]


def test_a_zones_humidity_range_must_be_ordered(admin_user, wh):
    with pytest.raises(ValidationFailed):
        services.zone_create(actor=admin_user, warehouse=wh.warehouse, data={
            "code": "DRY", "name": "干燥区", "humidity_min": 60, "humidity_max": 40})
    assert not Zone.objects.filter(code="DRY").exists()


def test_a_zone_cannot_change_to_a_class_that_refuses_the_stock_it_holds(admin_user, wh, item, stock):
    stock(item, 5, wh.loc["COOL-01"])
    with pytest.raises(ValidationFailed) as exc:
        services.zone_update(actor=admin_user, zone=wh.zones["COOL"], data={"temperature_class": "frozen"})
    assert "不相容" in exc.value.details["temperature_class"][0]
    services.zone_update(actor=admin_user, zone=wh.zones["COLD"], data={"temperature_class": "frozen"})


def test_virtual_locations_are_not_created_or_edited_by_hand(admin_user, wh):
    with pytest.raises(ValidationFailed):
        services.location_create(actor=admin_user, zone=wh.zones["AMB"], data={"code": "V", "kind": "loss"})
    virtual = services.virtual_location(LocationKind.LOSS)
    assert virtual.zone is None
    with pytest.raises(ValidationFailed):
        services.location_update(actor=admin_user, location=virtual, data={"capacity": 5})


def test_a_location_code_is_unique(admin_user, wh):
    with pytest.raises(ValidationFailed):
        services.location_create(actor=admin_user, zone=wh.zones["AMB"], data={"code": "AMB-01"})


def test_blocking_a_location_needs_a_reason_and_is_audited(keeper, wh):
    location = wh.loc["AMB-02"]
    with pytest.raises(ValidationFailed):
        services.location_set_status(actor=keeper, location=location, status=LocationStatus.BLOCKED, reason="")
    services.location_set_status(actor=keeper, location=location, status=LocationStatus.BLOCKED, reason="漏水")
    location.refresh_from_db()
    assert (location.status, location.status_reason) == (LocationStatus.BLOCKED, "漏水")
    assert audit_history(location).first().note == "漏水"


def test_the_kind_of_a_location_holding_stock_cannot_change(admin_user, wh, item, stock):
    stock(item, 5, wh.loc["AMB-01"])
    with pytest.raises(ValidationFailed):
        services.location_update(actor=admin_user, location=wh.loc["AMB-01"], data={"kind": "staging"})
    assert Location.objects.get(code="AMB-01").kind == LocationKind.STORAGE


def test_only_administrators_set_up_warehouses(keeper, supervisor):
    for user in (keeper, supervisor):
        with pytest.raises(PermissionDenied):
            services.warehouse_create(actor=user, data={"code": "WH9", "name": "九号仓"})
