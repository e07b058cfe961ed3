"""Back-office pages of analytics: 分析看板 (supervisor or specialist), 客户价值 and a customer's
analysis page, RFM客户分群, 流失预警, 订单量与预测, and the monthly report's request and download.
Every figure comes from `selectors` with its formula on the page; every change is a service call."""

import datetime
import json
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from depot.analytics import forecast as fc
from depot.analytics import policy, reports, selectors, services
from depot.analytics.choices import ReportScope, ReportState
from depot.core import roles, worklist
from depot.core.errors import DomainError, NotFound
from depot.core.paging import paginate
from depot.customers.selectors import customer_list

PAGE = "core/admin/page.html"
NO_DATA = selectors.NO_DATA


def require(request, perm: str = "analytics.view_analytics") -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def render(request, *, title, **context) -> TemplateResponse:
    return TemplateResponse(request, PAGE, {**admin.site.each_context(request), "title": title,
                                            "page_id": "analytics-page", **context})


def link(url: str, text) -> str:
    return format_html('<a class="text-primary-600 dark:text-primary-500" href="{}">{}</a>', url, text)


def customer_url(customer) -> str:
    return reverse("admin:analytics_customer", args=[customer.pk])


def customer_text(customer) -> str:
    return f"{customer.code} {customer.short_name or customer.name}"


def pct(value) -> str:
    return reports.pct(value)


def shown(value, suffix="") -> str:
    if value is None:
        return NO_DATA
    if isinstance(value, Decimal):
        return f"{value:,.2f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,}{suffix}"


def chart(labels, datasets, *, kind="bar", height=300, title="", note="") -> dict:
    colours = ["#6366f1", "#f59e0b", "#10b981", "#ef4444"]
    sets = [{"label": str(label), "data": data, "backgroundColor": colours[i % 4], "borderColor": colours[i % 4]}
            for i, (label, data) in enumerate(datasets)]
    return {"kind": "chart", "type": kind, "title": title, "note": note, "height": height,
            "data": json.dumps({"labels": [str(v) for v in labels], "datasets": sets}, ensure_ascii=False),
            "options": json.dumps({"maintainAspectRatio": False}, ensure_ascii=False)}


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("开始日期"), required=False)
    end = forms.DateField(label=gettext_lazy("结束日期"), required=False)

    def period(self) -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        default = policy.previous_month(today)
        if not self.is_valid():
            return default.start, default.end
        return self.cleaned_data["start"] or default.start, self.cleaned_data["end"] or default.end


def _period(request):
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    try:
        return form, policy.period_check(start, end)
    except DomainError as exc:
        messages.error(request, "；".join(exc.messages()))
        return form, None


# --- board ---------------------------------------------------------------------------------------


