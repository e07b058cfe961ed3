"""Stock alerts on the landing page, scoped to the user: open temperature/humidity alerts, lots
near expiry, items below their reorder point and overdue custody inspections."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.inventory import selectors_analysis, selectors_custody
from depot.inventory.admin_views import item_url, link, lot_url, owner_text, when

ROWS = 5


def inventory_section(request) -> dict | None:
    user = request.user
    sees_stock = user.has_perm("inventory.view_balance")
    sees_custody = user.has_perm("inventory.view_environmentalert")
    if not (sees_stock or sees_custody):
        return None
    today = timezone.localdate()
    cards, tables = [], []
    if sees_custody:
        alerts = selectors_custody.alert_list(user=user, active=True)
        overdue = selectors_custody.inspection_plans_due(user=user, today=today).filter(next_due__lt=today)
        cards.append({"label": _("未关闭的温湿度告警"), "value": alerts.count(),
                      "href": reverse("admin:inventory_environmentalert_changelist") + "?state__exact=open"})
        cards.append({"label": _("逾期的养护检查"), "value": overdue.count(),
                      "href": reverse("admin:inventory_inspectionplan_changelist")})
        rows = [[link(reverse("admin:inventory_environmentalert_change", args=[a.pk]), str(a.zone)),
                 a.get_kind_display(), f"{a.value} / {a.limit}", when(a.opened_at), a.get_state_display()]
                for a in alerts[:ROWS]]
        if rows:
            tables.append({"title": _("温湿度告警"), "headers": [_("库区"), _("类型"), _("读数/限值"), _("时间"),
                                                               _("状态")], "rows": rows})
    if sees_stock:
        expiring = selectors_analysis.near_expiry(user=user, today=today)
        below = selectors_analysis.items_below_reorder_point(user=user)
        cards.append({"label": _("近效期批次"), "value": expiring.count(),
                      "href": reverse("admin:inventory_near_expiry")})
        cards.append({"label": _("低于再订货点的货品"), "value": below.count(),
                      "href": reverse("admin:inventory_stock")})
        rows = [[owner_text(lot.item.owner), link(item_url(lot.item), lot.item.code),
                 link(lot_url(lot), lot.lot_number), when(lot.expiry_date), lot.on_hand] for lot in expiring[:ROWS]]
        if rows:
            tables.append({"title": _("近效期批次"), "headers": [_("货主"), _("货品"), _("批号"), _("到期日期"),
                                                               _("现存")], "rows": rows})
        rows = [[owner_text(i.owner), link(item_url(i), i.code), i.name, i.available, i.reorder_point]
                for i in below[:ROWS]]
        if rows:
            tables.append({"title": _("低于再订货点"), "headers": [_("货主"), _("货品编码"), _("货品名称"),
                                                                 _("可用"), _("再订货点")], "rows": rows})
    return {"title": _("库存预警"), "cards": cards, "tables": tables}
