"""Executing outbound orders in the warehouse: pick lists (a wave of orders or one), pick
confirmation (consumes the reservations; a shortage or damage suspends the order and opens an
exception for CS), packing, shipping, delivery and the customer's receipt confirmation."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.db import update_rows
from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.core.permissions import require_perm
from depot.customers.selectors import customer_list
from depot.inventory.models import Reservation
from depot.inventory.selectors import open_reservations_for_documents
from depot.inventory.services import (
    reservation_consume,
    reservation_release,
    reservations_pick_in_transaction,
    stock_post_damage,
)
from depot.inventory.services.reservations import document_ship_in_transaction
from depot.orders import policy
from depot.orders.choices import ExceptionKind, ExceptionState, HoldKind, OutboundState, PickListState
from depot.orders.models import (
    OUTBOUND_DOCUMENT,
    OrderException,
    OutboundLine,
    OutboundOrder,
    Package,
    PickLine,
    PickList,
)
from depot.orders.services._transitions import (
    PICKLIST_SEQUENCE,
    close_finished_pick_lists,
    lock_outbound,
    lock_pick_lists,
    next_number,
    require_text,
    transition,
    whole_number,
)

EXECUTION_STATES = (OutboundState.PICKING, OutboundState.SUSPENDED)


def _occurred(value: datetime.datetime | None, field: str, *, not_before=None) -> datetime.datetime:
    now = timezone.now()
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + datetime.timedelta(minutes=5):
        raise ValidationFailed(details={field: [_("时间不能晚于当前时间")]})
    if not_before is not None and value < not_before:
        raise ValidationFailed(details={field: [_("时间不能早于上一步骤的时间")]})
    return value


def add_pick_lines(pick_list: PickList, orders: dict[str, OutboundOrder], reservations) -> list[PickLine]:
    """Pick lines for open storage reservations of `orders` (by number), in walking order:
    location code, then item code, then the higher-priority order."""
    order_ids = [o.pk for o in orders.values()]
    lines = {(line.order_id, line.item_id): line for line in OutboundLine.objects.filter(order_id__in=order_ids)}
    rows = []
    for reservation in reservations:
        balance = reservation.balance
        order = orders[reservation.document_ref]
        rows.append(PickLine(
            pick_list=pick_list, order=order, line=lines[(order.pk, balance.item_id)], reservation=reservation,
            item_id=balance.item_id, lot_id=balance.lot_id, location_id=balance.location_id,
            location_code=balance.location.code, quantity=reservation.open_quantity,
        ))
    rows.sort(key=lambda p: (p.location_code, p.line.item_code, p.order.priority, p.order.number))
    return PickLine.objects.bulk_create(rows)


@transaction.atomic
def picklist_create(*, actor, orders) -> PickList:
    """A pick list for one allocated order or a wave of several: one line per reserved (lot,
    location), sorted by location code. The orders move to 拣货中. Locks the orders in pk order.
    Raises IllegalTransition when an order is not 已分配 (nothing changes), NotFound."""
    return picklist_create_in_transaction(actor=actor, orders=orders)


def picklist_create_in_transaction(*, actor, orders) -> PickList:
    """`picklist_create` inside the caller's transaction, without a savepoint of its own (it raises
    only before writing anything)."""
    require_perm(actor, "orders.add_picklist")
    ids = sorted({o.pk for o in orders})
    if not ids:
        raise ValidationFailed(details={"orders": [_("请选择要拣货的订单")]})
    locked = list(OutboundOrder.objects.select_for_update(of=("self",)).filter(
        pk__in=ids, customer__in=customer_list(user=actor)).order_by("pk"))
    if len(locked) != len(ids):
        raise NotFound()
    not_ready = [o.number for o in locked if o.state != OutboundState.ALLOCATED]
    if not_ready:
        message = _("以下订单不是“已分配”状态，不能生成拣货单：%(numbers)s") % {"numbers": "、".join(not_ready)}
        raise IllegalTransition(message, details={"orders": [message]})
    by_number = {o.number: o for o in locked}
    on_a_list = PickLine.objects.filter(reservation_id=OuterRef("pk"), confirmed_at__isnull=True, cancelled=False)
    reservations = list(open_reservations_for_documents(user=actor, document_type=OUTBOUND_DOCUMENT,
                                                        document_refs=list(by_number), storage_only=True)
                        .filter(~Exists(on_a_list)))
    if not reservations:
        raise ValidationFailed(details={"orders": [_("所选订单没有待拣货的货品")]})
    pick_list = PickList.objects.create(number=next_number("JH", PICKLIST_SEQUENCE), created_by=actor)
    add_pick_lines(pick_list, by_number, reservations)
    for order in locked:
        transition(order, OutboundState.PICKING, actor=actor, note=_("开始拣货"),
                   internal_note=_("拣货单%(n)s") % {"n": pick_list.number})
    return pick_list


_PICKING_FIGURES = (
    "SELECT e.n, p.n, l.outstanding, l.picked"
    f" FROM (SELECT COUNT(*) AS n FROM {OrderException._meta.db_table} WHERE order_id = %(order)s"
    " AND state = %(open)s) e,"
    f" (SELECT COUNT(*) AS n FROM {PickLine._meta.db_table} WHERE order_id = %(order)s AND confirmed_at IS NULL"
    " AND NOT cancelled) p,"
    " (SELECT COALESCE(SUM(GREATEST(COALESCE(quantity, 0) - allocated - short, 0)), 0) AS outstanding,"
    f" COALESCE(SUM(picked), 0) AS picked FROM {OutboundLine._meta.db_table} WHERE order_id = %(order)s) l"
)


def picking_figures(order: OutboundOrder) -> dict:
    """What decides where an order in execution goes next (`policy.state_after_picking`), in one
    statement: open exceptions, unconfirmed pick lines, quantity still outstanding (per line, what is
    neither allocated nor short), quantity picked. Written out: built with the ORM, its four
    subqueries cost more to assemble than to run."""
    with connection.cursor() as cursor:
        cursor.execute(_PICKING_FIGURES, {"order": order.pk, "open": ExceptionState.OPEN})
        exceptions, unconfirmed, outstanding, picked = cursor.fetchone()
    return {"open_exceptions": exceptions, "unconfirmed_pick_lines": unconfirmed, "outstanding": int(outstanding),
            "picked": int(picked)}


def after_picking(*, actor, order: OutboundOrder, note: str = "") -> None:
    """Move a (locked) order in execution on, once a pick is confirmed or an exception resolved."""
    figures = picking_figures(order)
    outstanding = figures["outstanding"]
    to = policy.state_after_picking(**figures)
    if to is None:
        message = _("订单已没有可发货的货品，不能部分发货，请选择取消或等待到货")
        raise ValidationFailed(details={"resolution": [message]})
    if to == order.state:
        return
    if to == OutboundState.HELD:
        order.hold_kind = HoldKind.WAIT
        order.hold_reason = _("等待到货：尚缺%(n)d件") % {"n": outstanding}
        transition(order, to, actor=actor, note=_("订单暂挂：%(reason)s") % {"reason": order.hold_reason},
                   save_fields=("hold_kind", "hold_reason"))
        return
    default = {OutboundState.PICKED: _("拣货完成"), OutboundState.PICKING: _("继续拣货")}.get(to, "")
    transition(order, to, actor=actor, note=note or default)


@transaction.atomic
def pick_confirm(*, actor, pick_line: PickLine, picked_quantity: int, damaged_quantity: int = 0,
                 note: str = "") -> PickLine:
    """Confirm one pick line: what was picked goes to the outbound staging area (consuming its
    reservation); damaged units are released and written off (`damage` move); units not found are
    released. A shortage or damage opens an OrderException for CS and suspends the order (挂起).
    When the order's last line is picked it becomes 已拣货.

    Locks the order, then the pick list, then the line: of two people confirming the same line
    at once, the second is refused ("该拣货行已被确认") and changes nothing.
    """
    require_perm(actor, "orders.confirm_pick")
    try:
        order_id, list_id = PickLine.objects.values_list("order_id", "pick_list_id").get(pk=pick_line.pk)
    except PickLine.DoesNotExist:
        raise NotFound() from None
    order = lock_outbound(actor, OutboundOrder(pk=order_id))
    lock_pick_lists([list_id])
    line = (PickLine.objects.select_for_update(of=("self",))
            .select_related("reservation", "item", "lot", "location", "line").get(pk=pick_line.pk))
    if line.confirmed_at is not None:
        raise IllegalTransition(_("该拣货行已被确认"))
    if line.cancelled:
        raise IllegalTransition(_("该拣货行已作废（订单已取消）"))
    policy.require_state(order.state, EXECUTION_STATES, action=_("确认拣货"), number=order.number)
    picked = whole_number(picked_quantity, "picked_quantity", allow_zero=True)
    damaged = whole_number(damaged_quantity, "damaged_quantity", allow_zero=True)
    if picked + damaged > line.quantity:
        raise ValidationFailed(details={"picked_quantity": [_("实拣与破损合计不能超过应拣数量%(n)d") % {
            "n": line.quantity}]})
    note = (note or "").strip()[:200]
    missing = line.quantity - picked - damaged
    if picked:
        reservation_consume(actor=actor, reservation=line.reservation, quantity=picked)
    if damaged or missing:
        reservation_release(actor=actor, reservation=line.reservation, quantity=damaged + missing)
    if damaged:
        stock_post_damage(actor=actor, item=line.item, lot=line.lot, location=line.location, quantity=damaged,
                          reason=note or _("拣货发现破损"), document_type=OUTBOUND_DOCUMENT, document_ref=order.number)
    now = timezone.now()
    line.picked, line.damaged, line.note = picked, damaged, note
    line.confirmed_by, line.confirmed_at = actor, now
    line.save(update_fields=["picked", "damaged", "note", "confirmed_by", "confirmed_at"])
    order_line = line.line
    order_line.picked += picked
    order_line.allocated -= damaged + missing
    order_line.damaged += damaged
    order_line.not_found += missing
    order_line.save(update_fields=["picked", "allocated", "damaged", "not_found"])
    close_finished_pick_lists([list_id])

    where = _("库位%(loc)s 批次%(lot)s 货品%(item)s") % {"loc": line.location_code, "lot": line.lot, "item": line.item}
    problems = []
    if missing:
        problems.append(OrderException(
            order=order, line=order_line, pick_line=line, kind=ExceptionKind.SHORTAGE, quantity=missing,
            opened_by=actor, opened_at=now,
            details=_("拣货短缺：%(where)s应拣%(q)d，实拣%(p)d，短缺%(m)d。%(note)s") % {
                "where": where, "q": line.quantity, "p": picked, "m": missing, "note": note}))
    if damaged:
        problems.append(OrderException(
            order=order, line=order_line, pick_line=line, kind=ExceptionKind.DAMAGE, quantity=damaged,
            opened_by=actor, opened_at=now,
            details=_("拣货破损：%(where)s破损%(d)d（已报损）。%(note)s") % {
                "where": where, "d": damaged, "note": note}))
    if problems:
        OrderException.objects.bulk_create(problems)
        if order.state != OutboundState.SUSPENDED:
            transition(order, OutboundState.SUSPENDED, actor=actor, at=now,
                       note=_("拣货发现异常，客服正在处理"),
                       internal_note="；".join(p.details for p in problems))
        return line
    after_picking(actor=actor, order=order)
    return line


@transaction.atomic
def picklist_confirm_all(*, actor, pick_list: PickList) -> PickList:
    """Confirm every open line of a pick list as picked in full — the keeper found everything the
    list asks for — in one pass instead of `pick_confirm` per line (a line with a shortage or
    damage is confirmed with `pick_confirm` first). The reservations are picked to the staging
    area together (`reservations_pick`); each order then moves on as after `pick_confirm`
    (已拣货 when nothing is left to pick), and the list is done.

    Locks the list's orders in pk order, then the pick list, then its lines. Raises
    IllegalTransition when the list has no open line or one of its orders is not being picked,
    NotFound when the actor may not see an order; nothing changes then. Returns the pick list.
    """
    require_perm(actor, "orders.confirm_pick")
    open_lines = (PickLine.objects.filter(pick_list_id=pick_list.pk, confirmed_at__isnull=True, cancelled=False)
                  .order_by())
    # The orders with an open line, locked (in pk order) by the statement that finds them.
    orders = list(OutboundOrder.objects.select_for_update().filter(pk__in=open_lines.values("order_id"))
                  .annotate(visible=Exists(customer_list(user=actor).filter(pk=OuterRef("customer_id"))))
                  .order_by("pk"))
    if not orders:
        raise IllegalTransition(_("拣货单%(n)s没有待确认的拣货行") % {"n": pick_list.number})
    if not all(order.visible for order in orders):
        raise NotFound()
    order_ids = [order.pk for order in orders]
    for order in orders:
        policy.require_state(order.state, EXECUTION_STATES, action=_("确认拣货"), number=order.number)
    lock_pick_lists([pick_list.pk])
    lines = list(open_lines.filter(order_id__in=order_ids).select_for_update(of=("self",))
                 .select_related("line").order_by("pk"))
    if not lines:
        raise IllegalTransition(_("拣货单%(n)s没有待确认的拣货行") % {"n": pick_list.number})
    reservations_pick_in_transaction(actor=actor, picks=[(Reservation(pk=line.reservation_id), line.quantity)
                                                         for line in lines])
    now = timezone.now()
    order_lines: dict[int, OutboundLine] = {}
    for line in lines:
        line.picked, line.confirmed_by, line.confirmed_at = line.quantity, actor, now
        order_line = order_lines.setdefault(line.line_id, line.line)
        order_line.picked += line.quantity
    update_rows(PickLine, lines, ["picked", "confirmed_by", "confirmed_at"])
    update_rows(OutboundLine, order_lines.values(), ["picked"])
    # Done unless a line is still open (one added meanwhile for an order not locked here).
    if (PickList.objects.filter(pk=pick_list.pk, state=PickListState.OPEN)
            .exclude(Exists(PickLine.objects.filter(pick_list_id=OuterRef("pk"), confirmed_at__isnull=True,
                                                    cancelled=False)))
            .update(state=PickListState.DONE, completed_at=now)):
        pick_list.state, pick_list.completed_at = PickListState.DONE, now
    confirmed = {line.order_id for line in lines}
    for order in orders:
        if order.pk in confirmed:
            after_picking(actor=actor, order=order)
    return pick_list


def _decimal(value, field: str, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(details={field: [_("请填写")]})
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(details={field: [_("请填写数字")]}) from None
    if not number.is_finite() or number <= 0 or number >= 10**5:
        raise ValidationFailed(details={field: [_("必须是大于零的合理数值")]})
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def outbound_pack(*, actor, order: OutboundOrder, packages: list[dict]) -> list[Package]:
    """Record the packages of a picked order (weight in kg, dimensions in cm) → 已包装."""
    require_perm(actor, "orders.execute_outbound")
    order = lock_outbound(actor, order)
    policy.check_transition(policy.OUTBOUND_TRANSITIONS, order.state, OutboundState.PACKED, number=order.number)
    if not packages:
        raise ValidationFailed(details={"packages": [_("请至少登记一个包裹")]})
    rows, errors = [], {}
    for n, data in enumerate(packages, start=1):
        try:
            rows.append(Package(
                order=order, seq=n, created_by=actor,
                weight_kg=_decimal(data.get("weight_kg"), f"packages[{n}].weight_kg", required=True),
                length_cm=_decimal(data.get("length_cm"), f"packages[{n}].length_cm", required=False),
                width_cm=_decimal(data.get("width_cm"), f"packages[{n}].width_cm", required=False),
                height_cm=_decimal(data.get("height_cm"), f"packages[{n}].height_cm", required=False),
            ))
        except ValidationFailed as exc:
            errors.update(exc.details)
        except AttributeError:
            errors[f"packages[{n}]"] = [_("包裹信息格式错误")]
    if errors:
        raise ValidationFailed(details=errors)
    created = Package.objects.bulk_create(rows)
    weight = sum(p.weight_kg for p in rows)
    transition(order, OutboundState.PACKED, actor=actor,
               note=_("已包装：共%(n)d件，总重%(w)s千克") % {"n": len(rows), "w": weight})
    return created


def _add_shipped(order: OutboundOrder, by_item: dict[int, int]) -> None:
    """Add what was shipped of each item to the (locked) order's lines of that item, in one UPDATE."""
    if not by_item:
        return
    params: list = []
    for item_id, quantity in by_item.items():
        params += [item_id, quantity]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {OutboundLine._meta.db_table} AS t SET shipped = t.shipped + v.quantity::integer"
            f" FROM (VALUES {', '.join(['(%s, %s)'] * len(by_item))}) AS v(item_id, quantity)"
            " WHERE t.order_id = %s AND t.item_id = v.item_id::bigint", [*params, order.pk])