def board(request):
    """The supervisor's board (all customers) or a specialist's (their customers and tasks)."""
    require(request)
    user = request.user
    today = timezone.localdate()
    data = selectors.board(user=user, today=today)
    sections = []
    if data["orders_by_state"]:
        sections.append(chart([label for label, _n in data["orders_by_state"]],
                              [(_("订单数"), [n for _label, n in data["orders_by_state"]])],
                              title=_("在途出库单（按状态）")))
    sections.append(chart([m.strftime("%Y-%m") for m, _r in data["on_time_trend"]],
                          [(_("按时发货率%"), [float(r * 100) if r is not None else None
                                              for _m, r in data["on_time_trend"]])],
                          kind="line", title=_("按时发货率（近6个月）"),
                          note=_("到期订单中发货时间 ≤ 应发货时间的比例；空白表示当月暂无到期订单")))
    sla = data["complaint_sla"]
    if sla is None:
        sections.append({"kind": "text", "title": _("未关闭投诉（按时限状态）"),
                         "lines": [selectors.missing(_("投诉"))]})
    else:
        sections.append(chart([_("已超期"), _("24小时内到期"), _("正常")],
                              [(_("投诉数"), [sla["overdue"], sla["due_soon"], sla["on_track"]])],
                              title=_("未关闭投诉（按时限状态）"), note=_("以处理期限（resolution_due）判断")))
    trend = data["satisfaction_trend"]
    if all(s is None for _m, s in trend):
        sections.append({"kind": "text", "title": _("满意度趋势"), "lines": [selectors.missing(_("满意度调查"))]})
    else:
        sections.append(chart([m.strftime("%Y-%m") for m, _s in trend],
                              [("CSAT", [float(s["csat"]) if s and s["csat"] is not None else None for _m, s in trend]),
                               ("NPS", [float(s["nps"]) if s and s["nps"] is not None else None for _m, s in trend])],
                              kind="line", title=_("满意度趋势（近6个月）"),
                              note=_("CSAT：1–5分题中4–5分的占比×100；NPS：推荐者%−贬损者%；空白表示暂无数据")))
    sections.append(_top_table(data["top"], data["top_period"]))
    sections.append(_churn_table(data["churn"], data["followups"], limit=10))
    if not roles.is_supervisor(user):
        mine = selectors.rfm_list(user=user, as_of=today)
        sections.append({"kind": "table", "title": _("我的客户"),
                         "headers": [_("客户"), _("分群"), _("最近下单（天前）"), _("近12个月订单"), _("近12个月货值")],
                         "rows": [[link(customer_url(c), customer_text(c)), r.segment_label, shown(r.recency_days),
                                   r.frequency, shown(r.monetary)] for c, r in mine] or [[NO_DATA, "", "", "", ""]]})
        tasks = worklist.collect(user=user)[:15]
        sections.append({"kind": "table", "title": _("我的待办"),
                         "headers": [_("类型"), _("事项"), _("客户"), _("期限")],
                         "rows": [[t.kind, link(t.url, t.title) if t.url else t.title, t.customer or "—",
                                   t.due.strftime("%Y-%m-%d") if t.due else "—"] for t in tasks]
                         or [[NO_DATA, "", "", ""]]})
    cards = [
        {"label": _("流失预警客户"), "value": len(data["churn"]), "href": reverse("admin:analytics_churn")},
        {"label": _("低于再订货点的货品"), "value": data["stock_alerts"]["below_reorder"],
         "href": reverse("admin:inventory_item_changelist")},
        {"label": _("近效期批次"), "value": data["stock_alerts"]["near_expiry"],
         "href": reverse("admin:inventory_near_expiry")},
        {"label": _("呆滞货品"), "value": data["stock_alerts"]["slow_moving"],
         "href": reverse("admin:inventory_slow_moving")},
    ]
    title = _("主管分析看板") if roles.is_supervisor(user) else _("我的客户看板")
    return render(request, title=title, cards=cards, sections=sections)


def _top_table(top, period) -> dict:
    rows = [[link(customer_url(c), customer_text(c)), f.order_count, shown(f.order_value), pct(f.on_time_rate),
             pct(f.complaint_rate) if f.complaint_count is not None else NO_DATA] for c, f in top]
    return {"kind": "table", "title": _("重点客户（%(p)s订单货值前10）") % {"p": period.label()},
            "headers": [_("客户"), _("订单数"), _("订单货值"), _("按时发货率"), _("投诉率")],
            "rows": rows or [[NO_DATA, "", "", "", ""]]}


def _churn_table(churn, followups, *, limit=None) -> dict:
    rows = []
    for customer, risk in churn[:limit]:
        planned = followups.get(customer.pk)
        rows.append([link(customer_url(customer), customer_text(customer)), risk.level_label, risk.reason,
                     (customer.owner.first_name or customer.owner.username) if customer.owner else "—",
                     planned.planned_on.strftime("%Y-%m-%d") if planned else _("未安排")])
    return {"kind": "table", "title": _("流失预警"), "headers": [_("客户"), _("风险"), _("原因"), _("负责专员"),
                                                                 _("回访计划")],
            "note": _("规则：距上次下单天数 > %(k)d × 通常下单间隔（最近%(n)d单间隔的中位数）且 ≥%(m)d天；"
                      "或近90天订单数 ≤ 此前270天平均每90天订单数的50%%（平均≥2单）。"
                      "满足一条为中风险，两条为高风险。") % {
                "k": policy.CHURN_INTERVAL_FACTOR, "n": policy.CHURN_HISTORY_ORDERS,
                "m": policy.CHURN_MIN_SILENCE_DAYS},
            "rows": rows or [[NO_DATA, "", "", "", ""]]}


