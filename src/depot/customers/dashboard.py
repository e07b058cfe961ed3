"""The customer archive's section of the landing page, scoped to the user (a specialist sees
their own customers)."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from depot.customers import selectors
from depot.customers.choices import GRADE_ORDER, Status


def _filtered(url, field, value) -> str:
    return f"{url}?{urlencode({f'{field}__exact': value})}"


def _breakdown(qs, field, choices, url) -> list[dict]:
    counts = dict(qs.order_by().values_list(field).annotate(n=Count("id")))
    total = sum(counts.values()) or 1
    return [
        {"label": label, "value": counts.get(value, 0), "percent": round(100 * counts.get(value, 0) / total),
         "href": _filtered(url, field, value)}
        for value, label in choices
    ]


def _recent_table(qs) -> dict:
    rows = []
    for c in qs.select_related("owner").order_by("-updated_at")[:5]:
        link = format_html('<a class="text-link" href="{}">{}</a>',
                           reverse("admin:customers_customer_change", args=[c.pk]), c.code)
        owner = c.owner.get_username() if c.owner else "—"
        updated = date_format(localtime(c.updated_at), "Y-m-d H:i")
        rows.append([link, c.name, c.get_status_display(), owner, updated])
    return {"title": _("最近更新的客户"), "rows": rows,
            "headers": [_("客户编码"), _("客户全称"), _("状态"), _("负责客服"), _("更新时间")]}


def customers_section(request) -> dict | None:
    user = request.user
    if not user.has_perm("customers.view_customer"):
        return None
    qs = selectors.customer_list(user=user)
    url = reverse("admin:customers_customer_changelist")
    month_start = localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    totals = qs.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(status=Status.ACTIVE)),
        prospects=Count("id", filter=Q(status=Status.PROSPECT)),
        new=Count("id", filter=Q(created_at__gte=month_start)),
    )
    mine = not selectors.sees_all_customers(user)
    grades = [(g, g.label) for g in GRADE_ORDER]
    return {
        "title": _("客户档案"),
        "cards": [
            {"label": _("我的客户") if mine else _("客户总数"), "value": totals["total"], "href": url},
            {"label": _("合作中"), "value": totals["active"],
             "href": _filtered(url, "status", Status.ACTIVE)},
            {"label": _("潜在客户"), "value": totals["prospects"],
             "href": _filtered(url, "status", Status.PROSPECT)},
            {"label": _("本月新增"), "value": totals["new"], "href": url},
        ],
        "breakdowns": [
            {"title": _("按等级"), "items": _breakdown(qs, "grade", grades, url)},
            {"title": _("按状态"), "items": _breakdown(qs, "status", Status.choices, url)},
        ],
        "tables": [_recent_table(qs)],
    }
