"""Inbound orders: the customer's advance shipping notice (ASN), receiving with discrepancies
(short, over, damaged — every one kept), putaway to compatible locations, and cancellation."""

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.audit import ACTION_CREATE, audit_record, snapshot
from depot.core.errors import ValidationFailed
from depot.core.permissions import require_perm
from depot.inventory.models import Item, Location, Warehouse
from depot.inventory.selectors import receiving_location_for
from depot.inventory.services import stock_post_damage, stock_putaway, stock_receive
from depot.orders import policy
from depot.orders.choices import Channel, InboundState
from depot.orders.models import INBOUND_DOCUMENT, InboundLine, InboundOrder, ReceiptLine
from depot.orders.services._transitions import (
    INBOUND_SEQUENCE,
    lock_inbound,
    next_number,
    record_creation,
    require_text,
    transition,
    visible_customer,
    whole_number,
)
from depot.orders.services.outbound import (
    find_existing,
    parse_choice,
    parse_date,
    parse_refs,
    replay,
    save_new_or_replay,
)

TEXT_LIMITS = {"carrier": 50, "vehicle": 20, "note": 2000}
HEADER_FIELDS = (*TEXT_LIMITS, "warehouse", "expected_date")
LINE_KEYS = frozenset({"item_code", "quantity", "lot_number", "note"})
AUDITED_FIELDS = ("number", "customer", "channel", "external_ref", "state", *HEADER_FIELDS)
IDEMPOTENCY_CONSTRAINTS = ("inbound_idempotency_key_unique", "inbound_external_ref_unique")


def _parse_header(data: Mapping | None) -> dict:
    data = dict(data or {})
    unknown = sorted(set(data) - set(HEADER_FIELDS))
    if unknown:
        raise ValidationFailed(details={f: [_("不能在此设置该字段")] for f in unknown})
    out, errors = {}, {}
    for name, limit in TEXT_LIMITS.items():
        text = "" if data.get(name) is None else str(data[name]).strip()
        if len(text) > limit:
            errors[name] = [_("不能超过%(n)d个字符") % {"n": limit}]
        out[name] = text
    try:
        out["expected_date"] = parse_date(data.get("expected_date"), "expected_date")
    except ValidationFailed as exc:
        errors.update(exc.details)
    warehouse = data.get("warehouse")
    if warehouse is None:
        active = list(Warehouse.objects.filter(is_active=True)[:2])
        if len(active) == 1:
            warehouse = active[0]
    if not isinstance(warehouse, Warehouse):
        errors["warehouse"] = [_("请选择收货仓库")]
    elif not warehouse.is_active:
        errors["warehouse"] = [_("仓库已停用")]
    out["warehouse"] = warehouse
    if errors:
        raise ValidationFailed(details=errors)
    return out


def _parse_lines(lines) -> list[dict]:
    if not lines or isinstance(lines, str | bytes | Mapping):
        raise ValidationFailed(details={"lines": [_("请填写预报的货品明细")]})
    out, errors = [], {}
    for n, raw in enumerate(lines, start=1):
        prefix = f"lines[{n}]"
        if not isinstance(raw, Mapping):
            errors[prefix] = [_("第%(n)d行格式错误") % {"n": n}]
            continue
        unknown = sorted(set(raw) - LINE_KEYS)
        if unknown:
            errors.update({f"{prefix}.{k}": [_("不能在此设置该字段")] for k in unknown})
        code = "" if raw.get("item_code") is None else str(raw["item_code"]).strip()
        if not code:
            errors[f"{prefix}.item_code"] = [_("请填写货品编码")]
        try:
            quantity = whole_number(raw.get("quantity"), f"{prefix}.quantity")
        except ValidationFailed as exc:
            errors.update(exc.details)
            quantity = None
        lot_number = "" if raw.get("lot_number") is None else str(raw["lot_number"]).strip()
        if len(lot_number) > 40:
            errors[f"{prefix}.lot_number"] = [_("批号不能超过40个字符")]
        note = "" if raw.get("note") is None else str(raw["note"]).strip()[:200]
        out.append({"item_code": code, "quantity": quantity, "lot_number": lot_number, "note": note})
    if errors:
        raise ValidationFailed(details=errors)
    return out


