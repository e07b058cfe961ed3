"""Orders on the landing page, scoped to the user: orders by state, today's shipments, this month's
on-time rate, open exceptions, credit reviews waiting and orders stuck in a state too long."""

import datetime

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from depot.orders import selectors
from depot.orders.admin_views import link, order_url, when
from depot.orders.choices import OUTBOUND_ENDED_STATES, OutboundState

ROWS = 8


def _hours(delta: datetime.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return _("%(d)d天%(h)d小时") % {"d": hours // 24, "h": hours % 24} if hours >= 24 else _("%(h)d小时") % {"h": hours}


def orders_section(request) -> dict | None:
    user = request.user
    if not user.has_perm("orders.view_outboundorder"):
        return None
    now = timezone.now()
    today = timezone.localdate()
    start_of_day = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    url = reverse("admin:orders_outboundorder_changelist")
    orders = selectors.outbound_list(user=user)
    counts = dict(orders.order_by().values_list("state").annotate(n=Count("id")))
    shipped_today = orders.filter(shipped_at__gte=start_of_day).count()
    rate = selectors.on_time_rate(user=user, period=(today.replace(day=1), today), now=now)
    exceptions = selectors.exception_list(user=user).count()
    reviews = selectors.credit_review_queue(user=user).count()
    stuck = list(selectors.stuck_orders(user=user, now=now)[:ROWS])
    stuck_total = selectors.stuck_orders(user=user, now=now).count() if len(stuck) == ROWS else len(stuck)
    cards = [
        {"label": _("今日发货"), "value": shipped_today,
         "href": f"{url}?{urlencode({'state__exact': OutboundState.SHIPPED})}"},
        {"label": _("本月按时发货率"), "value": f"{rate.rate * 100:.1f}%" if rate.rate is not None else _("无数据"),
         "href": url},
        {"label": _("待处理异常"), "value": exceptions,
         "href": reverse("admin:orders_orderexception_changelist") + "?state__exact=open"},
        {"label": _("待审批信用审核"), "value": reviews,
         "href": reverse("admin:orders_creditreview_changelist") + "?state__exact=pending"},
        {"label": _("滞留订单"), "value": stuck_total, "href": url},
    ]
    open_total = sum(n for state, n in counts.items() if state not in OUTBOUND_ENDED_STATES) or 1
    watched = [s for s in OutboundState if s not in OUTBOUND_ENDED_STATES]
    breakdown = {"title": _("出库单（按状态）"), "items": [
        {"label": s.label, "value": counts.get(s.value, 0), "percent": round(100 * counts.get(s.value, 0) / open_total),
         "href": f"{url}?{urlencode({'state__exact': s.value})}"} for s in watched if counts.get(s.value)]}
    tables = []
    if stuck:
        tables.append({"title": _("滞留订单（在当前状态停留过久）"), "headers": [
            _("出库单号"), _("客户"), _("状态"), _("进入状态时间"), _("已停留"), _("时限")],
            "rows": [[link(order_url(o), o.number), str(o.customer), o.get_state_display(), when(o.entered_at),
                      _hours(now - o.entered_at), _hours(o.stuck_limit)] for o in stuck]})
    return {"title": _("订单"), "cards": cards, "breakdowns": [breakdown] if breakdown["items"] else [],
            "tables": tables}
