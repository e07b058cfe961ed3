"""Taking outbound orders in: idempotent creation, the completeness check, supplementing what was
missing, submission in one go (create → completeness → audit → allocation), and cancellation."""

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.audit import ACTION_CREATE, ACTION_UPDATE, audit_record, snapshot
from depot.core.errors import IllegalTransition, ValidationFailed
from depot.core.permissions import require_perm
from depot.customers.choices import Status
from depot.inventory.models import Item, Warehouse
from depot.inventory.services import document_release
from depot.orders import policy
from depot.orders.choices import (
    Channel,
    CreditReviewState,
    ExceptionState,
    HoldKind,
    OutboundState,
    Resolution,
    ServiceLevel,
)
from depot.orders.errors import IdempotencyConflict
from depot.orders.models import (
    OUTBOUND_DOCUMENT,
    CreditReview,
    OrderException,
    OutboundLine,
    OutboundOrder,
    PickLine,
)
from depot.orders.services._transitions import (
    OUTBOUND_SEQUENCE,
    close_finished_pick_lists,
    lock_outbound,
    lock_pick_lists,
    next_number,
    order_cutoff,
    record_creation,
    require_text,
    transition,
    visible_customer,
    whole_number,
)

TEXT_LIMITS = {
    "consignee_name": 100, "consignee_phone": 30, "province": 20, "city": 30, "district": 30, "address": 200,
    "note": 2000,
}
HEADER_FIELDS = (*TEXT_LIMITS, "requested_ship_date", "service_level", "allow_partial", "warehouse")
LINE_KEYS = frozenset({"item_code", "quantity", "note"})
AUDITED_FIELDS = (
    "number", "customer", "channel", "external_ref", "state", *HEADER_FIELDS, "total_value",
)
IDEMPOTENCY_CONSTRAINTS = ("outbound_idempotency_key_unique", "outbound_external_ref_unique")


# ---- input --------------------------------------------------------------------------------

