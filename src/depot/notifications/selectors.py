"""Reads of the outbox. Staff who may see notifications see those of the customers they may see
(supervisors and admins: all, including messages not about a customer)."""

from django.db.models import Q, QuerySet

from depot.core.errors import NotFound
from depot.customers import selectors as customer_selectors
from depot.customers.choices import ConsentPurpose
from depot.notifications.models import MessageTemplate, Notification, WebhookEndpoint

DELIVER_TASK = "notifications.deliver"


def notification_list(*, user) -> QuerySet[Notification]:
    if not (user and user.is_active and user.has_perm("notifications.view_notification")):
        return Notification.objects.none()
    qs = Notification.objects.all()
    if not customer_selectors.sees_all_customers(user):
        qs = qs.filter(customer__in=customer_selectors.customer_list(user=user))
    return qs


def notification_get(*, user, pk) -> Notification:
    try:
        return notification_list(user=user).get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def template_for(*, code: str, channel: str) -> MessageTemplate | None:
    return MessageTemplate.objects.filter(code=code, channel=channel).first()


def endpoints_for(*, event: str, customer) -> QuerySet[WebhookEndpoint]:
    """Active endpoints subscribed to `event` that may receive this customer's data: the customer's
    own, and the warehouse's (no owner)."""
    owners = Q(owner__isnull=True) | (Q(owner=customer) if customer is not None else Q(pk__in=[]))
    return WebhookEndpoint.objects.filter(owners, active=True, events__contains=[event]).order_by("pk")


def third_party_consent_in_force(customer) -> bool:
    """PIPL art. 23: the customer's data goes to a third party's system only with separate consent."""
    return customer.consents.filter(
        purpose=ConsentPurpose.THIRD_PARTY, granted=True, withdrawn_at__isnull=True
    ).exists()


def delivery_jobs_waiting():
    """Delivery jobs queued and not yet taken by a worker."""
    from procrastinate.contrib.django.models import ProcrastinateJob

    return ProcrastinateJob.objects.filter(task_name=DELIVER_TASK, status="todo")
