"""Work-list providers ("我的待办"): follow-ups due this week or overdue, care tasks due."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.worklist import Task
from depot.followups import selectors


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _horizon(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=6 - today.weekday())


def followups_due(*, user, team: bool = False, today: datetime.date | None = None) -> list[Task]:
    """Planned follow-ups due by the end of this week, overdue ones included: the user's own (those
    assigned to them), or with `team` every one the user may see."""
    today = today or timezone.localdate()
    qs = selectors.followups_due(user=user, until=_horizon(today), today=today)
    if not team:
        qs = qs.filter(assignee=user)
    return [
        Task(kind=_("回访"), title=f"{f.get_reason_display()} {f.source_ref}".strip(),
             url=reverse("admin:followups_followup_change", args=[f.pk]), due=f.planned_on,
             overdue=f.planned_on < today, customer=str(f.customer), owner=_name(f.assignee),
             detail=f.contact.name if f.contact_id else "")
        for f in qs[:200]
    ]


def care_tasks(*, user, team: bool = False, today: datetime.date | None = None) -> list[Task]:
    """Pending care tasks whose reminder date has come."""
    today = today or timezone.localdate()
    qs = selectors.care_tasks_due(user=user, today=today)
    if not team:
        qs = qs.filter(assignee=user)
    return [
        Task(kind=_("客户关怀"), title=_("%(occasion)s祝福：%(contact)s") % {
            "occasion": t.festival.name if t.festival_id else t.get_occasion_display(), "contact": t.contact.name},
            url=reverse("admin:followups_caretask_change", args=[t.pk]), due=t.occasion_date,
            overdue=t.occasion_date < today, customer=str(t.customer), owner=_name(t.assignee),
            detail=t.message[:60])
        for t in qs[:200]
    ]
