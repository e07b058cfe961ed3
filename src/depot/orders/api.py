"""API of orders for a warehouse integration: outbound orders (submit with an Idempotency-Key,
read, list, cancel, timeline) and inbound orders (ASN: create, read, list, timeline)."""

import datetime

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Header, Query, Router
from ninja.responses import Status

from depot.api.auth import token
from depot.api.pagination import paginate
from depot.api.schemas import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Bool,
    InputSchema,
    Int,
    LocalDateTime,
    Out,
    aware,
    customer_for_write,
    customer_scope,
    customer_seen,
    require_perm,
)
from depot.core.errors import NotFound, ValidationFailed
from depot.core.masking import mask_phone
from depot.customers.selectors import can_view_pii
from depot.inventory.models import Warehouse
from depot.orders.choices import Channel, InboundState, OutboundState, ServiceLevel
from depot.orders.errors import IdempotencyConflict
from depot.orders.models import InboundLine, InboundOrder, OutboundLine, OutboundOrder
from depot.orders.selectors import customer_outbounds, inbound_list, order_timeline, outbound_list
from depot.orders.services import inbound_create, outbound_cancel, outbound_submit

router = Router(tags=[gettext_lazy("订单")])

MAX_LINES = 500
LIMIT = Query(50, ge=1, le=200, description=gettext_lazy("每页条数，1–200，默认50"))
CURSOR = Query(None, description=gettext_lazy("上一页返回的 next_cursor；不填为第一页"))
CUSTOMER_CODE = Query(None, description=gettext_lazy(
    "客户编码：客户令牌只能是本客户（可不填）；员工令牌不填表示其可见的全部客户"))
UPDATED_SINCE = Query(None, description=gettext_lazy(
    "只返回此时间（含）之后有变化的订单，用于轮询；不带时区按北京时间"))
OUTBOUND_STATES = Query(None, description=gettext_lazy("订单状态"))
INBOUND_STATES = Query(None, description=gettext_lazy("入库单状态"))
IDEMPOTENCY_KEY = Header(None, alias="Idempotency-Key", description=gettext_lazy(
    "幂等键（最长100个字符）：同一客户用同一个键重复提交相同内容只建一张单，返回原单；内容不同返回409"))


# ---- schemas ------------------------------------------------------------------------------

class OutboundLineIn(InputSchema):
    item_code: str = Field(..., min_length=1, max_length=40, description=gettext_lazy("货品编码"))
    quantity: Int = Field(..., gt=0, le=10_000_000, description=gettext_lazy("数量（基本单位，正整数）"))
    note: str | None = Field(None, max_length=200)


class OutboundIn(InputSchema):
    customer_code: str | None = Field(None, max_length=20, description=gettext_lazy("员工令牌必填；客户令牌可不填"))
    external_ref: str | None = Field(None, max_length=64, description=gettext_lazy("客户单号（同一客户内唯一）"))
    consignee_name: str | None = Field(None, max_length=100)
    consignee_phone: str | None = Field(None, max_length=30)
    province: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=30)
    district: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=200)
    requested_ship_date: datetime.date | None = Field(None, description=gettext_lazy("要求发货日期，YYYY-MM-DD"))
    service_level: ServiceLevel | None = None
    allow_partial: Bool = Field(False, description=gettext_lazy("库存不足时是否允许部分发货"))
    warehouse: str | None = Field(None, max_length=20, description=gettext_lazy("发货仓库编码，不填表示任一仓库"))
    note: str | None = Field(None, max_length=2000)
    lines: list[OutboundLineIn] = Field(..., min_length=1, max_length=MAX_LINES)


class CancelIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=200, description=gettext_lazy("取消原因"))


class OutboundLineOut(Out):
    line_no: int
    item_code: str
    item_name: str | None
    quantity: int | None
    allocated: int
    short: int
    picked: int
    shipped: int