def parse_date(value, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationFailed(details={field: [_("日期格式应为YYYY-MM-DD")]})


def parse_choice(value, choices_cls, field: str, default: str) -> str:
    value = default if value in (None, "") else value
    if value not in choices_cls.values:
        raise ValidationFailed(details={field: [_("“%(value)s”不是有效的选项") % {"value": value}]})
    return value


def parse_refs(external_ref, idempotency_key) -> tuple[str, str]:
    external_ref = (external_ref or "").strip()
    idempotency_key = (idempotency_key or "").strip()
    errors = {}
    if len(external_ref) > 64:
        errors["external_ref"] = [_("客户单号不能超过64个字符")]
    if len(idempotency_key) > 100:
        errors["idempotency_key"] = [_("幂等键不能超过100个字符")]
    if errors:
        raise ValidationFailed(details=errors)
    return external_ref, idempotency_key


def parse_header(data: Mapping | None) -> dict:
    """The order's header fields from a request, normalised; ValidationFailed on a malformed value."""
    data = dict(data or {})
    unknown = sorted(set(data) - set(HEADER_FIELDS))
    if unknown:
        raise ValidationFailed(details={f: [_("不能在此设置该字段")] for f in unknown})
    out: dict = {}
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        try:
            if name in TEXT_LIMITS:
                text = "" if value is None else str(value).strip()
                if len(text) > TEXT_LIMITS[name]:
                    raise ValidationFailed(details={name: [_("不能超过%(n)d个字符") % {"n": TEXT_LIMITS[name]}]})
                out[name] = text
            elif name == "requested_ship_date":
                out[name] = parse_date(value, name)
            elif name == "service_level":
                out[name] = parse_choice(value, ServiceLevel, name, ServiceLevel.STANDARD)
            elif name == "allow_partial":
                if value not in (None, True, False, 0, 1):
                    raise ValidationFailed(details={name: [_("请填写是或否")]})
                out[name] = bool(value)
            elif name == "warehouse":
                if value is not None and not isinstance(value, Warehouse):
                    raise ValidationFailed(details={name: [_("仓库无效")]})
                out[name] = value
        except ValidationFailed as exc:
            errors.update(exc.details)
    if errors:
        raise ValidationFailed(details=errors)
    return out


def parse_lines(lines) -> list[dict]:
    """Order lines as {item_code, quantity, note}. A missing code or quantity is kept (the order is
    then 待补充); a quantity that is not a positive integer, or a code given twice, is refused."""
    if lines is None:
        lines = []
    if isinstance(lines, str | bytes | Mapping) or not hasattr(lines, "__iter__"):
        raise ValidationFailed(details={"lines": [_("货品明细格式错误")]})
    out, errors, seen = [], {}, {}
    for n, raw in enumerate(lines, start=1):
        prefix = f"lines[{n}]"
        if not isinstance(raw, Mapping):
            errors[prefix] = [_("第%(n)d行格式错误") % {"n": n}]
            continue
        unknown = sorted(set(raw) - LINE_KEYS)
        if unknown:
            errors.update({f"{prefix}.{k}": [_("不能在此设置该字段")] for k in unknown})
        code = "" if raw.get("item_code") is None else str(raw.get("item_code")).strip()
        if len(code) > 40:
            errors[f"{prefix}.item_code"] = [_("货品编码不能超过40个字符")]
        elif code in seen:
            errors[f"{prefix}.item_code"] = [_("与第%(n)d行货品编码重复") % {"n": seen[code]}]
        elif code:
            seen[code] = n
        quantity = raw.get("quantity")
        if quantity is None or (isinstance(quantity, str) and not quantity.strip()):
            quantity = None
        else:
            try:
                quantity = whole_number(quantity, f"{prefix}.quantity")
            except ValidationFailed as exc:
                errors.update(exc.details)
        note = "" if raw.get("note") is None else str(raw.get("note")).strip()[:200]
        out.append({"item_code": code, "quantity": quantity, "note": note})
    if errors:
        raise ValidationFailed(details=errors)
    return out


def _check_ship_date(header: dict) -> None:
    date = header.get("requested_ship_date")
    if date is not None and date < timezone.localdate():
        raise ValidationFailed(details={"requested_ship_date": [_("要求发货日期不能早于今天")]})


def _check_can_order(customer) -> None:
    if customer.status in (Status.SUSPENDED, Status.CLOSED):
        raise ValidationFailed(details={"customer": [_("客户状态为“%(status)s”，不能下单") % {
            "status": customer.get_status_display()}]})


# ---- lines and completeness ---------------------------------------------------------------

def build_lines(order: OutboundOrder, parsed: list[dict]) -> list[OutboundLine]:
    codes = [p["item_code"] for p in parsed if p["item_code"]]
    items = {i.code: i for i in Item.objects.filter(owner_id=order.customer_id, code__in=codes)} if codes else {}
    lines = []
    for n, p in enumerate(parsed, start=1):
        item = items.get(p["item_code"])
        lines.append(OutboundLine(order=order, line_no=n, item_code=p["item_code"], item=item,
                                  quantity=p["quantity"], unit_value=item.unit_value if item else Decimal(0),
                                  note=p["note"]))
    return lines


def resolve_unknown_items(order: OutboundOrder, lines: list[OutboundLine]) -> list[OutboundLine]:
    """Link lines whose item code is now known (the item was created after the order); returns
    the lines that changed."""
    unknown = {line.item_code: line for line in lines if line.item_id is None and line.item_code}
    if not unknown:
        return []
    changed = []
    for item in Item.objects.filter(owner_id=order.customer_id, code__in=list(unknown)):
        line = unknown[item.code]
        line.item, line.unit_value = item, item.unit_value
        changed.append(line)
    return changed


def missing_of(order: OutboundOrder, lines: list[OutboundLine]) -> list[str]:
    facts = [policy.LineFacts(line_no=line.line_no, item_code=line.item_code, quantity=line.quantity,
                              item_known=line.item_id is not None,
                              item_active=line.item.is_active if line.item_id else True) for line in lines]
    return policy.outbound_missing(consignee_name=order.consignee_name, consignee_phone=order.consignee_phone,
                                   address=order.address, lines=facts)


def _total_value(lines) -> Decimal:
    return sum((line.value for line in lines), Decimal(0))


def _set_due(order: OutboundOrder, now) -> None:
    order.due_at = policy.due_ship_at(order.requested_ship_date, order.service_level, now, order_cutoff())


def missing_note(missing: list[str]) -> str:
    return _("请补充：%(what)s") % {"what": "；".join(missing)}


def apply_completeness(*, actor, order: OutboundOrder, lines: list[OutboundLine], note: str = "",
                       extra_fields=()) -> None:
    """Classify a (locked) order as 待补充 or 待审核 after its data or lines changed; the customer
    is told what is missing. Saves the order (with `extra_fields`)."""
    missing = missing_of(order, lines)
    order.missing = missing
    order.total_value = _total_value(lines)
    fields = {"missing", "total_value", *extra_fields}
    if missing:
        text = "；".join(filter(None, [note, missing_note(missing)]))
        if order.state != OutboundState.INCOMPLETE:
            order.hold_kind, order.hold_reason = HoldKind.NONE, ""
            transition(order, OutboundState.INCOMPLETE, actor=actor, note=text,
                       save_fields=fields | {"hold_kind", "hold_reason"})
        else:
            order.save(update_fields=sorted(fields | {"updated_at"}))
        return
    now = timezone.now()
    _set_due(order, now)
    fields.add("due_at")
    if order.state != OutboundState.PENDING_AUDIT:
        order.hold_kind, order.hold_reason = HoldKind.NONE, ""
        transition(order, OutboundState.PENDING_AUDIT, actor=actor, at=now, note=note or _("资料齐全，等待审核"),
                   save_fields=fields | {"hold_kind", "hold_reason"})
    else:
        order.save(update_fields=sorted(fields | {"updated_at"}))


# ---- idempotency --------------------------------------------------------------------------

def find_existing(model, customer, idempotency_key: str, external_ref: str):
    """The customer's order with this idempotency key, else with this reference, else None."""
    cond = Q()
    if idempotency_key:
        cond |= Q(idempotency_key=idempotency_key)
    if external_ref:
        cond |= Q(external_ref=external_ref)
    if not cond:
        return None
    found = list(model.objects.filter(customer=customer).filter(cond)[:2])
    by_key = [o for o in found if idempotency_key and o.idempotency_key == idempotency_key]
    return (by_key or found or [None])[0]


def replay(existing, fingerprint: str, idempotency_key: str):
    """The earlier order when the request is a retry of it; IdempotencyConflict when its body differs."""
    if existing.request_hash == fingerprint:
        return existing
    if idempotency_key and existing.idempotency_key == idempotency_key:
        message = _("幂等键“%(key)s”已用于内容不同的订单%(number)s") % {
            "key": idempotency_key, "number": existing.number}
        raise IdempotencyConflict(message, order=existing, field="idempotency_key")
    message = _("客户单号“%(ref)s”已用于内容不同的订单%(number)s") % {
        "ref": existing.external_ref, "number": existing.number}
    raise IdempotencyConflict(message, order=existing, field="external_ref")


def save_new_or_replay(order, *, fingerprint: str, constraints, on_duplicate):
    """Insert `order` in a savepoint. When a simultaneous identical submission won the race on a
    unique constraint, return `on_duplicate()` (the winner, or IdempotencyConflict) instead."""
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError as exc:
        if not any(name in str(exc) for name in constraints):
            raise
        return on_duplicate()
    return None


# ---- services -----------------------------------------------------------------------------

@transaction.atomic
def outbound_create(*, actor, customer, data: Mapping, lines, channel: str, external_ref: str = "",
                    idempotency_key: str = "") -> tuple[OutboundOrder, bool]:
    """Take an outbound order in. Returns (order, created).

    A retry with an idempotency key (or customer reference) already used and the same body returns
    the original order (created=False); the same key with a different body raises
    IdempotencyConflict. Unknown item codes and missing data do not fail: the order is created as
    待补充 listing what is missing. Raises ValidationFailed (quantity not a positive integer, a code
    given twice, ship date in the past, customer suspended or closed; nothing is created),
    NotFound (customer not visible), PermissionDenied. Records the creation event and an audit entry.
    """
    order, created, _lines = create_in_transaction(
        actor=actor, customer=customer, data=data, lines=lines, channel=channel, external_ref=external_ref,
        idempotency_key=idempotency_key)
    return order, created


def create_in_transaction(*, actor, customer, data: Mapping, lines, channel: str, external_ref: str = "",
                          idempotency_key: str = "") -> tuple[OutboundOrder, bool, list[OutboundLine]]:
    """`outbound_create` in the caller's transaction; also returns the new order's lines (with their
    items) — empty for a replayed order. Only the insert has a savepoint: a retry is recognised by
    the unique idempotency key or customer reference when the insert fails on it (retries are
    rare, so the common case does not look for an earlier order first)."""
    require_perm(actor, "orders.add_outboundorder")
    customer = visible_customer(actor, customer)
    channel = parse_choice(channel, Channel, "channel", "")
    external_ref, idempotency_key = parse_refs(external_ref, idempotency_key)
    header = parse_header(data)
    parsed = parse_lines(lines)
    fingerprint = policy.request_fingerprint(header, parsed)
    try:
        _check_can_order(customer)
        _check_ship_date(header)
    except ValidationFailed:
        # A retry of an order taken in earlier is answered with it, even if it could not be taken now.
        existing = find_existing(OutboundOrder, customer, idempotency_key, external_ref)
        if existing is None:
            raise
        return replay(existing, fingerprint, idempotency_key), False, []

    now = timezone.now()
    order = OutboundOrder(customer=customer, channel=channel, external_ref=external_ref,
                          idempotency_key=idempotency_key, request_hash=fingerprint,
                          created_by=actor if getattr(actor, "pk", None) else None, created_at=now,
                          priority=policy.priority_for_grade(customer.grade), **header)
    order_lines = build_lines(order, parsed)
    order.missing = missing_of(order, order_lines)
    order.total_value = _total_value(order_lines)
    if order.missing:
        order.state = OutboundState.INCOMPLETE
    else:
        order.state, order.completed_at = OutboundState.PENDING_AUDIT, now
        _set_due(order, now)
    order.number = next_number("CK", OUTBOUND_SEQUENCE)
    winner = save_new_or_replay(
        order, fingerprint=fingerprint, constraints=IDEMPOTENCY_CONSTRAINTS,
        on_duplicate=lambda: replay(find_existing(OutboundOrder, customer, idempotency_key, external_ref),
                                    fingerprint, idempotency_key))
    if winner is not None:
        return winner, False, []
    OutboundLine.objects.bulk_create(order_lines)
    note = _("订单已接收（%(channel)s）") % {"channel": order.get_channel_display()}
    if order.missing:
        note += "，" + missing_note(order.missing)
    record_creation(order, actor=actor, note=note)
    audit_record(actor=actor, obj=order, action=ACTION_CREATE, after=snapshot(order, AUDITED_FIELDS),
                 sensitive=("consignee_phone",), new_object=True)
    return order, True, order_lines


@transaction.atomic
def outbound_submit(*, actor, customer, data: Mapping, lines, channel: str, external_ref: str = "",
                    idempotency_key: str = "") -> tuple[OutboundOrder, bool]:
    """Create an order and run it as far as it goes in one transaction: completeness → audit
    (credit, ship date) → allocation. Returns (order, created); the order ends 待补充, 信用审核,
    已暂挂 (with the reason) or 已分配. A retry returns the original order untouched.

    The new order is audited as created: it is not visible to any other transaction yet, so it is
    neither locked nor read again, and no step has a savepoint of its own."""
    from depot.orders.services.audit import audit_unlocked

    order, created, order_lines = create_in_transaction(
        actor=actor, customer=customer, data=data, lines=lines, channel=channel, external_ref=external_ref,
        idempotency_key=idempotency_key)
    if created and order.state == OutboundState.PENDING_AUDIT:
        require_perm(actor, "orders.audit_outbound")
        audit_unlocked(actor=actor, order=order, lines=order_lines)
    return order, created


def lines_with_items(order) -> list[OutboundLine]:
    """The order's lines in line order, with their items."""
    return list(OutboundLine.objects.filter(order=order).select_related("item").order_by("line_no"))


@transaction.atomic
def outbound_check_completeness(*, actor, order: OutboundOrder) -> OutboundOrder:
    """Check a 待补充 or 待审核 order again (e.g. after the customer's missing item was created):
    it moves to 待审核 when nothing is missing, to 待补充 (customer told what) otherwise."""
    require_perm(actor, "orders.change_outboundorder")
    order = lock_outbound(actor, order)
    policy.require_state(order.state, (OutboundState.INCOMPLETE, OutboundState.PENDING_AUDIT),
                         action=_("检查资料"), number=order.number)
    lines = lines_with_items(order)
    changed = resolve_unknown_items(order, lines)
    if changed:
        OutboundLine.objects.bulk_update(changed, ["item", "unit_value"])
    apply_completeness(actor=actor, order=order, lines=lines)
    return order


@transaction.atomic
def outbound_supplement(*, actor, order: OutboundOrder, data: Mapping | None = None, lines=None,
                        note: str = "") -> OutboundOrder:
    """Fill in what an order lacked (header fields in `data`; `lines`, when given, replace all
    lines) and check it again. Allowed while 待补充 or 待审核, and while 已暂挂 for an impossible ship
    date. The original request (and its idempotency hash) is unchanged. Locks the order.
    Raises ValidationFailed, IllegalTransition. Audited."""
    require_perm(actor, "orders.change_outboundorder")
    order = lock_outbound(actor, order)
    policy.require_state(order.state, (OutboundState.INCOMPLETE, OutboundState.PENDING_AUDIT, OutboundState.HELD),
                         action=_("补充资料"), number=order.number)
    if order.state == OutboundState.HELD and order.hold_kind != HoldKind.DATE:
        raise IllegalTransition(_("因库存暂挂的订单不能修改，请等待到货或取消后重新下单"))
    header = parse_header(data)
    _check_ship_date(header)
    parsed = parse_lines(lines) if lines is not None else None
    before = snapshot(order, AUDITED_FIELDS)
    for name, value in header.items():
        setattr(order, name, value)
    if parsed is not None:
        OutboundLine.objects.filter(order=order).delete()
        order_lines = OutboundLine.objects.bulk_create(build_lines(order, parsed))
    else:
        order_lines = lines_with_items(order)
        changed = resolve_unknown_items(order, order_lines)
        if changed:
            OutboundLine.objects.bulk_update(changed, ["item", "unit_value"])
    apply_completeness(actor=actor, order=order, lines=order_lines, note=(note or "").strip() or _("资料已补充"),
                       extra_fields=set(header))
    audit_record(actor=actor, obj=order, action=ACTION_UPDATE, before=before, after=snapshot(order, AUDITED_FIELDS),
                 sensitive=("consignee_phone",), note=(note or "").strip(), force=parsed is not None)
    return order


@transaction.atomic
def outbound_cancel(*, actor, order: OutboundOrder, reason: str) -> OutboundOrder:
    """Cancel an order that has not shipped: every reservation is released (picked goods stay in
    the staging area, free, to be moved back), open exceptions and a pending credit review are
    closed, unpicked pick lines are voided. Raises IllegalTransition after shipment (nothing
    changes), ValidationFailed without a reason."""
    require_perm(actor, "orders.cancel_outbound")
    order = lock_outbound(actor, order)
    reason = require_text(reason, "reason", _("请填写取消原因"), 200)
    policy.check_transition(policy.OUTBOUND_TRANSITIONS, order.state, OutboundState.CANCELLED, number=order.number)
    now = timezone.now()
    totals = OutboundLine.objects.filter(order=order).aggregate(allocated=Sum("allocated"), picked=Sum("picked"))
    released = 0
    if totals["allocated"] or totals["picked"]:
        released = document_release(actor=actor, document_type=OUTBOUND_DOCUMENT, document_ref=order.number)
    open_lines = PickLine.objects.filter(order=order, confirmed_at__isnull=True, cancelled=False)
    list_ids = set(open_lines.values_list("pick_list_id", flat=True))
    if list_ids:
        lock_pick_lists(list_ids)
        open_lines.update(cancelled=True)
        close_finished_pick_lists(list_ids)
    OrderException.objects.filter(order=order, state=ExceptionState.OPEN).update(
        state=ExceptionState.RESOLVED, resolution=Resolution.CANCEL, resolution_note=reason, resolved_by=actor,
        resolved_at=now)
    CreditReview.objects.filter(order=order, state=CreditReviewState.PENDING).update(
        state=CreditReviewState.WITHDRAWN, decided_by=actor, decided_at=now, decision_reason=reason)
    internal = [_("释放预留%(n)d件") % {"n": released}] if released else []
    if totals["picked"]:
        internal.append(_("已拣货物留在出库暂存区，请移回存储库位"))
    order.cancel_reason, order.hold_kind, order.hold_reason = reason, HoldKind.NONE, ""
    transition(order, OutboundState.CANCELLED, actor=actor, at=now,
               note=_("订单已取消：%(reason)s") % {"reason": reason}, internal_note="；".join(internal),
               save_fields=("cancel_reason", "hold_kind", "hold_reason"))
    return order
