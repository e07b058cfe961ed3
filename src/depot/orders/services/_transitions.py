"""The one way an order changes state, and the small helpers every orders service shares.

Lock order in this app (after which the inventory services take theirs): outbound order rows (by
pk) → pick list row → pick line / exception / credit review rows → inventory rows.
"""

import re
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.errors import NotFound, ValidationFailed
from depot.customers.models import Customer
from depot.customers.selectors import customer_list
from depot.orders import policy
from depot.orders.choices import InboundState, OutboundState, PickListState
from depot.orders.models import InboundOrder, OrderEvent, OutboundOrder, PickLine, PickList

TransitionHook = Callable[[object, OrderEvent], None]

# Called inside the transaction of every state change, after its event is written, with
# (order, event). The notification worker registers one that enqueues the customer's message.
on_transition: list[TransitionHook] = []


def register_transition_hook(hook: TransitionHook) -> None:
    if hook not in on_transition:
        on_transition.append(hook)


OUTBOUND_STEP_FIELDS = {
    OutboundState.PENDING_AUDIT: "completed_at",
    OutboundState.HELD: "held_at",
    OutboundState.ALLOCATED: "allocated_at",
    OutboundState.PICKING: "picking_at",
    OutboundState.PICKED: "picked_at",
    OutboundState.SUSPENDED: "suspended_at",
    OutboundState.PACKED: "packed_at",
    OutboundState.SHIPPED: "shipped_at",
    OutboundState.DELIVERED: "delivered_at",
    OutboundState.CONFIRMED: "confirmed_at",
    OutboundState.CANCELLED: "cancelled_at",
    OutboundState.REJECTED: "rejected_at",
}
INBOUND_STEP_FIELDS = {
    InboundState.RECEIVING: "receiving_at",
    InboundState.RECEIVED: "received_at",
    InboundState.PUT_AWAY: "put_away_at",
    InboundState.CANCELLED: "cancelled_at",
}


def _table(order):
    if isinstance(order, OutboundOrder):
        return policy.OUTBOUND_TRANSITIONS, OUTBOUND_STEP_FIELDS
    return policy.INBOUND_TRANSITIONS, INBOUND_STEP_FIELDS


def _actor(actor):
    return actor if getattr(actor, "pk", None) else None


def _event(order, *, from_state: str, to_state: str, actor, at, note: str, internal_note: str,
           visible_to_customer: bool) -> OrderEvent:
    outbound = isinstance(order, OutboundOrder)
    event = OrderEvent.objects.create(
        outbound=order if outbound else None, inbound=None if outbound else order, from_state=from_state,
        to_state=to_state, actor=_actor(actor), at=at, note=note or "", internal_note=internal_note or "",
        visible_to_customer=visible_to_customer,
    )
    for hook in list(on_transition):
        hook(order, event)
    return event


def transition(order, to: str, *, actor, note: str = "", internal_note: str = "", visible_to_customer: bool = True,
               at=None, save_fields=()) -> OrderEvent:
    """Move a (locked) order to `to`: refuse a move its transition table does not allow (raising
    IllegalTransition before anything changes), stamp the step's time, save the order with
    `save_fields`, write the timeline event and call the `on_transition` hooks."""
    table, steps = _table(order)
    policy.check_transition(table, order.state, to, number=order.number)
    at = at or timezone.now()
    from_state = order.state
    order.state = to
    fields = {"state", "updated_at", *save_fields}
    step = steps.get(to)
    if step:
        setattr(order, step, at)
        fields.add(step)
    order.save(update_fields=sorted(fields))
    return _event(order, from_state=from_state, to_state=to, actor=actor, at=at, note=note,
                  internal_note=internal_note, visible_to_customer=visible_to_customer)


def record_creation(order, *, actor, note: str = "", internal_note: str = "") -> OrderEvent:
    """The first event of a new order: from nothing to its initial state."""
    table, steps = _table(order)
    policy.check_transition(table, policy.CREATED, order.state, number=order.number)
    step = steps.get(order.state)
    at = getattr(order, step) if step else order.created_at
    return _event(order, from_state=policy.CREATED, to_state=order.state, actor=actor, at=at or order.created_at,
                  note=note, internal_note=internal_note, visible_to_customer=True)


def next_number(prefix: str, sequence: str) -> str:
    """`<prefix><yymmdd><n>` with n from a PostgreSQL sequence: unique under concurrency, never reused."""
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(%s)", [sequence])
        n = cur.fetchone()[0]
    return f"{prefix}{timezone.localdate():%y%m%d}{n:04d}"


def lock_outbound(actor, order) -> OutboundOrder:
    """The order, row-locked, if the actor may see its customer; NotFound otherwise."""
    try:
        return (OutboundOrder.objects.select_for_update(of=("self",)).select_related("customer")
                .filter(customer__in=customer_list(user=actor)).get(pk=order.pk))
    except OutboundOrder.DoesNotExist:
        raise NotFound() from None


def lock_inbound(actor, order) -> InboundOrder:
    try:
        return (InboundOrder.objects.select_for_update(of=("self",)).select_related("customer", "warehouse")
                .filter(customer__in=customer_list(user=actor)).get(pk=order.pk))
    except InboundOrder.DoesNotExist:
        raise NotFound() from None


def visible_customer(actor, customer):
    try:
        return customer_list(user=actor).get(pk=customer.pk)
    except (Customer.DoesNotExist, AttributeError):
        raise NotFound() from None


def require_text(value, field: str, message: str, max_length: int | None = None) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if not value:
        raise ValidationFailed(details={field: [message]})
    if max_length and len(value) > max_length:
        raise ValidationFailed(details={field: [_("不能超过%(n)d个字符") % {"n": max_length}]})
    return value


def whole_number(value, field: str, *, allow_zero: bool = False) -> int:
    """An integer quantity (ints, integral floats and digit strings are accepted)."""
    if isinstance(value, bool):
        value = None
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise ValidationFailed(details={field: [_("数量必须是整数")]})
    if value < 0 or (value == 0 and not allow_zero):
        raise ValidationFailed(details={field: [_("数量必须大于零") if not allow_zero else _("数量不能为负数")]})
    return value


OUTBOUND_SEQUENCE = "orders_outbound_number_seq"
INBOUND_SEQUENCE = "orders_inbound_number_seq"
PICKLIST_SEQUENCE = "orders_picklist_number_seq"


def order_cutoff():
    """The daily cut-off: orders received later ship the next day at the earliest."""
    return getattr(settings, "DEPOT_ORDER_CUTOFF", policy.DEFAULT_CUTOFF)


def close_finished_pick_lists(pick_list_ids) -> set[int]:
    """Mark done the (locked) pick lists that have no line left to confirm; returns their ids."""
    ids = set(pick_list_ids)
    if not ids:
        return set()
    still_open = set(PickLine.objects.filter(pick_list_id__in=ids, confirmed_at__isnull=True, cancelled=False)
                     .order_by().values_list("pick_list_id", flat=True).distinct())
    done = ids - still_open
    if done:
        PickList.objects.filter(pk__in=done, state=PickListState.OPEN).update(
            state=PickListState.DONE, completed_at=timezone.now())
    return done


def lock_pick_lists(ids) -> None:
    list(PickList.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk").values_list("pk"))
