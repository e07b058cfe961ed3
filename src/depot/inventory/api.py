"""API of inventory for a warehouse integration: the items of a customer and their stock."""

import datetime
from typing import Literal

from django.db.models import Exists, IntegerField, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Query, Router

from depot.api.auth import token
from depot.api.pagination import paginate
from depot.api.schemas import READ_ERRORS, LocalDateTime, Out, aware, customer_scope, customer_seen, require_perm
from depot.core.errors import ValidationFailed
from depot.inventory.models import Balance, Warehouse
from depot.inventory.selectors import (
    customer_stock_by_item,
    item_list,
    stock_by_item,
    stock_by_location,
    stock_by_lot,
)

router = Router(tags=[gettext_lazy("库存")])

LIMIT = Query(50, ge=1, le=200, description=gettext_lazy("每页条数，1–200，默认50"))
CURSOR = Query(None, description=gettext_lazy("上一页返回的 next_cursor；不填为第一页"))
CUSTOMER_CODE = Query(None, description=gettext_lazy(
    "客户编码：客户令牌只能是本客户（可不填）；员工令牌不填表示其可见的全部客户"))
UPDATED_SINCE = Query(None, description=gettext_lazy(
    "只返回此时间（含）之后有变化的记录，用于轮询；不带时区按北京时间"))


class ItemOut(Out):
    customer_code: str
    code: str
    name: str
    spec: str
    barcode: str
    category: str
    base_unit: str
    case_quantity: int
    pallet_quantity: int | None
    storage_class: str
    hazard_class: str
    shelf_life_days: int | None
    rotation: str
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime


class ItemPage(Out):
    items: list[ItemOut]
    next_cursor: str | None


class StockRow(Out):
    customer_code: str
    item_code: str
    item_name: str
    base_unit: str
    lot_number: str | None = None
    production_date: datetime.date | None = None
    expiry_date: datetime.date | None = None
    warehouse_code: str | None = None
    location_code: str | None = None
    on_hand: int
    reserved: int
    available: int


class StockPage(Out):
    group_by: str
    items: list[StockRow]
    next_cursor: str | None


def _item_out(item) -> dict:
    return {
        "customer_code": item.owner.code, "code": item.code, "name": item.name, "spec": item.spec,
        "barcode": item.barcode, "category": item.category, "base_unit": item.base_unit,
        "case_quantity": item.case_quantity, "pallet_quantity": item.pallet_quantity,
        "storage_class": item.storage_class, "hazard_class": item.hazard_class,
        "shelf_life_days": item.shelf_life_days, "rotation": item.rotation, "is_active": item.is_active,
        "created_at": item.created_at, "updated_at": item.updated_at,
    }


@router.get(
    "/items", auth=token("items:read"), response={200: ItemPage, **READ_ERRORS},
    summary=gettext_lazy("货品列表"),
    description=gettext_lazy("客户的货品档案（SKU）：编码、名称、规格、条码、温层、危险品类别、保质期、出库规则。"
                             "按更新时间排序、游标分页；带 updated_since 时只返回之后修改过的货品。"
                             "需要权限范围 items:read。"),
)
def items_list(request, customer_code: str | None = CUSTOMER_CODE,
               code: str | None = Query(None, description=gettext_lazy("货品编码（精确匹配）")),
               active: bool | None = Query(None, description=gettext_lazy("true 只看启用的，false 只看停用的")),
               updated_since: datetime.datetime | None = UPDATED_SINCE,
               cursor: str | None = CURSOR, limit: int = LIMIT):
    principal = request.auth
    require_perm(principal, "inventory.view_item")
    customer = customer_scope(principal, customer_code)
    qs = item_list(user=principal.actor, owner=customer)
    if code:
        qs = qs.filter(code=code)
    if active is not None:
        qs = qs.filter(is_active=active)
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=aware(updated_since))
    rows, next_cursor = paginate(qs, kind="items", keys=("updated_at", "id"), cursor=cursor, limit=limit)
    return {"items": [_item_out(i) for i in rows], "next_cursor": next_cursor}


# ---- stock --------------------------------------------------------------------------------

def _zero():
    return Value(0, output_field=IntegerField())


def _warehouse(code: str | None) -> Warehouse | None:
    if not code:
        return None
    warehouse = Warehouse.objects.filter(code=code).first()
    if warehouse is None:
        raise ValidationFailed(details={"warehouse": [_("仓库编码“%(code)s”不存在") % {"code": code}]})
    return warehouse


def _items_expiring(*, user, owner, warehouse, expiring_before: datetime.date):
    """Visible items with their stock in lots that expire by `expiring_before` (already expired
    included), only those that have such stock."""
    cond = Q(balances__lot__expiry_date__lte=expiring_before)
    if warehouse is not None:
        cond &= Q(balances__location__zone__warehouse=warehouse)
    on_hand = Coalesce(Sum("balances__on_hand", filter=cond), _zero())
    reserved = Coalesce(Sum("balances__reserved", filter=cond), _zero())
    return (item_list(user=user, owner=owner)
            .annotate(on_hand=on_hand, reserved=reserved, available=on_hand - reserved).filter(on_hand__gt=0))


def _changed_since(since, **outer) -> Exists:
    return Exists(Balance.objects.filter(updated_at__gte=since, **outer))


STOCK_BY_ITEM_FIELDS = ("owner_id", "owner__code", "code", "name", "base_unit", "on_hand", "reserved")