# --- customer value ------------------------------------------------------------------------------

VALUE_ROWS = [
    ("order_count", gettext_lazy("订单数"), gettext_lazy("期间创建的出库单数（不含取消、拒绝）")),
    ("order_lines", gettext_lazy("订单行数"), gettext_lazy("这些订单的明细行数")),
    ("units", gettext_lazy("件数"), gettext_lazy("订单行数量合计")),
    ("order_value", gettext_lazy("订单货值（元）"), gettext_lazy("订单货值合计")),
    ("orders_per_month", gettext_lazy("月均订单数"), gettext_lazy("订单数 × 30 ÷ 期间天数")),
    ("mean_days_between", gettext_lazy("平均下单间隔（天）"), gettext_lazy("(最后下单日 − 首次下单日) ÷ (订单数 − 1)")),
    ("damage_rate", gettext_lazy("货损货丢率"), gettext_lazy("期间货损货丢事件数 ÷ 订单数")),
    ("complaint_rate", gettext_lazy("投诉率"), gettext_lazy("期间投诉数 ÷ 订单数")),
    ("on_time_rate", gettext_lazy("按时发货率"),
     gettext_lazy("应发货时间在期间内的订单中，按时发货数 ÷ 已发货或已逾期数")),
    ("tenure_months", gettext_lazy("合作月数"), gettext_lazy("开始合作日期至期末的整月数")),
]
RATES = {"damage_rate", "complaint_rate", "on_time_rate"}


def _fmt(name, figures) -> str:
    value = getattr(figures, name)
    if name in RATES:
        return pct(value)
    if name in ("order_count", "order_lines", "units", "order_value") and not figures.has_data:
        return NO_DATA
    return shown(value)


def value_list(request):
    require(request)
    form, period = _period(request)
    rows, nav = [], None
    if period is not None:
        figures = selectors.value_figures(user=request.user, period=period)
        customers = {c.pk: c for c in selectors.visible_customers(user=request.user)}
        ranked = sorted(figures.items(), key=lambda kv: (-kv[1].order_value, customers[kv[0]].code))
        ranked, nav = paginate(request, ranked)
        for pk, f in ranked:
            rows.append([link(customer_url(customers[pk]), customer_text(customers[pk]))]
                        + [_fmt(name, f) for name, _l, _n in VALUE_ROWS])
    note = "；".join(f"{label}：{formula}" for _n, label, formula in VALUE_ROWS)
    return render(request, title=_("客户价值"), filter_form=form, sections=[
        {"kind": "table", "title": period.label() if period else _("客户价值"), "note": note, "nav": nav,
         "headers": [_("客户")] + [label for _n, label, _f in VALUE_ROWS], "rows": rows}])


