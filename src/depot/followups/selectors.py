"""Reads of follow-ups and care tasks, scoped to the user: a CS specialist sees those of the customers
they are responsible for (and those assigned to them); supervisors see all."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from depot.core.errors import NotFound
from depot.customers.selectors import customer_list
from depot.followups.choices import CareState, FollowUpState
from depot.followups.models import CareTask, FollowUp


def followup_list(*, user, overdue: bool = False, week: bool = False, mine: bool = False,
                  today: datetime.date | None = None) -> QuerySet[FollowUp]:
    """Follow-ups the user may see. `overdue`: still planned with the planned date passed; `week`:
    planned for this week (Monday to Sunday); `mine`: assigned to the user."""
    if not (user and user.is_active and user.has_perm("followups.view_followup")):
        return FollowUp.objects.none()
    qs = FollowUp.objects.filter(Q(customer__in=customer_list(user=user)) | Q(assignee=user))
    today = today or timezone.localdate()
    if overdue:
        qs = qs.filter(state=FollowUpState.PLANNED, planned_on__lt=today)
    if week:
        monday = today - datetime.timedelta(days=today.weekday())
        qs = qs.filter(state=FollowUpState.PLANNED, planned_on__range=(monday, monday + datetime.timedelta(days=6)))
    if mine:
        qs = qs.filter(assignee=user)
    return qs.select_related("customer", "contact", "assignee")


def followup_get(*, user, pk) -> FollowUp:
    try:
        return followup_list(user=user).get(pk=pk)
    except (FollowUp.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def followups_overdue(*, user, today: datetime.date | None = None) -> QuerySet[FollowUp]:
    return followup_list(user=user, overdue=True, today=today).order_by("planned_on", "id")


def followups_due(*, user, until: datetime.date, today: datetime.date | None = None) -> QuerySet[FollowUp]:
    """Planned follow-ups due by `until`, overdue ones included."""
    return followup_list(user=user, today=today).filter(
        state=FollowUpState.PLANNED, planned_on__lte=until).order_by("planned_on", "id")


def care_task_list(*, user, pending: bool = False, mine: bool = False) -> QuerySet[CareTask]:
    if not (user and user.is_active and user.has_perm("followups.view_caretask")):
        return CareTask.objects.none()
    qs = CareTask.objects.filter(Q(customer__in=customer_list(user=user)) | Q(assignee=user))
    if pending:
        qs = qs.filter(state=CareState.PENDING)
    if mine:
        qs = qs.filter(assignee=user)
    return qs.select_related("customer", "contact__customer", "festival", "assignee")


def care_task_get(*, user, pk) -> CareTask:
    try:
        return care_task_list(user=user).get(pk=pk)
    except (CareTask.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def care_tasks_due(*, user, today: datetime.date | None = None) -> QuerySet[CareTask]:
    """Pending care tasks whose reminder date has come (today or earlier, the occasion not yet
    passed by more than a week)."""
    today = today or timezone.localdate()
    return care_task_list(user=user, pending=True).filter(
        due_on__lte=today, occasion_date__gte=today - datetime.timedelta(days=7)).order_by("occasion_date", "id")