@transaction.atomic
def inbound_create(*, actor, customer, data: Mapping, lines, channel: str, external_ref: str = "",
                   idempotency_key: str = "") -> tuple[InboundOrder, bool]:
    """Record a customer's ASN (已预报). Returns (order, created); idempotent like
    `outbound_create` (a retry returns the original, a different body under the same key raises
    IdempotencyConflict). Every item code must be known: goods cannot be received for an item
    without its master data (storage class, rotation). Raises ValidationFailed (unknown code,
    quantity not a positive integer, expected date in the past, no warehouse), NotFound.
    Records the creation event and an audit entry."""
    require_perm(actor, "orders.add_inboundorder")
    customer = visible_customer(actor, customer)
    channel = parse_choice(channel, Channel, "channel", "")
    external_ref, idempotency_key = parse_refs(external_ref, idempotency_key)
    header = _parse_header(data)
    parsed = _parse_lines(lines)
    fingerprint = policy.request_fingerprint(header, parsed)
    existing = find_existing(InboundOrder, customer, idempotency_key, external_ref)
    if existing is not None:
        return replay(existing, fingerprint, idempotency_key), False
    if header["expected_date"] and header["expected_date"] < timezone.localdate():
        raise ValidationFailed(details={"expected_date": [_("预计到货日期不能早于今天")]})
    items = {i.code: i for i in Item.objects.filter(owner=customer, code__in=[p["item_code"] for p in parsed])}
    errors = {}
    for n, p in enumerate(parsed, start=1):
        item = items.get(p["item_code"])
        if item is None:
            errors[f"lines[{n}].item_code"] = [
                _("货品编码“%(code)s”不存在，请先建立货品档案") % {"code": p["item_code"]}]
        elif not item.is_active:
            errors[f"lines[{n}].item_code"] = [_("货品“%(code)s”已停用") % {"code": p["item_code"]}]
    if errors:
        raise ValidationFailed(details=errors)

    order = InboundOrder(customer=customer, channel=channel, external_ref=external_ref,
                         idempotency_key=idempotency_key, request_hash=fingerprint, state=InboundState.NOTIFIED,
                         created_by=actor if getattr(actor, "pk", None) else None, **header)
    order.number = next_number("RK", INBOUND_SEQUENCE)
    winner = save_new_or_replay(
        order, fingerprint=fingerprint, constraints=IDEMPOTENCY_CONSTRAINTS,
        on_duplicate=lambda: replay(find_existing(InboundOrder, customer, idempotency_key, external_ref),
                                    fingerprint, idempotency_key))
    if winner is not None:
        return winner, False
    InboundLine.objects.bulk_create([
        InboundLine(order=order, line_no=n, item=items[p["item_code"]], expected_quantity=p["quantity"],
                    lot_number=p["lot_number"], note=p["note"])
        for n, p in enumerate(parsed, start=1)
    ])
    record_creation(order, actor=actor, note=_("入库预报已接收（%(channel)s），共%(n)d行") % {
        "channel": order.get_channel_display(), "n": len(parsed)})
    audit_record(actor=actor, obj=order, action=ACTION_CREATE, after=snapshot(order, AUDITED_FIELDS))
    return order, True


def _receipt(raw, lines: dict[int, InboundLine], n: int) -> dict:
    prefix = f"receipts[{n}]"
    if not isinstance(raw, Mapping):
        raise ValidationFailed(details={prefix: [_("收货记录格式错误")]})
    line = raw.get("line")
    line_id = getattr(line, "pk", line)
    if line_id not in lines:
        raise ValidationFailed(details={f"{prefix}.line": [_("不是本入库单的明细")]})
    good = whole_number(raw.get("quantity_good", 0) or 0, f"{prefix}.quantity_good", allow_zero=True)
    damaged = whole_number(raw.get("quantity_damaged", 0) or 0, f"{prefix}.quantity_damaged", allow_zero=True)
    if good + damaged == 0:
        raise ValidationFailed(details={f"{prefix}.quantity_good": [_("良品与破损数量不能都为零")]})
    location = raw.get("location")
    if location is not None and not isinstance(location, Location):
        raise ValidationFailed(details={f"{prefix}.location": [_("收货库位无效")]})
    return {
        "line": lines[line_id], "good": good, "damaged": damaged, "location": location,
        "lot_number": str(raw.get("lot_number") or "").strip()[:40], "production_date": parse_date(
            raw.get("production_date"), f"{prefix}.production_date"),
        "expiry_date": parse_date(raw.get("expiry_date"), f"{prefix}.expiry_date"),
        "note": str(raw.get("note") or "").strip()[:200],
    }


