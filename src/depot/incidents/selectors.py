"""Reads of incidents and delay notices, scoped by user: staff see those of the customers they may
see (`customers.selectors.customer_list`: a CS specialist their own customers, keepers and
supervisors all), and only with the matching view permission."""

import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from depot.core.audit import audit_history
from depot.core.errors import NotFound
from depot.customers.selectors import customer_list
from depot.incidents.choices import INCIDENT_OPEN_STATES, IncidentState
from depot.incidents.models import DelayNotice, Incident, IncidentPhoto


def _can(user, perm: str) -> bool:
    return bool(user and user.is_active and user.has_perm(perm))


def incident_list(*, user, state=None, customer=None, order=None) -> QuerySet[Incident]:
    if not _can(user, "incidents.view_incident"):
        return Incident.objects.none()
    qs = Incident.objects.filter(customer__in=customer_list(user=user)).select_related("customer", "order")
    if state is not None:
        qs = qs.filter(state__in=[state] if isinstance(state, str) else list(state))
    if customer is not None:
        qs = qs.filter(customer=customer)
    if order is not None:
        qs = qs.filter(order=order)
    return qs


def incident_get(*, user, pk) -> Incident:
    try:
        return incident_list(user=user).get(pk=pk)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def incident_detail(*, user, incident: Incident) -> dict:
    incident = incident_get(user=user, pk=incident.pk)
    return {
        "incident": incident,
        "lines": list(incident.lines.select_related("item", "lot", "location", "stock_move").order_by("pk")),
        "photos": list(incident.photos.select_related("uploaded_by").order_by("uploaded_at", "pk")),
        "recoveries": list(incident.recoveries.order_by("created_at", "pk")),
        "history": list(audit_history(incident).order_by("id")),
    }


def photo_get(*, user, incident_pk, pk) -> IncidentPhoto:
    """A photo of an incident the user may see."""
    incident = incident_get(user=user, pk=incident_pk)
    try:
        return incident.photos.get(pk=pk)
    except (IncidentPhoto.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def approval_queue(*, user) -> QuerySet[Incident]:
    """Compensations waiting for approval that this user may decide: not their own proposals."""
    if not _can(user, "incidents.approve_compensation"):
        return Incident.objects.none()
    return (incident_list(user=user, state=IncidentState.PENDING_APPROVAL).exclude(proposed_by=user)
            .order_by("proposed_at", "pk"))


def open_incidents(*, user) -> QuerySet[Incident]:
    return incident_list(user=user, state=INCIDENT_OPEN_STATES)


def month_start(today: datetime.date | None = None) -> datetime.datetime:
    today = today or timezone.localdate()
    return timezone.make_aware(datetime.datetime.combine(today.replace(day=1), datetime.time.min))


def incident_figures(*, user, now=None) -> dict:
    """Open incidents, compensation waiting for approval (count and amount), paid this month."""
    now = now or timezone.now()
    qs = incident_list(user=user)
    start = month_start(timezone.localdate(now))
    figures = qs.aggregate(
        open=Count("pk", filter=Q(state__in=INCIDENT_OPEN_STATES)),
        pending=Count("pk", filter=Q(state=IncidentState.PENDING_APPROVAL)),
        pending_amount=Sum("compensation_amount", filter=Q(state=IncidentState.PENDING_APPROVAL)),
        paid_month=Sum("paid_amount", filter=Q(paid_at__gte=start, paid_at__lte=now)),
    )
    figures["pending_amount"] = figures["pending_amount"] or Decimal("0.00")
    figures["paid_month"] = figures["paid_month"] or Decimal("0.00")
    return figures


def delay_notice_list(*, user, order=None) -> QuerySet[DelayNotice]:
    if not _can(user, "incidents.view_delaynotice"):
        return DelayNotice.objects.none()
    qs = (DelayNotice.objects.filter(order__customer__in=customer_list(user=user))
          .select_related("order", "order__customer", "created_by"))
    if order is not None:
        qs = qs.filter(order=order)
    return qs


def delay_notice_get(*, user, pk) -> DelayNotice:
    try:
        return delay_notice_list(user=user).get(pk=pk)
    except (DelayNotice.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
