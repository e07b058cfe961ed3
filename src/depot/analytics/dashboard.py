"""Analytics on the landing page: customers at churn risk, the biggest customers of last month and
the open complaints by SLA status, scoped to the user; the charts are on 分析看板."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.analytics import selectors

ROWS = 8


def analytics_section(request) -> dict | None:
    user = request.user
    if not selectors.can_view(user):
        return None
    today = timezone.localdate()
    churn = selectors.churn_list(user=user, today=today)
    sla = selectors.complaint_sla(user=user)
    board = reverse("admin:analytics_board")
    cards = [
        {"label": _("流失预警客户"), "value": len(churn), "href": reverse("admin:analytics_churn")},
        {"label": _("超期未关闭投诉"), "value": sla["overdue"] if sla is not None else _("暂无数据"), "href": board},
    ]
    tables = []
    if churn:
        tables.append({"title": _("流失预警"), "headers": [_("客户"), _("风险"), _("原因")],
                       "rows": [[f"{c.code} {c.short_name or c.name}", r.level_label, r.reason]
                                for c, r in churn[:ROWS]]})
    return {"title": _("数据分析"), "cards": cards, "tables": tables}