def discrepancy_summary(lines) -> str:
    """One sentence per line that differs from the ASN (short, over, damaged), for the customer."""
    parts = []
    for line in lines:
        d = policy.Discrepancy(line.expected_quantity, line.received_good, line.received_damaged)
        if not d.clean:
            parts.append(_("%(item)s 预报%(e)d，实收%(r)d（%(what)s）") % {
                "item": line.item.code, "e": d.expected, "r": d.received, "what": d.text()})
    return "；".join(parts)


@transaction.atomic
def inbound_receive(*, actor, order: InboundOrder, receipts: list[dict], finish: bool = True) -> InboundOrder:
    """Record what arrived, per ASN line: good and damaged quantities, lot and dates. Each receipt
    posts a `receipt` move into a receiving (dock) location of the order's warehouse that accepts
    the item (or the `location` given); damaged units are then written off with a `damage` move.
    Short and over quantities stay visible on the line. `finish` ends receiving (已收货) and tells
    the customer what was received and any discrepancy; otherwise the order stays 收货中.
    Locks the order. Raises ValidationFailed, LocationRejected, IllegalTransition."""
    require_perm(actor, "orders.receive_inbound")
    order = lock_inbound(actor, order)
    policy.require_state(order.state, (InboundState.NOTIFIED, InboundState.RECEIVING), action=_("收货"),
                         number=order.number, choices_cls=InboundState)
    lines = {line.pk: line for line in InboundLine.objects.filter(order=order).select_related("item")}
    parsed = [_receipt(raw, lines, n) for n, raw in enumerate(receipts or [], start=1)]
    if not parsed and not finish:
        raise ValidationFailed(details={"receipts": [_("请填写收货数量")]})
    if finish and not parsed and not ReceiptLine.objects.filter(order=order).exists():
        raise ValidationFailed(details={"receipts": [_("尚未收到任何货物，不能完成收货；货物不来请取消入库单")]})
    now = timezone.now()
    docks: dict[int, Location] = {}
    rows = []
    for n, r in enumerate(parsed, start=1):
        line, item = r["line"], r["line"].item
        location = r["location"] or docks.get(item.pk) or receiving_location_for(item=item, warehouse=order.warehouse)
        if location is None:
            raise ValidationFailed(details={f"receipts[{n}].location": [_("仓库%(wh)s没有可接收该货品的收货库位") % {
                "wh": order.warehouse}]})
        docks[item.pk] = location
        move = stock_receive(actor=actor, item=item, quantity=r["good"] + r["damaged"], location=location,
                             lot_number=r["lot_number"] or line.lot_number, production_date=r["production_date"],
                             expiry_date=r["expiry_date"], document_type=INBOUND_DOCUMENT, document_ref=order.number,
                             reason=r["note"], at=now)
        if r["damaged"]:
            stock_post_damage(actor=actor, item=item, lot=move.lot, location=location, quantity=r["damaged"],
                              reason=r["note"] or _("收货时破损"), document_type=INBOUND_DOCUMENT,
                              document_ref=order.number, at=now)
        rows.append(ReceiptLine(order=order, line=line, lot=move.lot, location=location, quantity_good=r["good"],
                                quantity_damaged=r["damaged"], note=r["note"], received_by=actor, received_at=now))
        line.received_good += r["good"]
        line.received_damaged += r["damaged"]
    if rows:
        ReceiptLine.objects.bulk_create(rows)
        InboundLine.objects.bulk_update({r.line.pk: r.line for r in rows}.values(),
                                        ["received_good", "received_damaged"])
    if finish:
        ordered = sorted(lines.values(), key=lambda line: line.line_no)
        summary = discrepancy_summary(ordered)
        received = sum(line.received_good + line.received_damaged for line in ordered)
        note = _("收货完成，共实收%(n)d件") % {"n": received} + (
            "；" + _("差异：%(s)s") % {"s": summary} if summary else "；" + _("与预报相符"))
        transition(order, InboundState.RECEIVED, actor=actor, at=now, note=note)
    elif order.state == InboundState.NOTIFIED:
        transition(order, InboundState.RECEIVING, actor=actor, at=now, note=_("开始收货"))
    return order


