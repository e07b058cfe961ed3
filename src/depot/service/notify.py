"""What others hear of complaints and inquiries, through the notifications outbox, in the
transaction of the change:

- `complaint.updated` on every step of a complaint (webhooks, so a CRM stays in sync);
- `complaint.answered`: an email with the answer to the complaint's contact (else the primary one);
- `complaint.escalated` / `inquiry.escalated`: an email to each person of the level it went up to.
"""

import logging

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from depot.core.switches import Switch
from depot.service.choices import ComplaintState, EscalationLevel

logger = logging.getLogger("depot.service")

EVENT_UPDATED = "complaint.updated"
EVENT_ANSWERED = "complaint.answered"
EVENT_ESCALATED = "complaint.escalated"
EVENT_INQUIRY_ESCALATED = "inquiry.escalated"

_muted = Switch("depot_service_notifications_muted")


def muted():
    """No notifications for the changes made inside (demo data)."""
    return _muted.on()


def _valid(email: str) -> bool:
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def complaint_context(complaint) -> dict:
    return {
        "complaint_no": complaint.code, "state": complaint.state,
        "state_label": str(ComplaintState(complaint.state).label),
        "category": complaint.category, "severity": complaint.severity,
        "escalation_level": complaint.escalation_level,
        "escalation_label": str(EscalationLevel(complaint.escalation_level).label),
        "received_at": complaint.received_at, "first_response_due": complaint.first_response_due,
        "resolution_due": complaint.resolution_due, "answered_at": complaint.answered_at,
        "closed_at": complaint.closed_at, "rejection_count": complaint.rejection_count,
        "answer": complaint.answer,
    }


def complaint_updated(complaint, *, step: str, note: str = "") -> list:
    if _muted:
        return []
    from depot.notifications.services import notification_publish

    return notification_publish(event=EVENT_UPDATED, customer=complaint.customer,
                                context={**complaint_context(complaint), "step": step, "note": note},
                                related=complaint)


def complaint_answered(complaint) -> list:
    """Email the answer to the contact who complained, or the customer's primary contact."""
    if _muted:
        return []
    from depot.customers.selectors import primary_contact
    from depot.notifications.choices import Channel
    from depot.notifications.services import notification_enqueue

    contact = complaint.contact if complaint.contact_id and complaint.contact.email else primary_contact(
        complaint.customer)
    if contact is None or not contact.email or not _valid(contact.email):
        return []
    customer = complaint.customer
    return [notification_enqueue(
        event=EVENT_ANSWERED, customer=customer, channel=Channel.EMAIL, recipient=contact.email,
        template_code=EVENT_ANSWERED, related=complaint,
        context={"customer_name": customer.short_name or customer.name, "contact_name": contact.name,
                 **complaint_context(complaint)},
    )]


def _email_staff(users, *, event: str, customer, related, context: dict) -> list:
    if _muted:
        return []
    from depot.notifications.choices import Channel
    from depot.notifications.services import notification_enqueue

    sent = []
    for user in users:
        if not user.email or not _valid(user.email):
            continue
        sent.append(notification_enqueue(
            event=event, customer=customer, channel=Channel.EMAIL, recipient=user.email, template_code=event,
            related=related, context={"staff_name": user.get_full_name() or user.get_username(), **context},
        ))
    return sent


def complaint_escalated(complaint, *, recipients, reason: str) -> list:
    customer = complaint.customer
    return _email_staff(recipients, event=EVENT_ESCALATED, customer=customer, related=complaint, context={
        "customer_name": customer.short_name or customer.name, "reason": reason, **complaint_context(complaint)})


def inquiry_escalated(inquiry, *, recipients) -> list:
    customer = inquiry.customer
    return _email_staff(recipients, event=EVENT_INQUIRY_ESCALATED, customer=customer, related=inquiry, context={
        "customer_name": customer.short_name or customer.name, "question": inquiry.question,
        "received_at": inquiry.received_at, "response_due": inquiry.response_due,
        "owner_name": (inquiry.owner.get_full_name() or inquiry.owner.get_username()) if inquiry.owner_id else "",
    })
