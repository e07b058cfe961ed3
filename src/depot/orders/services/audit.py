"""审核: the credit check (a supervisor's review when needed) and the capacity check (ship date
feasible, every line reserved from available stock), which together take an order from 待审核 to
已分配, 已暂挂 (with the reason) or 信用审核; and re-trying held orders when stock arrives."""

import zlib
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.audit import audit_record
from depot.core.db import update_rows
from depot.core.errors import IllegalTransition
from depot.core.permissions import require_perm
from depot.customers.choices import PaymentTerms
from depot.customers.selectors import customer_list
from depot.inventory.errors import InsufficientStock
from depot.inventory.services import reserve_for_document
from depot.orders import policy
from depot.orders.choices import OUTBOUND_OPEN_STATES, CreditReviewState, HoldKind, OutboundState
from depot.orders.models import OUTBOUND_DOCUMENT, CreditReview, OutboundLine, OutboundOrder
from depot.orders.services._transitions import lock_outbound, order_cutoff, require_text, transition
from depot.orders.services.outbound import lines_with_items, missing_note, missing_of

RETRY_HOLD_KINDS = (HoldKind.STOCK, HoldKind.WAIT)


def _lock_customer_credit(customer) -> None:
    # Two orders of one customer audited at once must not both fit under the limit that only
    # one of them fits: the exposure is read and judged under a per-customer lock.
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [zlib.crc32(b"depot.orders.credit") - 2**31, customer.pk])


_CREDIT_FIGURES_SQL = """
    SELECT EXISTS (SELECT 1 FROM {orders} o
                   WHERE o.customer_id = %(customer)s AND o.id <> %(order)s AND o.shipped_at IS NOT NULL),
           CASE WHEN %(on_credit)s THEN
               (SELECT SUM(o.total_value) FROM {orders} o
                WHERE o.customer_id = %(customer)s AND o.id <> %(order)s AND o.state = ANY(%(open)s))
           END
"""


def credit_figures(order: OutboundOrder) -> dict:
    """What the credit rules look at for this order (see `policy.credit_review_reasons`): whether
    the customer has had an order shipped, and (on credit, read under the per-customer lock) the
    value of their other open orders — both in one statement (written out: it runs for every order
    audited)."""
    customer = order.customer
    prepaid = customer.payment_terms == PaymentTerms.PREPAID
    if not prepaid:
        _lock_customer_credit(customer)
    with connection.cursor() as cur:
        cur.execute(_CREDIT_FIGURES_SQL.format(orders=OutboundOrder._meta.db_table),
                    {"customer": customer.pk, "order": order.pk, "on_credit": not prepaid,
                     "open": sorted(OUTBOUND_OPEN_STATES)})
        shipped, open_value = cur.fetchone()
    exposure = order.total_value
    if not prepaid:
        exposure += open_value or Decimal(0)
    return {"is_new_customer": not shipped, "exposure": exposure, "credit_limit": customer.credit_limit,
            "prepaid": prepaid, "overdue_amount": customer.overdue_amount}


def hold(order: OutboundOrder, *, actor, kind: str, reason: str, internal_note: str = "", save_fields=()) -> None:
    """Hold a (locked) order with its reason, or update the reason of one already held. The order
    is saved with `save_fields` too."""
    order.hold_kind, order.hold_reason = kind, reason
    if order.state == OutboundState.HELD:
        order.save(update_fields=sorted({"hold_kind", "hold_reason", "updated_at", *save_fields}))
        return
    transition(order, OutboundState.HELD, actor=actor, note=_("订单暂挂：%(reason)s") % {"reason": reason},
               internal_note=internal_note, save_fields=("hold_kind", "hold_reason", *save_fields))


