"""Providers of "我的待办" / "团队待办" (`depot.core.worklist`): open inquiries and complaints.

Mine: the inquiries I own, the complaints assigned to me, and those escalated to my level
(supervisors: level 1 and the overdue inquiries; administrators: level 2). Team: every open one
the user may see.
"""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.worklist import Task
from depot.service import policy, selectors
from depot.service.choices import EscalationLevel, InquiryState, SlaStatus


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def complaint_tasks(*, user, team: bool = False, now=None) -> list[Task]:
    if not (user and user.is_active and user.has_perm("service.handle_complaint")):
        return []
    now = now or timezone.now()
    qs = selectors.complaint_list(user=user, active=True)
    if not team:
        mine = Q(assignee=user)
        level = selectors.user_escalation_level(user)
        if level is not None:
            mine |= Q(escalation_level=level)
        qs = qs.filter(mine)
    calendar, policies = selectors.calendar_load(), selectors.sla_policies()
    tasks = []
    for c in qs.order_by("resolution_due")[:500]:
        status = selectors.complaint_sla(c, now=now, calendar=calendar, policies=policies)
        kind, due = policy.active_deadline(first_responded_at=c.first_responded_at,
                                           first_response_due=c.first_response_due, resolution_due=c.resolution_due)
        what = _("首次响应") if kind == "first_response" else _("处理")
        tasks.append(Task(
            kind=_("投诉"), title=f"{c.code} {c.get_category_display()}：{c.description[:40]}",
            url=reverse("admin:service_complaint_change", args=[c.pk]), due=due,
            overdue=status == SlaStatus.OVERDUE, customer=str(c.customer.short_name or c.customer.name),
            owner=_name(c.assignee),
            detail=f"{what} · {SlaStatus(status).label} · {EscalationLevel(c.escalation_level).label}",
        ))
    return tasks


def inquiry_tasks(*, user, team: bool = False, now=None) -> list[Task]:
    if not (user and user.is_active and user.has_perm("service.change_inquiry")):
        return []
    now = now or timezone.now()
    qs = selectors.inquiry_list(user=user, open=True)
    if not team:
        mine = Q(owner=user)
        if selectors.user_escalation_level(user) is not None:
            mine |= Q(state=InquiryState.ESCALATED)
        qs = qs.filter(mine)
    return [
        Task(kind=_("咨询"), title=i.question[:50], url=reverse("admin:service_inquiry_change", args=[i.pk]),
             due=i.response_due, overdue=i.response_due is not None and i.response_due < now,
             customer=str(i.customer.short_name or i.customer.name), owner=_name(i.owner),
             detail=str(i.get_state_display()))
        for i in qs.order_by("response_due")[:500]
    ]