@transaction.atomic
def outbound_ship(*, actor, order: OutboundOrder, carrier: str, tracking_number: str,
                  shipped_at: datetime.datetime | None = None) -> OutboundOrder:
    """Hand a packed order to the carrier: ships its staged stock (`document_ship`: shipment moves
    to the customer), records carrier, tracking number and shipped time → 已发货."""
    require_perm(actor, "orders.execute_outbound")
    order = lock_outbound(actor, order)
    policy.check_transition(policy.OUTBOUND_TRANSITIONS, order.state, OutboundState.SHIPPED, number=order.number)
    carrier = require_text(carrier, "carrier", _("请填写承运商"), 50)
    tracking_number = require_text(tracking_number, "tracking_number", _("请填写运单号"), 50)
    shipped_at = _occurred(shipped_at, "shipped_at", not_before=order.packed_at)
    moves = document_ship_in_transaction(actor=actor, document_type=OUTBOUND_DOCUMENT, document_ref=order.number,
                                         at=shipped_at)
    by_item: dict[int, int] = {}
    for move in moves:
        by_item[move.item_id] = by_item.get(move.item_id, 0) + move.quantity
    _add_shipped(order, by_item)
    order.carrier, order.tracking_number = carrier, tracking_number
    transition(order, OutboundState.SHIPPED, actor=actor, at=shipped_at,
               note=_("已发货：%(carrier)s 运单号%(no)s，共%(n)d件") % {
                   "carrier": carrier, "no": tracking_number, "n": sum(by_item.values())},
               save_fields=("carrier", "tracking_number"))
    return order


