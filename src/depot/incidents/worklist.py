"""Tasks of incidents for "我的待办": compensation proposals waiting for this supervisor's approval,
and the open incidents of the customers a specialist looks after (or, for a team view, all)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from depot.core.worklist import Task
from depot.incidents import selectors
from depot.incidents.choices import IncidentState

NEXT_STEP = {
    IncidentState.REGISTERED: _("待定损"),
    IncidentState.ASSESSED: _("待提出赔偿或结案"),
    IncidentState.REJECTED: _("赔偿被驳回，待重新处理"),
    IncidentState.APPROVED: _("待登记赔付"),
    IncidentState.PAID: _("待结案"),
}


def incident_tasks(*, user, team: bool = False) -> list[Task]:
    tasks = []

    def url(incident):
        return reverse("admin:incidents_incident_change", args=[incident.pk])

    for incident in selectors.approval_queue(user=user)[:100]:
        tasks.append(Task(kind=_("赔偿审批"), title=_("%(code)s 赔偿 ¥%(amount)s") % {
            "code": incident.code, "amount": incident.compensation_amount}, url=url(incident),
            due=incident.proposed_at, customer=str(incident.customer),
            owner=incident.proposed_by.get_username() if incident.proposed_by_id else ""))
    mine = selectors.incident_list(user=user, state=list(NEXT_STEP))
    if not team:
        mine = mine.filter(customer__owner=user)
    for incident in mine.select_related("customer__owner").order_by("created_at", "pk")[:100]:
        owner = incident.customer.owner
        tasks.append(Task(kind=_("货损货丢"), title=f"{incident.code} {NEXT_STEP[incident.state]}", url=url(incident),
                          due=incident.created_at, customer=str(incident.customer),
                          owner=owner.get_username() if owner else "", detail=incident.description[:60]))
    return tasks