class OutboundSummary(Out):
    number: str
    customer_code: str
    external_ref: str
    channel: str
    state: str
    state_label: str
    missing: list[str]
    hold_reason: str
    consignee_name: str
    province: str
    city: str
    district: str
    address: str
    requested_ship_date: datetime.date | None
    service_level: str
    allow_partial: bool
    warehouse: str | None
    carrier: str
    tracking_number: str
    total_value: str
    cancel_reason: str
    reject_reason: str
    created_at: LocalDateTime
    updated_at: LocalDateTime
    due_at: LocalDateTime | None
    completed_at: LocalDateTime | None
    allocated_at: LocalDateTime | None
    picked_at: LocalDateTime | None
    packed_at: LocalDateTime | None
    shipped_at: LocalDateTime | None
    delivered_at: LocalDateTime | None
    confirmed_at: LocalDateTime | None
    cancelled_at: LocalDateTime | None
    rejected_at: LocalDateTime | None


class OutboundOut(OutboundSummary):
    consignee_phone: str
    note: str
    lines: list[OutboundLineOut]


class OutboundPage(Out):
    items: list[OutboundSummary]
    next_cursor: str | None


class EventOut(Out):
    at: LocalDateTime
    from_state: str
    from_label: str
    to_state: str
    to_label: str
    note: str
    internal_note: str | None = Field(None, description=gettext_lazy("内部说明（仅员工令牌）"))
    actor: str | None = Field(None, description=gettext_lazy("操作人（仅员工令牌）"))
    visible_to_customer: bool | None = Field(None, description=gettext_lazy("客户是否可见（仅员工令牌）"))


class InboundLineIn(InputSchema):
    item_code: str = Field(..., min_length=1, max_length=40, description=gettext_lazy("货品编码（须已建档）"))
    quantity: Int = Field(..., gt=0, le=10_000_000, description=gettext_lazy("预报数量（基本单位，正整数）"))
    lot_number: str | None = Field(None, max_length=40)
    note: str | None = Field(None, max_length=200)


class InboundIn(InputSchema):
    customer_code: str | None = Field(None, max_length=20, description=gettext_lazy("员工令牌必填；客户令牌可不填"))
    external_ref: str | None = Field(None, max_length=64, description=gettext_lazy("客户单号（同一客户内唯一）"))
    warehouse: str | None = Field(None, max_length=20, description=gettext_lazy("收货仓库编码；只有一个仓库时可不填"))
    expected_date: datetime.date | None = Field(None, description=gettext_lazy("预计到货日期，YYYY-MM-DD"))
    carrier: str | None = Field(None, max_length=50)
    vehicle: str | None = Field(None, max_length=20)
    note: str | None = Field(None, max_length=2000)
    lines: list[InboundLineIn] = Field(..., min_length=1, max_length=MAX_LINES)


class InboundLineOut(Out):
    line_no: int
    item_code: str
    item_name: str
    expected_quantity: int
    lot_number: str
    received_good: int
    received_damaged: int
    put_away: int


class InboundSummary(Out):
    number: str
    customer_code: str
    external_ref: str
    channel: str
    state: str
    state_label: str
    warehouse: str
    expected_date: datetime.date | None
    carrier: str
    vehicle: str
    cancel_reason: str
    created_at: LocalDateTime
    updated_at: LocalDateTime
    receiving_at: LocalDateTime | None
    received_at: LocalDateTime | None
    put_away_at: LocalDateTime | None
    cancelled_at: LocalDateTime | None


class InboundOut(InboundSummary):
    note: str
    lines: list[InboundLineOut]


class InboundPage(Out):
    items: list[InboundSummary]
    next_cursor: str | None


# ---- reads --------------------------------------------------------------------------------

OUTBOUND_TIMES = ("created_at", "updated_at", "due_at", "completed_at", "allocated_at", "picked_at", "packed_at",
                  "shipped_at", "delivered_at", "confirmed_at", "cancelled_at", "rejected_at")
