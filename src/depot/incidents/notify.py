"""What the customer hears of incidents and delays: messages published through the notifications
outbox in the transaction of the change (rolled back with it, never lost once it commits)."""

from depot.core.switches import Switch

EVENT_INCIDENT = "incident.updated"
EVENT_DELAY = "order.delayed"

_muted = Switch("depot_incidents_notifications_muted")


def muted():
    """No customer notifications for the changes made inside (demo data)."""
    return _muted.on()


def publish(*, event: str, customer, context: dict, related) -> list:
    if _muted:
        return []
    from depot.notifications.services import notification_publish

    return notification_publish(event=event, customer=customer, context=context, related=related)
