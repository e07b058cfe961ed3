"""Complaints and inquiries on the landing page, scoped to the user: open complaints by SLA status
(on track / at risk / overdue), complaints waiting for the customer, overdue inquiries."""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from depot.service import selectors
from depot.service.choices import ComplaintState, EscalationLevel, SlaStatus

ROWS = 8


def _when(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else "—"


def _link(url: str, text) -> str:
    return format_html('<a class="text-primary-600 dark:text-primary-500" href="{}">{}</a>', url, text)


def service_section(request) -> dict | None:
    user = request.user
    if not user.has_perm("service.view_complaint"):
        return None
    now = timezone.now()
    groups = selectors.complaints_by_sla(user=user, now=now)
    waiting = selectors.complaint_list(user=user, state=ComplaintState.ANSWERED).count()
    overdue_inquiries = list(selectors.overdue_inquiries(user=user, now=now)[:ROWS])
    url = reverse("admin:service_complaint_changelist")
    cards = [
        {"label": _("投诉·正常"), "value": len(groups[SlaStatus.ON_TRACK]), "href": f"{url}?sla=on_track"},
        {"label": _("投诉·即将超时"), "value": len(groups[SlaStatus.AT_RISK]), "href": f"{url}?sla=at_risk"},
        {"label": _("投诉·已超时"), "value": len(groups[SlaStatus.OVERDUE]), "href": f"{url}?sla=overdue"},
        {"label": _("待客户确认"), "value": waiting, "href": f"{url}?state__exact=answered"},
        {"label": _("超时未答复咨询"), "value": selectors.overdue_inquiries(user=user, now=now).count(),
         "href": reverse("admin:service_inquiry_changelist") + "?overdue=1"},
    ]
    tables = []
    risky = groups[SlaStatus.OVERDUE] + groups[SlaStatus.AT_RISK]
    if risky:
        tables.append({"title": _("超时及即将超时的投诉"), "headers": [
            _("投诉编号"), _("客户"), _("类别"), _("处理人"), _("处理期限"), _("升级级别"), _("SLA")],
            "rows": [[_link(reverse("admin:service_complaint_change", args=[c.pk]), c.code), str(c.customer),
                      c.get_category_display(), str(c.assignee or "—"), _when(c.resolution_due),
                      EscalationLevel(c.escalation_level).label,
                      SlaStatus.OVERDUE.label if c in groups[SlaStatus.OVERDUE] else SlaStatus.AT_RISK.label]
                     for c in risky[:ROWS]]})
    if overdue_inquiries:
        tables.append({"title": _("超时未答复的咨询"),
                       "headers": [_("客户"), _("咨询内容"), _("负责人"), _("答复期限")],
                       "rows": [[str(i.customer), _link(reverse("admin:service_inquiry_change", args=[i.pk]),
                                                        i.question[:40]),
                                 str(i.owner or "—"), _when(i.response_due)] for i in overdue_inquiries]})
    return {"title": _("客户服务"), "cards": cards, "breakdowns": [], "tables": tables}
