"""Reads of the service app, scoped to the user.

Who sees which complaint: supervisors and administrators (`service.view_all_complaints`) all;
a CS specialist (`service.handle_complaint`) those of the customers assigned to them and those
assigned to them; a warehouse keeper (`service.view_complaint` only) the ones about goods —
damage, loss, wrong goods — because the warehouse investigates them; a customer's portal or API
user those of their own company. Inquiries follow the customer scope of `customer_list`.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone

from depot.core.errors import NotFound
from depot.customers.selectors import customer_list
from depot.service import policy
from depot.service.business_calendar import BusinessCalendar
from depot.service.choices import (
    COMPLAINT_ACTIVE_STATES,
    INQUIRY_OPEN_STATES,
    CalendarDayKind,
    ComplaintCategory,
    EscalationLevel,
    SlaStatus,
)
from depot.service.models import CalendarDay, Complaint, ComplaintEvent, Inquiry, SlaPolicy, WorkingHours

GOODS_CATEGORIES = (ComplaintCategory.DAMAGE, ComplaintCategory.LOSS, ComplaintCategory.WRONG_GOODS)
SUPERVISOR_ROLE = "cs_supervisor"
MANAGER_ROLE = "admin"


def customer_of(user):
    """The customer a portal or API technical user acts for, or None for staff."""
    if user is None:
        return None
    for relation in ("portal_account", "api_account"):
        account = getattr(user, relation, None)
        if account is not None and getattr(account, "is_active", True):
            return account.customer
    return None


# ---------------------------------------------------------------------------------------------
# Calendar and SLA


DEFAULT_PERIODS = {weekday: ((datetime.time(9), datetime.time(18)),) for weekday in range(5)}


def calendar_load() -> BusinessCalendar:
    """The business calendar of the tables; Mon–Fri 09:00–18:00 while no working hours are set."""
    periods: dict[int, list] = {}
    for wh in WorkingHours.objects.order_by("weekday", "start"):
        periods.setdefault(wh.weekday, []).append((wh.start, wh.end))
    if not periods:
        periods = DEFAULT_PERIODS
    holidays, workdays = set(), set()
    for day in CalendarDay.objects.all():
        (holidays if day.kind == CalendarDayKind.HOLIDAY else workdays).add(day.date)
    return BusinessCalendar(
        periods={k: tuple(v) for k, v in periods.items()}, tz=timezone.get_default_timezone(),
        holidays=frozenset(holidays), workdays=frozenset(workdays),
    )


DEFAULT_POLICY = (Decimal(8), Decimal(40), Decimal(2))


def sla_policies() -> dict[tuple[str, str], tuple[Decimal, Decimal, Decimal]]:
    """(grade, severity) -> (first response hours, resolution hours, warning hours)."""
    return {(p.grade, p.severity): (p.first_response_hours, p.resolution_hours, p.warning_hours)
            for p in SlaPolicy.objects.all()}


def sla_policy_for(*, grade: str, severity: str) -> tuple[Decimal, Decimal, Decimal]:
    return sla_policies().get((grade, severity), DEFAULT_POLICY)


def complaint_sla(complaint: Complaint, *, now=None, calendar=None, policies=None) -> str | None:
    """SLA status of an open complaint on the warehouse's side (None when waiting for the customer
    or closed)."""
    if complaint.state not in COMPLAINT_ACTIVE_STATES:
        return None
    now = now or timezone.now()
    calendar = calendar or calendar_load()
    policies = policies if policies is not None else sla_policies()
    warning = policies.get((complaint.customer.grade, complaint.severity), DEFAULT_POLICY)[2]
    _, deadline = policy.active_deadline(first_responded_at=complaint.first_responded_at,
                                         first_response_due=complaint.first_response_due,
                                         resolution_due=complaint.resolution_due)
    return policy.sla_status(calendar=calendar, deadline=deadline, now=now, warning_hours=warning)


# ---------------------------------------------------------------------------------------------
# Complaints


def complaint_list(*, user, **filters) -> QuerySet[Complaint]:
    """Complaints `user` may see, narrowed by `filters` (state, category, severity, customer,
    assignee, escalation_level, active=True for the ones the warehouse must act on)."""
    qs = Complaint.objects.select_related("customer", "contact", "assignee")
    customer = customer_of(user)
    if customer is not None:
        qs = qs.filter(customer=customer)
    elif not (user and user.is_active and user.has_perm("service.view_complaint")):
        return qs.none()
    elif user.has_perm("service.view_all_complaints"):
        pass
    elif user.has_perm("service.handle_complaint"):
        qs = qs.filter(Q(customer__in=customer_list(user=user)) | Q(assignee=user))
    else:
        qs = qs.filter(category__in=GOODS_CATEGORIES)
    if filters.pop("active", False):
        qs = qs.filter(state__in=COMPLAINT_ACTIVE_STATES)
    for name in ("state", "category", "severity", "customer", "assignee", "escalation_level"):
        if name in filters and filters[name] not in (None, ""):
            qs = qs.filter(**{name: filters.pop(name)})
    return qs


def complaint_get(*, user, pk) -> Complaint:
    try:
        return complaint_list(user=user).get(pk=pk)
    except (Complaint.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def complaint_timeline(*, user, complaint: Complaint, for_customer: bool = False) -> QuerySet[ComplaintEvent]:
    """The steps of a complaint the user may see; a customer sees only the steps meant for them."""
    complaint = complaint_get(user=user, pk=complaint.pk)
    qs = ComplaintEvent.objects.filter(complaint=complaint).select_related("actor")
    if for_customer or customer_of(user) is not None:
        qs = qs.filter(visible_to_customer=True)
    return qs


def complaints_by_sla(*, user, now=None) -> dict[str, list[Complaint]]:
    """Open complaints on the warehouse's side grouped by SLA status (for dashboards)."""
    now = now or timezone.now()
    calendar, policies = calendar_load(), sla_policies()
    groups: dict[str, list[Complaint]] = {s.value: [] for s in SlaStatus}
    for c in complaint_list(user=user, active=True).order_by("resolution_due"):
        groups[complaint_sla(c, now=now, calendar=calendar, policies=policies)].append(c)
    return groups