INBOUND_TIMES = ("created_at", "updated_at", "receiving_at", "received_at", "put_away_at", "cancelled_at")


OUTBOUND_SUMMARY_FIELDS = (
    "number", "customer__code", "external_ref", "channel", "state", "missing", "hold_reason", "consignee_name",
    "province", "city", "district", "address", "requested_ship_date", "service_level", "allow_partial",
    "warehouse__code", "carrier", "tracking_number", "total_value", "cancel_reason", "reject_reason", *OUTBOUND_TIMES,
)
OUTBOUND_DETAIL_FIELDS = (*OUTBOUND_SUMMARY_FIELDS, "consignee_phone", "note")
OUTBOUND_LINE_FIELDS = ("line_no", "item_code", "item__name", "quantity", "allocated", "short", "picked", "shipped")
INBOUND_SUMMARY_FIELDS = (
    "number", "customer__code", "external_ref", "channel", "state", "warehouse__code", "expected_date", "carrier",
    "vehicle", "cancel_reason", *INBOUND_TIMES,
)


def _labels(choices_cls) -> dict:
    return {value: str(label) for value, label in choices_cls.choices}


def _outbound_summary(order: dict, labels=None) -> dict:
    """An order read as `.values(*OUTBOUND_SUMMARY_FIELDS)`: no model instances to build."""
    labels = labels or _labels(OutboundState)
    out = {
        "number": order["number"], "customer_code": order["customer__code"], "external_ref": order["external_ref"],
        "channel": order["channel"], "state": order["state"], "state_label": labels.get(order["state"], order["state"]),
        "missing": [str(m) for m in order["missing"] or []], "hold_reason": order["hold_reason"],
        "consignee_name": order["consignee_name"], "province": order["province"], "city": order["city"],
        "district": order["district"], "address": order["address"],
        "requested_ship_date": order["requested_ship_date"], "service_level": order["service_level"],
        "allow_partial": order["allow_partial"], "warehouse": order["warehouse__code"], "carrier": order["carrier"],
        "tracking_number": order["tracking_number"], "total_value": str(order["total_value"]),
        "cancel_reason": order["cancel_reason"], "reject_reason": order["reject_reason"],
    }
    out.update({name: order[name] for name in OUTBOUND_TIMES})
    return out


def _outbound_out(principal, number: str) -> dict:
    """The order with this number as the API shows it, with its lines; NotFound as `_outbound`."""
    order = _outbounds(principal).filter(number=number).values("id", *OUTBOUND_DETAIL_FIELDS).first()
    if order is None:
        raise NotFound()
    phone = order["consignee_phone"] or ""
    if principal.customer is None and not can_view_pii(principal.actor):
        phone = mask_phone(phone)
    lines = OutboundLine.objects.filter(order_id=order["id"]).order_by("line_no").values(*OUTBOUND_LINE_FIELDS)
    return {
        **_outbound_summary(order), "consignee_phone": phone, "note": order["note"],
        "lines": [{
            "line_no": line["line_no"], "item_code": line["item_code"], "item_name": line["item__name"],
            "quantity": line["quantity"], "allocated": line["allocated"], "short": line["short"],
            "picked": line["picked"], "shipped": line["shipped"],
        } for line in lines],
    }


def _outbounds(principal, customer=None):
    require_perm(principal, "orders.view_outboundorder")
    customer = customer or principal.customer
    if customer_seen(principal, customer):
        return customer_outbounds(user=principal.actor, customer=customer)
    return outbound_list(user=principal.actor, customer=customer)


def _outbound(principal, number: str) -> OutboundOrder:
    """The order with this number if the token may see it; NotFound otherwise (also for another
    customer's order: its existence is not revealed)."""
    order = _outbounds(principal).select_related("customer", "warehouse").filter(number=number).first()
    if order is None:
        raise NotFound()
    return order


