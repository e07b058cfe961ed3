"""What the customer hears of their orders: a transition hook (registered by `OrdersConfig.ready`)
that publishes the customer-visible changes through the notifications outbox, in the transaction
of the change — rolled back with it, never lost once it commits.

Told: an order incomplete (what is missing), held (why), shipped (carrier, tracking number), and
the other milestones the customer acts on or waits for (accepted with stock allocated, paused by
an exception, rejected, cancelled, delivered); an inbound order received (quantities and every
discrepancy). Steps inside the warehouse (audit, credit review, picking, packing) and events
marked internal are not sent.
"""


from django.utils.translation import gettext as _

from depot.core.switches import Switch
from depot.orders import policy
from depot.orders.choices import InboundState, OutboundState
from depot.orders.models import InboundLine, InboundOrder, OrderEvent, OutboundOrder

EVENT_INCOMPLETE = "order.incomplete"
EVENT_HELD = "order.held"
EVENT_SHIPPED = "order.shipped"
EVENT_STATUS = "order.status_changed"
EVENT_RECEIVED = "inbound.received"

OUTBOUND_EVENTS = {
    OutboundState.INCOMPLETE: EVENT_INCOMPLETE,
    OutboundState.HELD: EVENT_HELD,
    OutboundState.SHIPPED: EVENT_SHIPPED,
    OutboundState.ALLOCATED: EVENT_STATUS,
    OutboundState.SUSPENDED: EVENT_STATUS,
    OutboundState.REJECTED: EVENT_STATUS,
    OutboundState.CANCELLED: EVENT_STATUS,
    OutboundState.DELIVERED: EVENT_STATUS,
}
INBOUND_EVENTS = {InboundState.RECEIVED: EVENT_RECEIVED}

_muted = Switch("depot_orders_notifications_muted")


def muted():
    """No customer notifications for the changes made inside (demo data: its contacts' addresses
    look real)."""
    return _muted.on()


def event_for(order, event: OrderEvent) -> str | None:
    """The notification event of a state change, or None when the customer is not told."""
    if not event.visible_to_customer:
        return None
    table = OUTBOUND_EVENTS if isinstance(order, OutboundOrder) else INBOUND_EVENTS
    return table.get(event.to_state)


def _outbound_context(order: OutboundOrder, event: OrderEvent, code: str) -> dict:
    context = {"order_no": order.number, "external_ref": order.external_ref, "note": event.note}
    if code == EVENT_INCOMPLETE:
        context["missing"] = list(order.missing or [])
    elif code == EVENT_HELD:
        context.update(reason=order.hold_reason, held_at=event.at)
    elif code == EVENT_SHIPPED:
        context.update(carrier=order.carrier, tracking_no=order.tracking_number, shipped_at=event.at,
                       packages=order.packages.count())
    else:
        context.update(
            status=event.to_state, status_label=policy.state_label(OutboundState, event.to_state),
            previous_status=event.from_state,
            previous_status_label=policy.state_label(OutboundState, event.from_state) if event.from_state else "",
            changed_at=event.at,
        )
    return context


def _inbound_context(order: InboundOrder, event: OrderEvent) -> dict:
    lines, discrepancies = [], []
    for line in InboundLine.objects.filter(order=order).select_related("item").order_by("line_no"):
        d = policy.Discrepancy(line.expected_quantity, line.received_good, line.received_damaged)
        item = line.item
        lines.append({"sku": item.code, "name": item.name, "expected": d.expected, "received": d.received,
                      "good": d.good, "damaged": d.damaged})
        for kind, quantity in ((_("短少"), d.short), (_("超收"), d.over), (_("破损"), d.damaged)):
            if quantity:
                discrepancies.append({"sku": item.code, "name": item.name, "kind": kind, "quantity": quantity,
                                      "note": line.note})
    return {"inbound_no": order.number, "external_ref": order.external_ref, "received_at": event.at,
            "lines": lines, "discrepancies": discrepancies, "note": event.note}


def notify_customer(order, event: OrderEvent) -> list:
    """The transition hook: publish the change to the customer's primary contact (email) and the
    webhook endpoints subscribed to the event, in the caller's transaction. Returns the
    notifications written (none when the customer is not told or has no address)."""
    if _muted:
        return []
    code = event_for(order, event)
    if code is None:
        return []
    from depot.notifications.services import notification_publish

    if isinstance(order, OutboundOrder):
        context = _outbound_context(order, event, code)
    else:
        context = _inbound_context(order, event)
    return notification_publish(event=code, customer=order.customer, context=context, related=order)