def allocate(*, actor, order: OutboundOrder, lines: list[OutboundLine], note: str = "", save_fields=()) -> bool:
    """Reserve every outstanding line of a (locked) order through the inventory reservation API
    (FIFO/FEFO per item), all or nothing — or what there is, when the customer allows partial
    shipment (the rest of each line is recorded as short, never shipped). Moves the order to
    已分配; on a shortage holds it with the item, requested and available quantities. The order is
    saved with `save_fields` too. Runs in the caller's transaction (no savepoint): nothing is
    written before a shortage is known. The lines' items were read with the lines, in this
    transaction, and belong to the order's customer, whom the caller has checked the actor may see:
    the reservation does not read them again."""
    wanted = [line for line in lines if line.outstanding > 0]
    # CS chose to wait for the missing stock: no partial shipment of it, whatever the customer allows.
    partial = order.allow_partial and order.hold_kind != HoldKind.WAIT
    reserved: dict[int, int] = {}
    if wanted:
        try:
            reservations = reserve_for_document(
                actor=actor, lines=[(line.item, line.outstanding) for line in wanted],
                document_type=OUTBOUND_DOCUMENT, document_ref=order.number, warehouse=order.warehouse,
                allow_partial=partial, items_read=True)
        except InsufficientStock as exc:
            hold(order, actor=actor, kind=HoldKind.STOCK, reason=str(exc.message), save_fields=save_fields)
            return False
        for reservation in reservations:
            item_id = reservation.balance.item_id
            reserved[item_id] = reserved.get(item_id, 0) + reservation.quantity
        if not reserved:
            reason = "；".join(_("库存不足：%(item)s需要%(n)d，可用0") % {"item": line.item, "n": line.outstanding}
                              for line in wanted)
            hold(order, actor=actor, kind=HoldKind.STOCK, reason=reason, save_fields=save_fields)
            return False
    shorts = []
    for line in wanted:
        got = reserved.get(line.item_id, 0)
        if got < line.outstanding:
            shorts.append(_("%(item)s缺%(n)d") % {"item": line.item_code, "n": line.outstanding - got})
            line.short += line.outstanding - got
        line.allocated += got
    update_rows(OutboundLine, wanted, ["allocated", "short"])
    text = note or _("库存已分配")
    if shorts:
        text += "；" + _("部分发货：%(lines)s") % {"lines": "，".join(shorts)}
    order.hold_kind, order.hold_reason = HoldKind.NONE, ""
    transition(order, OutboundState.ALLOCATED, actor=actor, note=text,
               save_fields=("hold_kind", "hold_reason", *save_fields))
    return True


def capacity_check(*, actor, order: OutboundOrder, lines: list[OutboundLine], note: str = "", save_fields=()) -> None:
    """The ship date must be feasible (else 已暂挂 until CS changes it), then the stock is allocated."""
    reason = policy.date_infeasible_reason(order.requested_ship_date, timezone.now(), order_cutoff())
    if reason:
        hold(order, actor=actor, kind=HoldKind.DATE, reason=reason, save_fields=save_fields)
        return
    allocate(actor=actor, order=order, lines=lines, note=note, save_fields=save_fields)


@transaction.atomic
def outbound_audit(*, actor, order: OutboundOrder) -> OutboundOrder:
    """Audit a 待审核 order: complete again (else 待补充), credit (new customer, over the credit
    limit, overdue payments → 信用审核 with a CreditReview for a supervisor), capacity (ship date
    feasible, all lines reserved → 已分配; else 已暂挂 with the reason). Locks the order (and, for
    customers on credit, a per-customer credit lock). Raises IllegalTransition in another state."""
    require_perm(actor, "orders.audit_outbound")
    order = lock_outbound(actor, order)
    audit_unlocked(actor=actor, order=order, lines=lines_with_items(order))
    return order


def audit_unlocked(*, actor, order: OutboundOrder, lines: list[OutboundLine]) -> None:
    """The body of `outbound_audit` for an order the caller's transaction has locked or has just
    created (`outbound_submit`), with its lines and their items. Every outcome is one transition,
    which also saves the audit time and priority."""
    policy.require_state(order.state, (OutboundState.PENDING_AUDIT,), action=_("审核"), number=order.number)
    missing = missing_of(order, lines)
    if missing:
        order.missing = missing
        transition(order, OutboundState.INCOMPLETE, actor=actor, note=missing_note(missing), save_fields=("missing",))
        return
    order.audited_at = timezone.now()
    order.priority = policy.priority_for_grade(order.customer.grade)
    audited = ("audited_at", "priority")
    figures = credit_figures(order)
    reasons = policy.credit_review_reasons(**figures)
    if reasons:
        CreditReview.objects.create(order=order, reasons=reasons, exposure=figures["exposure"],
                                    credit_limit=figures["credit_limit"], overdue_amount=figures["overdue_amount"])
        transition(order, OutboundState.CREDIT_REVIEW, actor=actor, note=_("订单进入信用审核"),
                   internal_note="；".join(reasons), save_fields=audited)
        return
    capacity_check(actor=actor, order=order, lines=lines, note=_("审核通过，库存已分配"), save_fields=audited)


