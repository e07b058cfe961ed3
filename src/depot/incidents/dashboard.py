"""Incidents on the landing page, scoped to the user: open incidents, compensation waiting for
approval, the amount paid this month, and the queue of proposals this user may decide."""

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from depot.incidents import selectors
from depot.incidents.choices import IncidentState
from depot.orders.admin_views import link, money, when

ROWS = 6


def incident_url(incident) -> str:
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def incidents_section(request) -> dict | None:
    user = request.user
    if not user.has_perm("incidents.view_incident"):
        return None
    figures = selectors.incident_figures(user=user, now=timezone.now())
    url = reverse("admin:incidents_incident_changelist")
    cards = [
        {"label": _("未结货损货丢事件"), "value": figures["open"], "href": url},
        {"label": _("待审批赔偿"), "value": _("%(n)d件 · %(amount)s") % {
            "n": figures["pending"], "amount": money(figures["pending_amount"])},
         "href": f"{url}?{urlencode({'state__exact': IncidentState.PENDING_APPROVAL})}"},
        {"label": _("本月已赔付"), "value": money(figures["paid_month"]),
         "href": f"{url}?{urlencode({'state__exact': IncidentState.PAID})}"},
    ]
    tables = []
    queue = list(selectors.approval_queue(user=user)[:ROWS])
    if queue:
        tables.append({"title": _("待我审批的赔偿"), "headers": [
            _("事件编号"), _("客户"), _("类型"), _("定损金额"), _("赔偿金额"), _("提出时间")],
            "rows": [[link(incident_url(i), i.code), str(i.customer), i.get_kind_display(), money(i.assessed_amount),
                      money(i.compensation_amount), when(i.proposed_at)] for i in queue]})
    return {"title": _("货损货丢"), "cards": cards, "breakdowns": [], "tables": tables}