@transaction.atomic
def inbound_putaway(*, actor, order: InboundOrder, placements: list[dict] | None = None) -> InboundOrder:
    """Put received good stock away from the dock: each placement {receipt, quantity (default: all
    that is left), location (default: the best compatible location with room,
    `inventory.selectors.putaway_suggestions`)}; no placements puts everything left away at the
    suggested locations. When receiving is finished and nothing is left on the dock the order is
    complete (已上架). Locks the order. Raises ValidationFailed, LocationRejected."""
    require_perm(actor, "orders.putaway_inbound")
    order = lock_inbound(actor, order)
    policy.require_state(order.state, (InboundState.RECEIVING, InboundState.RECEIVED), action=_("上架"),
                         number=order.number, choices_cls=InboundState)
    receipts = {r.pk: r for r in ReceiptLine.objects.filter(order=order)
                .select_related("line__item", "lot", "location")}
    if placements is None:
        placements = [{"receipt": r} for r in receipts.values() if r.to_put_away > 0]
    plan, errors = [], {}
    planned: dict[int, int] = {}
    for n, raw in enumerate(placements, start=1):
        prefix = f"placements[{n}]"
        receipt = receipts.get(getattr(raw.get("receipt"), "pk", raw.get("receipt")))
        if receipt is None:
            errors[f"{prefix}.receipt"] = [_("不是本入库单的收货记录")]
            continue
        left = receipt.to_put_away - planned.get(receipt.pk, 0)
        try:
            quantity = left if raw.get("quantity") is None else whole_number(raw["quantity"], f"{prefix}.quantity")
        except ValidationFailed as exc:
            errors.update(exc.details)
            continue
        if quantity <= 0 or quantity > left:
            errors[f"{prefix}.quantity"] = [_("可上架数量为%(n)d") % {"n": left}]
            continue
        location = raw.get("location")
        if location is not None and not isinstance(location, Location):
            errors[f"{prefix}.location"] = [_("库位无效")]
            continue
        planned[receipt.pk] = planned.get(receipt.pk, 0) + quantity
        plan.append((receipt, quantity, location))
    if errors:
        raise ValidationFailed(details=errors)
    now = timezone.now()
    moved: dict[int, int] = {}
    for receipt, quantity, location in plan:
        stock_putaway(actor=actor, item=receipt.line.item, lot=receipt.lot, from_location=receipt.location,
                      quantity=quantity, to_location=location, document_type=INBOUND_DOCUMENT,
                      document_ref=order.number, at=now)
        receipt.put_away += quantity
        receipt.line.put_away += quantity
        moved[receipt.line_id] = moved.get(receipt.line_id, 0) + quantity
    if plan:
        ReceiptLine.objects.bulk_update({r.pk: r for r, _q, _l in plan}.values(), ["put_away"])
        InboundLine.objects.bulk_update({r.line_id: r.line for r, _q, _l in plan}.values(), ["put_away"])
    if order.state == InboundState.RECEIVED and all(r.to_put_away == 0 for r in receipts.values()):
        total = sum(r.put_away for r in receipts.values())
        transition(order, InboundState.PUT_AWAY, actor=actor, at=now,
                   note=_("上架完成，共%(n)d件入库可用") % {"n": total})
    return order


@transaction.atomic
def inbound_cancel(*, actor, order: InboundOrder, reason: str) -> InboundOrder:
    """Cancel an ASN before anything was received (goods on the dock cannot be un-received)."""
    require_perm(actor, "orders.cancel_inbound")
    order = lock_inbound(actor, order)
    reason = require_text(reason, "reason", _("请填写取消原因"), 200)
    policy.check_transition(policy.INBOUND_TRANSITIONS, order.state, InboundState.CANCELLED, number=order.number)
    order.cancel_reason = reason
    transition(order, InboundState.CANCELLED, actor=actor, note=_("入库单已取消：%(reason)s") % {"reason": reason},
               save_fields=("cancel_reason",))
    return order
