"""Master data: items of a cargo owner, warehouses, zones and locations. Every change is audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from depot.core.audit import ACTION_CREATE, ACTION_UPDATE, audit_record, snapshot
from depot.core.errors import NotFound, ValidationFailed
from depot.core.permissions import require_perm
from depot.customers.selectors import customer_list
from depot.inventory import policy
from depot.inventory.choices import PHYSICAL_KINDS, LocationStatus
from depot.inventory.models import Balance, Item, Location, Warehouse, Zone
from depot.inventory.services._ledger import require_visible_item

ITEM_FIELDS = (
    "code", "name", "spec", "barcode", "category", "base_unit", "case_quantity", "pallet_quantity",
    "storage_class", "hazard_class", "shelf_life_days", "rotation", "unit_value", "safety_stock",
    "reorder_point", "lead_time_days", "abc_class", "is_active", "notes",
)
# Changing these while stock is on hand would strand it in a zone that no longer accepts it, or
# (base unit) silently change the meaning of every quantity in the ledger.
ITEM_FIELDS_FIXED_WITH_STOCK = ("category", "base_unit", "storage_class", "hazard_class")
WAREHOUSE_FIELDS = ("code", "name", "address", "is_active")
ZONE_FIELDS = (
    "code", "name", "temperature_class", "hazard_class", "temperature_min", "temperature_max",
    "humidity_min", "humidity_max", "is_active",
)
LOCATION_FIELDS = ("code", "kind", "capacity", "capacity_unit")


def _assign(obj, data: dict, allowed) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationFailed(details={f: [_("不能在此设置该字段")] for f in sorted(unknown)})
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(obj, name, value)


def _clean(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from None


def _require_unique_code(item: Item) -> None:
    if item.code and Item.objects.filter(owner_id=item.owner_id, code=item.code).exclude(pk=item.pk).exists():
        raise ValidationFailed(details={"code": [_("同一货主下货品编码不能重复")]})


def _has_stock(**filters) -> bool:
    return Balance.objects.filter(on_hand__gt=0, **filters).exists()


@transaction.atomic
def item_create(*, actor, owner, data: dict) -> Item:
    """Create an item (SKU) for cargo owner `owner`, whom the actor must be able to see.
    Raises ValidationFailed (a code already used by this owner, bad values). Audited."""
    require_perm(actor, "inventory.add_item")
    if not customer_list(user=actor).filter(pk=owner.pk).exists():
        raise NotFound()
    item = Item(owner=owner)
    _assign(item, data, ITEM_FIELDS)
    _require_unique_code(item)
    _clean(item)
    item.save()
    audit_record(actor=actor, obj=item, action=ACTION_CREATE, after=snapshot(item, ("owner",) + ITEM_FIELDS))
    return item


@transaction.atomic
def item_update(*, actor, item: Item, data: dict) -> Item:
    """Change an item's master data. The owner never changes; category, base unit and storage
    requirements are fixed while the item has stock. Audited."""
    require_perm(actor, "inventory.change_item")
    require_visible_item(actor, item)
    item = Item.objects.select_for_update().get(pk=item.pk)
    before = snapshot(item, ITEM_FIELDS)
    _assign(item, data, ITEM_FIELDS)
    changed_fixed = [f for f in ITEM_FIELDS_FIXED_WITH_STOCK if getattr(item, f) != before[f]]
    if changed_fixed and _has_stock(item=item):
        raise ValidationFailed(details={f: [_("该货品有库存，不能修改此项")] for f in changed_fixed})
    _require_unique_code(item)
    _clean(item)
    item.save()
    audit_record(actor=actor, obj=item, action=ACTION_UPDATE, before=before, after=snapshot(item, ITEM_FIELDS))
    return item


@transaction.atomic
def warehouse_create(*, actor, data: dict) -> Warehouse:
    require_perm(actor, "inventory.add_warehouse")
    warehouse = Warehouse()
    _assign(warehouse, data, WAREHOUSE_FIELDS)
    _clean(warehouse)
    warehouse.save()
    audit_record(actor=actor, obj=warehouse, action=ACTION_CREATE, after=snapshot(warehouse, WAREHOUSE_FIELDS))
    return warehouse


@transaction.atomic
def warehouse_update(*, actor, warehouse: Warehouse, data: dict) -> Warehouse:
    require_perm(actor, "inventory.change_warehouse")
    warehouse = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    before = snapshot(warehouse, WAREHOUSE_FIELDS)
    _assign(warehouse, data, WAREHOUSE_FIELDS)
    _clean(warehouse)
    warehouse.save()
    audit_record(actor=actor, obj=warehouse, action=ACTION_UPDATE, before=before,
                 after=snapshot(warehouse, WAREHOUSE_FIELDS))
    return warehouse


@transaction.atomic
def zone_create(*, actor, warehouse: Warehouse, data: dict) -> Zone:
    require_perm(actor, "inventory.add_zone")
    zone = Zone(warehouse=warehouse)
    _assign(zone, data, ZONE_FIELDS)
    _clean(zone)
    zone.save()
    audit_record(actor=actor, obj=zone, action=ACTION_CREATE, after=snapshot(zone, ("warehouse",) + ZONE_FIELDS))
    return zone


@transaction.atomic
def zone_update(*, actor, zone: Zone, data: dict) -> Zone:
    """Change a zone. A new temperature or hazard class must still accept every item stored in it."""
    require_perm(actor, "inventory.change_zone")
    zone = Zone.objects.select_for_update().get(pk=zone.pk)
    before = snapshot(zone, ZONE_FIELDS)
    _assign(zone, data, ZONE_FIELDS)
    _clean(zone)
    if (zone.temperature_class, zone.hazard_class) != (before["temperature_class"], before["hazard_class"]):
        stored = Item.objects.filter(balances__location__zone=zone, balances__on_hand__gt=0).distinct()
        problems = []
        for item in stored:
            verdict = policy.location_accepts(item, zone)
            if not verdict:
                problems.append(f"{item}：{verdict.reason}")
        if problems:
            raise ValidationFailed(details={"temperature_class": [_("库区内已有不相容的库存：%(p)s") % {
                "p": "；".join(problems[:5])}]})
    zone.save()
    audit_record(actor=actor, obj=zone, action=ACTION_UPDATE, before=before, after=snapshot(zone, ZONE_FIELDS))
    return zone


@transaction.atomic
def location_create(*, actor, zone: Zone, data: dict) -> Location:
    require_perm(actor, "inventory.add_location")
    location = Location(zone=zone)
    _assign(location, data, LOCATION_FIELDS)
    if location.kind not in PHYSICAL_KINDS:
        raise ValidationFailed(details={"kind": [_("虚拟库位由系统维护，不能手工创建")]})
    _clean(location)
    location.save()
    audit_record(actor=actor, obj=location, action=ACTION_CREATE,
                 after=snapshot(location, ("zone",) + LOCATION_FIELDS))
    return location


def location_bulk_create(*, actor, zone: Zone, codes: list[str], kind: str, capacity: int | None,
                         capacity_unit: str) -> list[Location]:
    """Create many locations of one kind and capacity (a rack, an aisle); one audit entry each."""
    with transaction.atomic():
        return [location_create(actor=actor, zone=zone, data={
            "code": code, "kind": kind, "capacity": capacity, "capacity_unit": capacity_unit}) for code in codes]


@transaction.atomic
def location_update(*, actor, location: Location, data: dict) -> Location:
    """Change a location's code, kind or capacity; the kind is fixed while it holds stock."""
    require_perm(actor, "inventory.change_location")
    location = Location.objects.select_for_update().get(pk=location.pk)
    if not location.is_physical:
        raise ValidationFailed(details={"__all__": [_("虚拟库位由系统维护，不能修改")]})
    before = snapshot(location, LOCATION_FIELDS)
    _assign(location, data, LOCATION_FIELDS)
    if location.kind not in PHYSICAL_KINDS:
        raise ValidationFailed(details={"kind": [_("不能改为虚拟库位")]})
    if location.kind != before["kind"] and _has_stock(location=location):
        raise ValidationFailed(details={"kind": [_("库位有库存，不能修改类型")]})
    _clean(location)
    location.save()
    audit_record(actor=actor, obj=location, action=ACTION_UPDATE, before=before,
                 after=snapshot(location, LOCATION_FIELDS))
    return location


@transaction.atomic
def location_set_status(*, actor, location: Location, status: str, reason: str = "") -> Location:
    """Block a location (nothing is put into it and nothing reserved from it) or make it active."""
    require_perm(actor, "inventory.change_location")
    location = Location.objects.select_for_update().get(pk=location.pk)
    if not location.is_physical:
        raise ValidationFailed(details={"__all__": [_("虚拟库位由系统维护，不能修改")]})
    if status not in LocationStatus.values:
        raise ValidationFailed(details={"status": [_("未知状态")]})
    reason = (reason or "").strip()
    if status == LocationStatus.BLOCKED and not reason:
        raise ValidationFailed(details={"reason": [_("锁定库位请填写原因")]})
    before = snapshot(location, ("status", "status_reason"))
    location.status = status
    location.status_reason = reason if status == LocationStatus.BLOCKED else ""
    location.save(update_fields=["status", "status_reason"])
    audit_record(actor=actor, obj=location, action=ACTION_UPDATE, before=before,
                 after=snapshot(location, ("status", "status_reason")), note=reason)
    return location