@transaction.atomic
def credit_review_decide(*, actor, review: CreditReview, approve: bool, reason: str = "") -> CreditReview:
    """A supervisor approves (the order goes on to the capacity check and allocation) or rejects
    (the order ends 已拒绝; a reason is required) a pending credit review. Locks the order, then
    the review. Raises IllegalTransition when already decided, PermissionDenied."""
    require_perm(actor, "orders.decide_credit_review", _("只有客户服务主管可以审批信用审核"))
    order = lock_outbound(actor, review.order)
    review = CreditReview.objects.select_for_update().get(pk=review.pk)
    if review.state != CreditReviewState.PENDING:
        raise IllegalTransition(_("该信用审核已处理（%(state)s）") % {"state": review.get_state_display()})
    reason = (reason or "").strip()
    if not approve:
        reason = require_text(reason, "reason", _("拒绝时请填写原因"), 200)
    elif len(reason) > 200:
        reason = reason[:200]
    policy.check_transition(policy.OUTBOUND_TRANSITIONS, order.state,
                            OutboundState.ALLOCATED if approve else OutboundState.REJECTED, number=order.number)
    review.state = CreditReviewState.APPROVED if approve else CreditReviewState.REJECTED
    review.decided_by, review.decided_at, review.decision_reason = actor, timezone.now(), reason
    review.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    audit_record(actor=actor, obj=order, action="credit_review", force=True,
                 note=f"{review.get_state_display()}：{reason}" if reason else str(review.get_state_display()))
    if approve:
        capacity_check(actor=actor, order=order, lines=lines_with_items(order),
                       note=_("信用审核通过，库存已分配") + (f"（{reason}）" if reason else ""))
    else:
        order.reject_reason = reason
        transition(order, OutboundState.REJECTED, actor=actor,
                   note=_("订单未通过信用审核：%(reason)s") % {"reason": reason}, save_fields=("reject_reason",))
    return review


@transaction.atomic
def outbound_allocate(*, actor, order: OutboundOrder) -> OutboundOrder:
    """Try again to allocate an order held for stock (or waiting for it after an exception).
    An order held for an impossible ship date needs its date changed (`outbound_supplement`)."""
    require_perm(actor, "orders.audit_outbound")
    order = lock_outbound(actor, order)
    policy.require_state(order.state, (OutboundState.HELD,), action=_("重新分配库存"), number=order.number)
    if order.hold_kind not in RETRY_HOLD_KINDS:
        raise IllegalTransition(_("该订单因发货日期不可行而暂挂，请先修改要求发货日期"))
    allocate(actor=actor, order=order, lines=lines_with_items(order), note=_("到货后重新分配库存"))
    return order


def outbound_retry_held(*, actor, limit: int = 200) -> list[OutboundOrder]:
    """For the periodic job: re-try the orders held for stock, VIP and grade A first, then the
    earliest due. Each order is tried in its own transaction; an order another worker has locked
    is skipped. Returns the orders allocated now."""
    require_perm(actor, "orders.audit_outbound")
    ids = list(OutboundOrder.objects.filter(state=OutboundState.HELD, hold_kind__in=RETRY_HOLD_KINDS,
                                            customer__in=customer_list(user=actor))
               .order_by("priority", "due_at", "created_at", "pk").values_list("pk", flat=True)[:limit])
    allocated = []
    for pk in ids:
        with transaction.atomic():
            order = (OutboundOrder.objects.select_for_update(of=("self",), skip_locked=True)
                     .select_related("customer").filter(pk=pk, state=OutboundState.HELD,
                                                        hold_kind__in=RETRY_HOLD_KINDS).first())
            if order is None:
                continue
            if allocate(actor=actor, order=order, lines=lines_with_items(order), note=_("到货后重新分配库存")):
                allocated.append(order)
    return allocated