def complaint_customer_figures(customer, *, now=None) -> dict:
    """Grading inputs (`customers.grading`): complaints of the last 12 months, and the mean hours
    from receipt to closing of those closed. Not scoped: the grading service checks the user."""
    now = now or timezone.now()
    qs = Complaint.objects.filter(customer=customer, received_at__gte=now - datetime.timedelta(days=365))
    agg = qs.aggregate(n=Count("pk"))
    mean = qs.filter(closed_at__isnull=False).aggregate(d=Avg(F("closed_at") - F("received_at")))["d"]
    hours = None if mean is None else (Decimal(mean.total_seconds()) / 3600).quantize(Decimal("0.1"))
    return {"complaints_12m": agg["n"], "complaint_resolution_hours_avg": hours}


# ---------------------------------------------------------------------------------------------
# Inquiries


def inquiry_list(*, user, **filters) -> QuerySet[Inquiry]:
    qs = Inquiry.objects.select_related("customer", "contact", "owner")
    if not (user and user.is_active and user.has_perm("service.view_inquiry")):
        return qs.none()
    if not user.has_perm("customers.view_all_customers"):
        qs = qs.filter(Q(customer__in=customer_list(user=user)) | Q(owner=user))
    if filters.pop("open", False):
        qs = qs.filter(state__in=INQUIRY_OPEN_STATES)
    for name in ("state", "customer", "owner", "channel"):
        if name in filters and filters[name] not in (None, ""):
            qs = qs.filter(**{name: filters.pop(name)})
    return qs


def inquiry_get(*, user, pk) -> Inquiry:
    try:
        return inquiry_list(user=user).get(pk=pk)
    except (Inquiry.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def overdue_inquiries(*, user, now=None) -> QuerySet[Inquiry]:
    now = now or timezone.now()
    return inquiry_list(user=user, open=True).filter(response_due__lt=now).order_by("response_due")


# ---------------------------------------------------------------------------------------------
# People an escalation goes to


def users_with_role(role: str):
    User = get_user_model()
    return User.objects.filter(is_active=True, groups__name=role).order_by("pk").distinct()


def escalation_recipients(level: int):
    """Level 1 goes to the CS supervisors; level 2 ("manager") to the administrators."""
    if level >= EscalationLevel.MANAGER:
        return users_with_role(MANAGER_ROLE)
    if level >= EscalationLevel.SUPERVISOR:
        return users_with_role(SUPERVISOR_ROLE)
    return get_user_model().objects.none()


def user_escalation_level(user) -> int | None:
    """The escalation level `user` answers for: 2 for administrators, 1 for supervisors."""
    names = set(user.groups.values_list("name", flat=True))
    if MANAGER_ROLE in names or user.is_superuser:
        return EscalationLevel.MANAGER
    if SUPERVISOR_ROLE in names:
        return EscalationLevel.SUPERVISOR
    return None