def customer_page(request, pk):
    """One customer: its value against the previous period and last year, its segment and its
    history, monthly volume with forecast, complaints and surveys."""
    require(request)
    form, period = _period(request)
    today = timezone.localdate()
    try:
        customer = selectors.customer_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404(_("记录不存在或无权访问")) from None
    sections = []
    if period is not None:
        value = selectors.customer_value(user=request.user, customer=customer, start=period.start, end=period.end)
        rows = []
        for name, label, formula in VALUE_ROWS:
            rows.append([label, _fmt(name, value.current), _fmt(name, value.previous), _fmt(name, value.last_year),
                         pct(value.trend(name)) if name in selectors.TREND_FIELDS else "—",
                         pct(value.trend(name, "last_year")) if name in selectors.TREND_FIELDS else "—", formula])
        note = _("本期%(c)s；上期%(p)s；去年同期%(y)s。") % {
            "c": period.label(), "p": period.previous().label(), "y": period.last_year().label()}
        if not value.current.has_data:
            note += _("本期暂无数据。")
        note += " ".join(value.current.notes)
        sections.append({"kind": "table", "title": _("客户价值"), "note": note, "rows": rows,
                         "headers": [_("指标"), _("本期"), _("上期"), _("去年同期"), _("环比"), _("同比"), _("公式")]})
    rfm = selectors.customer_rfm(customer, as_of=today)
    history = list(selectors.segment_history(user=request.user, customer=customer)[:12])
    lines = [_("当前分群：%(s)s（R%(r)d F%(f)d M%(m)d；最近下单%(d)s天前，近12个月%(n)d单、货值%(v)s元）") % {
        "s": rfm.segment_label, "r": rfm.r, "f": rfm.f, "m": rfm.m,
        "d": rfm.recency_days if rfm.recency_days is not None else "—", "n": rfm.frequency, "v": shown(rfm.monetary)}]
    lines += [f"{s.as_of:%Y-%m-%d}：{s.get_segment_display()}（R{s.r_score} F{s.f_score} M{s.m_score}）"
              for s in history]
    lines += policy.rfm_thresholds_text()
    sections.append({"kind": "text", "title": _("RFM分群与变化"), "lines": lines})
    sections += _volume_sections(request.user, today, customer=customer)
    sections += _service_sections(customer, period)
    return render(request, title=_("客户分析：%(c)s") % {"c": customer_text(customer)}, filter_form=form,
                  sections=sections)


def _service_sections(customer, period) -> list[dict]:
    out = []
    complaint = selectors.other_model("service.Complaint")
    if complaint is None:
        out.append({"kind": "text", "title": _("投诉"), "lines": [selectors.missing(_("投诉"))]})
    else:
        rows = [[c.code, c.get_category_display(), c.get_severity_display(), c.get_state_display(),
                 timezone.localtime(c.received_at).strftime("%Y-%m-%d")]
                for c in complaint.objects.filter(customer=customer).order_by("-received_at")[:10]]
        out.append({"kind": "table", "title": _("最近投诉"), "headers": [_("编号"), _("类别"), _("严重程度"), _("状态"),
                                                                       _("受理日期")],
                    "rows": rows or [[NO_DATA, "", "", "", ""]]})
    if period is not None:
        sat = selectors.satisfaction(customers=[customer], period=period)
        line = selectors.missing(_("满意度调查")) if sat is None else (
            _("CSAT %(c)s，NPS %(n)s，有效答卷%(r)d份") % {
                "c": shown(sat["csat"]), "n": shown(sat["nps"]), "r": sat["responses"]}
            if sat["responses"] else NO_DATA)
        out.append({"kind": "text", "title": _("满意度调查（%(p)s）") % {"p": period.label()}, "lines": [line]})
    return out


# --- RFM ---------------------------------------------------------------------------------------


def rfm_page(request):
    require(request)
    today = timezone.localdate()
    if request.method == "POST":
        try:
            n = services.segment_snapshot_take(actor=request.user, as_of=today)
            messages.success(request, _("已生成%(n)d个客户的分群快照") % {"n": n})
        except DomainError as exc:
            messages.error(request, "；".join(exc.messages()))
        return redirect(request.path)
    rows = selectors.rfm_list(user=request.user, as_of=today)
    counts = selectors.segment_counts(rows)
    changes = selectors.segment_changes(user=request.user, as_of=today)
    sections = [
        {"kind": "text", "title": _("评分规则（截至%(d)s）") % {"d": today}, "lines": policy.rfm_thresholds_text()},
        chart([c["label"] for c in counts], [(_("客户数"), [c["count"] for c in counts])], title=_("各分群客户数")),
        {"kind": "buttons", "buttons": [{"label": _("生成今日分群快照"), "name": "snapshot", "variant": "primary"}]},
        {"kind": "table", "title": _("客户分群"),
         "headers": [_("客户"), _("分群"), _("R"), _("F"), _("M"), _("最近下单（天前）"), _("近12个月订单"),
                     _("近12个月货值")],
         "rows": [[link(customer_url(c), customer_text(c)), r.segment_label, r.r, r.f, r.m,
                   shown(r.recency_days), r.frequency, shown(r.monetary)] for c, r in rows]},
    ]
    if changes:
        sections.append({"kind": "table", "title": _("分群变化（与上一快照相比）"),
                         "headers": [_("客户"), _("之前"), _("现在")],
                         "rows": [[customer_text(c["customer"]), c["before"].get_segment_display(),
                                   c["after"].get_segment_display()] for c in changes]})
    return render(request, title=_("RFM客户分群"), sections=sections)