def _stock_by_item(principal, customer, *, item_code, warehouse, expiring_before, since, cursor, limit):
    fields = STOCK_BY_ITEM_FIELDS
    if expiring_before is not None:
        qs = _items_expiring(user=principal.actor, owner=customer, warehouse=warehouse,
                             expiring_before=expiring_before)
    elif customer_seen(principal, customer):
        # One customer: its code is known, the query needs neither the customer nor the scoping.
        qs = customer_stock_by_item(user=principal.actor, customer=customer, warehouse=warehouse)
        fields = tuple(f for f in fields if f != "owner__code")
    else:
        qs = stock_by_item(user=principal.actor, owner=customer, warehouse=warehouse)
    if item_code:
        qs = qs.filter(code=item_code)
    if since is not None:
        qs = qs.filter(_changed_since(since, item=OuterRef("pk")))
    own_code = None if "owner__code" in fields else customer.code
    rows, next_cursor = paginate(qs.values(*fields), kind="stock-item", keys=("owner_id", "code"), cursor=cursor,
                                 limit=limit)
    return [{
        "customer_code": i.get("owner__code", own_code), "item_code": i["code"],
        "item_name": i["name"], "base_unit": i["base_unit"], "on_hand": i["on_hand"], "reserved": i["reserved"],
        "available": i["on_hand"] - i["reserved"],
    } for i in rows], next_cursor


def _stock_by_lot(principal, customer, *, item_code, warehouse, expiring_before, since, cursor, limit):
    qs = stock_by_lot(user=principal.actor, owner=customer, warehouse=warehouse)
    if item_code:
        qs = qs.filter(item__code=item_code)
    if expiring_before is not None:
        qs = qs.filter(expiry_date__isnull=False, expiry_date__lte=expiring_before)
    if since is not None:
        qs = qs.filter(_changed_since(since, lot=OuterRef("pk")))
    rows, next_cursor = paginate(qs, kind="stock-lot", keys=("id",), cursor=cursor, limit=limit)
    return [{
        "customer_code": lot.item.owner.code, "item_code": lot.item.code, "item_name": lot.item.name,
        "base_unit": lot.item.base_unit, "lot_number": lot.lot_number, "production_date": lot.production_date,
        "expiry_date": lot.expiry_date, "on_hand": lot.on_hand, "reserved": lot.reserved,
        "available": lot.available,
    } for lot in rows], next_cursor


def _stock_by_location(principal, customer, *, item_code, warehouse, expiring_before, since, cursor, limit):
    qs = stock_by_location(user=principal.actor, owner=customer, warehouse=warehouse)
    if item_code:
        qs = qs.filter(item__code=item_code)
    if expiring_before is not None:
        qs = qs.filter(lot__expiry_date__isnull=False, lot__expiry_date__lte=expiring_before)
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    rows, next_cursor = paginate(qs, kind="stock-location", keys=("id",), cursor=cursor, limit=limit)
    return [{
        "customer_code": b.item.owner.code, "item_code": b.item.code, "item_name": b.item.name,
        "base_unit": b.item.base_unit, "lot_number": b.lot.lot_number, "production_date": b.lot.production_date,
        "expiry_date": b.lot.expiry_date,
        "warehouse_code": b.location.zone.warehouse.code if b.location.zone_id else None,
        "location_code": b.location.code, "on_hand": b.on_hand, "reserved": b.reserved,
        "available": b.on_hand - b.reserved,
    } for b in rows], next_cursor


GROUPINGS = {"item": _stock_by_item, "lot": _stock_by_lot, "location": _stock_by_location}


@router.get(
    "/stock", auth=token("stock:read"), response={200: StockPage, **READ_ERRORS},
    summary=gettext_lazy("库存查询"),
    description=gettext_lazy(
        "按货品、批次或库位汇总的库存：现存数量 on_hand、已预留 reserved、可用 available（= 现存 − 预留），"
        "单位为货品的基本单位。按货品汇总时也列出零库存的货品；按批次、库位只列有库存的。"
        "expiring_within_days 只统计在此天数内到期（含已过期）的批次；updated_since 只返回之后库存有变化的行。"
        "游标分页。需要权限范围 stock:read。"),
)
def stock_query(request, customer_code: str | None = CUSTOMER_CODE,
                item_code: str | None = Query(None, description=gettext_lazy("货品编码（精确匹配）")),
                group_by: Literal["item", "lot", "location"] = Query(
                    "item", description=gettext_lazy("汇总方式：item 按货品，lot 按批次，location 按库位")),
                warehouse: str | None = Query(None, description=gettext_lazy("仓库编码，不填为全部仓库")),
                expiring_within_days: int | None = Query(
                    None, ge=0, le=3650, description=gettext_lazy("只看这么多天内到期（含已过期）的批次")),
                updated_since: datetime.datetime | None = UPDATED_SINCE,
                cursor: str | None = CURSOR, limit: int = LIMIT):
    principal = request.auth
    require_perm(principal, "inventory.view_balance")
    customer = customer_scope(principal, customer_code)
    expiring_before = None
    if expiring_within_days is not None:
        expiring_before = timezone.localdate() + datetime.timedelta(days=expiring_within_days)
    rows, next_cursor = GROUPINGS[group_by](
        principal, customer, item_code=item_code, warehouse=_warehouse(warehouse),
        expiring_before=expiring_before, since=aware(updated_since), cursor=cursor, limit=limit)
    return {"group_by": group_by, "items": rows, "next_cursor": next_cursor}