@transaction.atomic
def outbound_deliver(*, actor, order: OutboundOrder, delivered_at: datetime.datetime | None = None,
                     note: str = "") -> OutboundOrder:
    """Record the carrier's delivery → 已送达."""
    require_perm(actor, "orders.execute_outbound")
    order = lock_outbound(actor, order)
    policy.check_transition(policy.OUTBOUND_TRANSITIONS, order.state, OutboundState.DELIVERED, number=order.number)
    delivered_at = _occurred(delivered_at, "delivered_at", not_before=order.shipped_at)
    transition(order, OutboundState.DELIVERED, actor=actor, at=delivered_at,
               note=(note or "").strip() or _("货物已送达"))
    return order


@transaction.atomic
def outbound_confirm_receipt(*, actor, order: OutboundOrder, rating: int, comment: str = "") -> OutboundOrder:
    """The customer confirms receipt (签收) with a rating of 1–5 and a comment → 已签收. Allowed
    once shipped; a receipt before the carrier's delivery report also records the delivery."""
    require_perm(actor, "orders.confirm_receipt")
    order = lock_outbound(actor, order)
    policy.check_transition(policy.OUTBOUND_TRANSITIONS, order.state, OutboundState.CONFIRMED, number=order.number)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed(details={"rating": [_("评分须为1到5分")]})
    comment = (comment or "").strip()[:2000]
    now = timezone.now()
    order.rating, order.receipt_comment = rating, comment
    fields = ["rating", "receipt_comment"]
    if order.delivered_at is None:
        order.delivered_at = now
        fields.append("delivered_at")
    transition(order, OutboundState.CONFIRMED, actor=actor, at=now,
               note=_("客户已签收，评分%(r)d") % {"r": rating} + (f"：{comment}" if comment else ""),
               save_fields=fields)
    return order