# --- churn -------------------------------------------------------------------------------------


def churn_page(request):
    require(request)
    today = timezone.localdate()
    if request.method == "POST":
        try:
            planned = services.churn_followups_schedule(actor=request.user, today=today)
            messages.success(request, _("已为%(n)d个客户安排流失预警回访") % {"n": len(planned)})
        except DomainError as exc:
            messages.error(request, "；".join(exc.messages()))
        return redirect(request.path)
    owner = None if roles.is_supervisor(request.user) else request.user
    churn = selectors.churn_list(user=request.user, today=today, owner=owner)
    return render(request, title=_("流失预警"), sections=[
        {"kind": "buttons",
         "buttons": [{"label": _("为预警客户生成回访建议"), "name": "followups", "variant": "primary"}]},
        _churn_table(churn, selectors.followups_planned(user=request.user)),
    ])


# --- volume ------------------------------------------------------------------------------------


def _volume_sections(user, today, *, customer=None, kind=fc.MONTHLY) -> list[dict]:
    vol = selectors.volume(user=user, kind=kind, customer=customer, today=today)
    fmt = "%Y-%m" if kind == fc.MONTHLY else "%Y-%m-%d"
    unit = _("月") if kind == fc.MONTHLY else _("周")
    if not vol.has_data:
        return [{"kind": "text", "title": _("订单量与预测"), "lines": [NO_DATA]}]
    labels = [s.strftime(fmt) + ("（" + "、".join(vol.peaks[s]) + "）" if s in vol.peaks else "")
              for s in [*vol.starts, *vol.forecast_starts]]
    actual = [*vol.orders, *([None] * len(vol.forecast_starts))]
    predicted = [None] * (len(vol.starts) - 1) + [vol.orders[-1]] + [round(v, 1) for v in vol.forecast.values] \
        if vol.forecast.ok else [None] * len(vol.starts)
    if vol.forecast.ok:
        mape = f"{vol.forecast.mape:.1f}%" if vol.forecast.mape is not None else NO_DATA
        note = _("模型：%(m)s。留出最后%(h)d%(u)s检验：MAE %(mae).2f 单，MAPE %(mape)s。") % {
            "m": vol.forecast.model, "h": fc.HOLDOUT[kind], "u": unit, "mae": vol.forecast.mae, "mape": mape}
    else:
        note = _("不做预测：%(r)s") % {"r": vol.forecast.reason}
    note += _(" 标注“双十一”“春节”的%(u)s为高峰所在。") % {"u": unit}
    return [chart(labels, [(_("实际订单数"), actual), (_("预测订单数"), predicted)], kind="line", height=320,
                  title=_("每%(u)s订单量与预测") % {"u": unit}, note=note)]


class VolumeForm(forms.Form):
    customer = forms.ModelChoiceField(label=gettext_lazy("客户"), queryset=None, required=False,
                                      empty_label=gettext_lazy("全部客户"))
    kind = forms.ChoiceField(label=gettext_lazy("周期"), required=False,
                             choices=[(fc.MONTHLY, gettext_lazy("按月")), (fc.WEEKLY, gettext_lazy("按周"))])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customer_list(user=user)