def _events(principal, order) -> list[dict]:
    staff = principal.customer is None
    return [{
        "at": e.at, "from_state": e.from_state, "from_label": str(e.from_label), "to_state": e.to_state,
        "to_label": str(e.to_label), "note": e.note,
        "internal_note": e.internal_note if staff else None,
        "actor": (e.actor.get_username() if e.actor_id else None) if staff else None,
        "visible_to_customer": e.visible_to_customer if staff else None,
    } for e in order_timeline(user=principal.actor, order=order, for_customer=not staff)]


def _order_page(qs, *, kind, states, updated_since, cursor, limit, summarize, labels) -> dict:
    """One cursor page of an order list, filtered by state and `updated_since`."""
    if states:
        qs = qs.filter(state__in=states)
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=aware(updated_since))
    rows, next_cursor = paginate(qs, kind=kind, keys=("updated_at", "id"), cursor=cursor, limit=limit)
    return {"items": [summarize(o, labels) for o in rows], "next_cursor": next_cursor}


@router.get(
    "/outbound-orders", auth=token("orders:read"), response={200: OutboundPage, **READ_ERRORS},
    summary=gettext_lazy("出库单列表"),
    description=gettext_lazy("按更新时间排序、游标分页的出库单（不含明细）。可按状态筛选（可重复传多个 state），"
                             "带 updated_since 时只返回之后有变化的订单，适合没有 Webhook 的系统定时轮询。"
                             "需要权限范围 orders:read。"),
)
def outbound_orders_list(request, customer_code: str | None = CUSTOMER_CODE,
                         state: list[OutboundState] | None = OUTBOUND_STATES,
                         updated_since: datetime.datetime | None = UPDATED_SINCE,
                         cursor: str | None = CURSOR, limit: int = LIMIT):
    customer = customer_scope(request.auth, customer_code)
    qs = _outbounds(request.auth, customer).values("id", *OUTBOUND_SUMMARY_FIELDS)
    return _order_page(qs, kind="outbound", states=state, updated_since=updated_since, cursor=cursor,
                       limit=limit, summarize=_outbound_summary, labels=_labels(OutboundState))


@router.get(
    "/outbound-orders/{number}", auth=token("orders:read"), response={200: OutboundOut, **ONE_ERRORS},
    summary=gettext_lazy("出库单详情"),
    description=gettext_lazy("一张出库单：状态、明细（数量、已分配、缺货不发、已拣、已发）、承运商和运单号、各环节时间。"
                             "看不到的订单（包括其他客户的）一律返回404。需要权限范围 orders:read。"),
)
def outbound_order_get(request, number: str):
    principal = request.auth
    return _outbound_out(principal, number)


@router.get(
    "/outbound-orders/{number}/events", auth=token("orders:read"), response={200: list[EventOut], **ONE_ERRORS},
    summary=gettext_lazy("出库单轨迹"),
    description=gettext_lazy("出库单的每一次状态变化，按时间先后。客户令牌只看到对客户可见的轨迹和说明；"
                             "员工令牌另含内部说明和操作人。需要权限范围 orders:read。"),
)
def outbound_order_events(request, number: str):
    principal = request.auth
    return _events(principal, _outbound(principal, number))


# ---- outbound writes ----------------------------------------------------------------------