def volume_page(request):
    require(request)
    form = VolumeForm(request.GET or None, user=request.user)
    customer, kind = None, fc.MONTHLY
    if form.is_valid():
        customer, kind = form.cleaned_data["customer"], form.cleaned_data["kind"] or fc.MONTHLY
    sections = _volume_sections(request.user, timezone.localdate(), customer=customer, kind=kind)
    return render(request, title=_("订单量与预测"), filter_form=form, sections=sections)


# --- reports -----------------------------------------------------------------------------------


class ReportForm(forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("报告范围"), choices=ReportScope.choices)
    warehouse = forms.ModelChoiceField(label=gettext_lazy("仓库"), queryset=None, required=False,
                                       empty_label=gettext_lazy("全部仓库"))
    customer = forms.ModelChoiceField(label=gettext_lazy("客户"), queryset=None, required=False)
    start = forms.DateField(label=gettext_lazy("开始日期"))
    end = forms.DateField(label=gettext_lazy("结束日期"))

    def __init__(self, *args, user, **kwargs):
        from depot.inventory.models import Warehouse

        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(is_active=True)
        self.fields["customer"].queryset = customer_list(user=user)


def report_new(request):
    require(request)
    month = policy.previous_month(timezone.localdate())
    form = ReportForm(request.POST or None, user=request.user,
                      initial={"scope": ReportScope.CUSTOMER, "start": month.start, "end": month.end})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        args = {"actor": request.user, "scope": data["scope"], "start": data["start"], "end": data["end"],
                "warehouse": data["warehouse"], "customer": data["customer"]}
        try:
            fmt = request.POST.get("download")
            if fmt in ("pdf", "xlsx"):
                report = services.report_build(**args)
                return _file(report, fmt)
            run = services.report_request(**args)
            messages.success(request, _("报告已提交后台生成，完成后可在列表中下载"))
            return redirect(reverse("admin:analytics_reportrun_change", args=[run.pk]))
        except DomainError as exc:
            for field, msgs in exc.details.items():
                for m in msgs:
                    form.add_error(field if field in form.fields else None, str(m))
            if not exc.details:
                form.add_error(None, str(exc.message))
    return render(request, title=_("生成月度客户服务报告"), sections=[
        {"kind": "form", "title": _("报告参数"), "form": form, "submit_label": _("提交后台生成"), "name": "queue",
         "extra_buttons": [{"label": _("直接下载PDF"), "name": "download", "value": "pdf"},
                           {"label": _("直接下载Excel"), "name": "download", "value": "xlsx"}],
         "footnote": _("31天以内的报告可直接下载；更长期间（最多366天）的报告提交后台生成，完成后在报告列表下载。")},
    ])


def _file(data: dict, fmt: str) -> HttpResponse:
    name = f"report-{data['period'].start:%Y%m%d}-{data['period'].end:%Y%m%d}"
    if fmt == "pdf":
        response = HttpResponse(reports.report_pdf(data), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    else:
        response = HttpResponse(reports.report_excel(data),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def report_download(request, pk, fmt):
    require(request)
    try:
        run = selectors.report_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404(_("记录不存在或无权访问")) from None
    if run.state != ReportState.DONE or fmt not in ("pdf", "xlsx"):
        raise Http404(_("报告尚未生成"))
    content = bytes(run.pdf if fmt == "pdf" else run.excel)
    ctype = "application/pdf" if fmt == "pdf" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="report-{run.pk}.{fmt}"'
    return response


def urls(admin_site) -> list:
    def view(fn):
        return admin_site.admin_view(fn)

    return [
        path("board/", view(board), name="analytics_board"),
        path("value/", view(value_list), name="analytics_value"),
        path("customer/<int:pk>/", view(customer_page), name="analytics_customer"),
        path("rfm/", view(rfm_page), name="analytics_rfm"),
        path("churn/", view(churn_page), name="analytics_churn"),
        path("volume/", view(volume_page), name="analytics_volume"),
        path("new/", view(report_new), name="analytics_report_new"),
        path("<int:pk>/download/<str:fmt>/", view(report_download), name="analytics_report_download"),
    ]