def _idempotency_key(value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > 100 or not value.isprintable() or not value.isascii():
        raise ValidationFailed(details={"Idempotency-Key": [_("幂等键须为不超过100个字符的可打印ASCII字符")]})
    return value


def _active_warehouse(code: str | None) -> Warehouse | None:
    if not code:
        return None
    warehouse = Warehouse.objects.filter(code=code, is_active=True).first()
    if warehouse is None:
        raise ValidationFailed(details={"warehouse": [_("仓库编码“%(code)s”不存在或已停用") % {"code": code}]})
    return warehouse


def _check_replay(order, *, key: str, external_ref: str) -> None:
    """The services fingerprint the order's header and lines; the API's body also carries the
    customer reference, so a replay under the same key with another reference is a conflict."""
    if key and order.idempotency_key == key and order.external_ref != external_ref:
        message = _("幂等键“%(key)s”已用于内容不同的订单%(number)s") % {"key": key, "number": order.number}
        raise IdempotencyConflict(message, order=order, field="Idempotency-Key")


def _key_field(exc: IdempotencyConflict) -> IdempotencyConflict:
    if "idempotency_key" in exc.details:
        exc.details = {"Idempotency-Key": exc.details.pop("idempotency_key"), **exc.details}
    return exc


@router.post(
    "/outbound-orders", auth=token("orders:write"), response={200: OutboundOut, 201: OutboundOut, **WRITE_ERRORS},
    summary=gettext_lazy("提交出库单"),
    description=gettext_lazy(
        "提交一张出库单，并立即进行资料完整性检查、信用审核和库存分配："
        "返回的订单状态为 待补充、信用审核、已暂挂（含原因）或 已分配。"
        "新建返回201；用同一个 Idempotency-Key（或同一客户单号）重复提交相同内容返回200和原订单，不会重复建单；"
        "内容不同返回409。库存不足不是错误：订单被接收并暂挂，hold_reason 说明缺什么。需要权限范围 orders:write。"),
)
def outbound_order_submit(request, payload: OutboundIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    principal = request.auth
    key = _idempotency_key(idempotency_key)
    customer = customer_for_write(principal, payload.customer_code)
    data = payload.model_dump(exclude={"customer_code", "external_ref", "lines", "warehouse"})
    data["warehouse"] = _active_warehouse(payload.warehouse)
    lines = [line.model_dump() for line in payload.lines]
    external_ref = (payload.external_ref or "").strip()
    try:
        order, created = outbound_submit(actor=principal.actor, customer=customer, data=data, lines=lines,
                                         channel=Channel.API, external_ref=external_ref, idempotency_key=key)
    except IdempotencyConflict as exc:
        raise _key_field(exc) from None
    if not created:
        _check_replay(order, key=key, external_ref=external_ref)
    return Status(201 if created else 200, _outbound_out(principal, order.number))


@router.post(
    "/outbound-orders/{number}/cancel", auth=token("orders:write"), response={200: OutboundOut, **WRITE_ERRORS},
    summary=gettext_lazy("取消出库单"),
    description=gettext_lazy("取消尚未发货的出库单并释放已预留的库存；已发货的订单返回409。"
                             "需要权限范围 orders:write。"),
)
def outbound_order_cancel(request, number: str, payload: CancelIn):
    principal = request.auth
    require_perm(principal, "orders.cancel_outbound")
    order = _outbound(principal, number)
    outbound_cancel(actor=principal.actor, order=order, reason=payload.reason)
    return _outbound_out(principal, number)


# ---- inbound ------------------------------------------------------------------------------

def _inbound_summary(order, labels=None) -> dict:
    labels = labels or _labels(InboundState)
    out = {
        "number": order.number, "customer_code": order.customer.code, "external_ref": order.external_ref,
        "channel": order.channel, "state": order.state, "state_label": labels.get(order.state, order.state),
        "warehouse": order.warehouse.code, "expected_date": order.expected_date, "carrier": order.carrier,
        "vehicle": order.vehicle, "cancel_reason": order.cancel_reason,
    }
    out.update({name: getattr(order, name) for name in INBOUND_TIMES})
    return out


def _inbound_out(order) -> dict:
    return {
        **_inbound_summary(order), "note": order.note,
        "lines": [{
            "line_no": line.line_no, "item_code": line.item.code, "item_name": line.item.name,
            "expected_quantity": line.expected_quantity, "lot_number": line.lot_number,
            "received_good": line.received_good, "received_damaged": line.received_damaged,
            "put_away": line.put_away,
        } for line in order.lines.all()],
    }


def _inbounds(principal, customer=None):
    require_perm(principal, "orders.view_inboundorder")
    return inbound_list(user=principal.actor, customer=customer or principal.customer)


def _inbound(principal, number: str, *, with_lines: bool = True) -> InboundOrder:
    qs = _inbounds(principal).filter(number=number)
    if with_lines:
        qs = qs.prefetch_related(Prefetch("lines", queryset=InboundLine.objects.select_related("item")
                                          .order_by("line_no")))
    order = qs.first()
    if order is None:
        raise NotFound()
    return order


@router.get(
    "/inbound-orders", auth=token("orders:read"), response={200: InboundPage, **READ_ERRORS},
    summary=gettext_lazy("入库单列表"),
    description=gettext_lazy("按更新时间排序、游标分页的入库单（入库预报，不含明细），可按状态和 updated_since 筛选。"
                             "需要权限范围 orders:read。"),
)
def inbound_orders_list(request, customer_code: str | None = CUSTOMER_CODE,
                        state: list[InboundState] | None = INBOUND_STATES,
                        updated_since: datetime.datetime | None = UPDATED_SINCE,
                        cursor: str | None = CURSOR, limit: int = LIMIT):
    customer = customer_scope(request.auth, customer_code)
    qs = _inbounds(request.auth, customer).only(*INBOUND_SUMMARY_FIELDS)
    return _order_page(qs, kind="inbound", states=state, updated_since=updated_since, cursor=cursor,
                       limit=limit, summarize=_inbound_summary, labels=_labels(InboundState))


@router.get(
    "/inbound-orders/{number}", auth=token("orders:read"), response={200: InboundOut, **ONE_ERRORS},
    summary=gettext_lazy("入库单详情"),
    description=gettext_lazy("一张入库单：预报明细与实收良品、破损、已上架数量，各环节时间。看不到的订单返回404。"
                             "需要权限范围 orders:read。"),
)
def inbound_order_get(request, number: str):
    principal = request.auth
    return _inbound_out(_inbound(principal, number))


@router.get(
    "/inbound-orders/{number}/events", auth=token("orders:read"), response={200: list[EventOut], **ONE_ERRORS},
    summary=gettext_lazy("入库单轨迹"),
    description=gettext_lazy("入库单的每一次状态变化（预报、收货、上架、取消），按时间先后。"
                             "需要权限范围 orders:read。"),
)
def inbound_order_events(request, number: str):
    principal = request.auth
    return _events(principal, _inbound(principal, number, with_lines=False))


@router.post(
    "/inbound-orders", auth=token("orders:write"), response={200: InboundOut, 201: InboundOut, **WRITE_ERRORS},
    summary=gettext_lazy("提交入库预报"),
    description=gettext_lazy(
        "提交入库预报（ASN）：每个货品编码都须已建档。新建返回201；同一个 Idempotency-Key（或同一客户单号）"
        "重复提交相同内容返回200和原入库单；内容不同返回409。需要权限范围 orders:write。"),
)
def inbound_order_create(request, payload: InboundIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    principal = request.auth
    key = _idempotency_key(idempotency_key)
    customer = customer_for_write(principal, payload.customer_code)
    data = payload.model_dump(exclude={"customer_code", "external_ref", "lines", "warehouse"})
    warehouse = _active_warehouse(payload.warehouse)
    if warehouse is not None:
        data["warehouse"] = warehouse
    lines = [line.model_dump() for line in payload.lines]
    external_ref = (payload.external_ref or "").strip()
    try:
        order, created = inbound_create(actor=principal.actor, customer=customer, data=data, lines=lines,
                                        channel=Channel.API, external_ref=external_ref, idempotency_key=key)
    except IdempotencyConflict as exc:
        raise _key_field(exc) from None
    if not created:
        _check_replay(order, key=key, external_ref=external_ref)
    return Status(201 if created else 200, _inbound_out(_inbound(principal, order.number)))
