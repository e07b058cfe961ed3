"""Back-office pages of KPIs: 服务KPI (a month, all customers or one; actual against target, a
six-month trend), 员工KPI (a month or a year, per staff member, formulas on the page), a person's
page (appraisal history, training record) and the appraisal weights. Read through the
selectors; changes are service calls."""

import datetime
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from depot.core.errors import DomainError
from depot.customers.selectors import customer_list
from depot.kpi import policy, selectors, services
from depot.kpi.choices import Component, PeriodKind, ServiceKpi

PAGE = "core/admin/page.html"
COLOURS = ["#9333ea", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444"]
TREND = [ServiceKpi.ON_TIME_SHIPMENT, ServiceKpi.FILL_RATE, ServiceKpi.PERFECT_ORDER, ServiceKpi.CSAT]

FORMULAS = {
    ServiceKpi.ON_TIME_SHIPMENT: gettext_lazy("本月到期且已发货或已逾期的出库单中，在应发货时间前发货的比例"),
    ServiceKpi.FILL_RATE: gettext_lazy("本月发货出库单的明细行中，实发数量不少于订购数量的行数 ÷ 订购行数"),
    ServiceKpi.DAMAGE_FREE: gettext_lazy("本月发货出库单中，没有货损事件、也没有货损投诉的比例"),
    ServiceKpi.DOC_ACCURACY: gettext_lazy("本月发货出库单中，没有错发货或单据/账单差错投诉的比例"),
    ServiceKpi.PERFECT_ORDER: gettext_lazy(
        "本月发货出库单中，同时满足按时、足量、无货损、单证准确的订单比例（逐单判断，不是四项相乘）"),
    ServiceKpi.INVENTORY_ACCURACY: gettext_lazy("本月审批过账的盘点明细中，实盘数量等于账面数量的行数 ÷ 盘点行数"),
    ServiceKpi.DOCK_TO_STOCK: gettext_lazy("本月完成上架的入库单，从开始收货到上架完成的平均小时数"),
    ServiceKpi.COMPLAINT_FIRST_RESPONSE: gettext_lazy("本月受理的投诉，从受理到首次响应的平均小时数"),
    ServiceKpi.COMPLAINT_RESOLUTION: gettext_lazy("本月关闭的投诉，从受理到关闭的平均小时数"),
    ServiceKpi.CSAT: gettext_lazy("本月提交的答卷中，1–5分题打4分或5分的比例"),
    ServiceKpi.NPS: gettext_lazy("本月答卷中推荐意愿9–10分的比例减去0–6分的比例"),
}
STAFF_FORMULAS = [
    gettext_lazy("订单按时处理率：本期到期、本人处理过任一环节的出库单中，按时发货的比例"),
    gettext_lazy("投诉按时解决率：本期关闭、由本人处理的投诉中，在处理期限前关闭的比例"),
    gettext_lazy("平均首次响应：本期受理的本人沟通记录与投诉，从受理到首次答复的平均小时数"),
    gettext_lazy("回访按时率：本人本期计划且已到期的回访（取消的除外）中，在计划日期当天或之前完成的比例"),
    gettext_lazy("客户满意度：本人负责客户本期答卷的 CSAT（4–5分占比）"),
    gettext_lazy("无数据的指标显示“暂无数据”，不计为0%或100%；考核时其权重按比例分给其他项"),
]


def render(request, *, title, **context) -> TemplateResponse:
    return TemplateResponse(request, PAGE, {**admin.site.each_context(request), "title": title,
                                            "page_id": "depot-page", **context})


def require(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied


def chart(data, **options):
    base = {"maintainAspectRatio": False, "animation": False, "scales": {"y": {"beginAtZero": True}}}
    base.update(options)
    return json.dumps(data, ensure_ascii=False), json.dumps(base, ensure_ascii=False)


def fmt(value, unit="%") -> str:
    if value is None:
        return _("暂无数据")
    return f"{value}%" if unit == "%" else (_("%(v)s 小时") % {"v": value} if unit == "h" else str(value))


def _last_month() -> str:
    first = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    return first.strftime("%Y-%m")


class MonthForm(forms.Form):
    month = forms.RegexField(label=gettext_lazy("月份"), regex=r"^\d{4}-\d{2}$", required=False,
                             widget=forms.TextInput(attrs={"type": "month"}))
    customer = forms.ModelChoiceField(label=gettext_lazy("客户"), queryset=None, required=False,
                                      empty_label=gettext_lazy("全部客户"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customer_list(user=user).order_by("code")

    def year_month(self) -> tuple[int, int]:
        value = (self.cleaned_data.get("month") if self.is_valid() else None) or _last_month()
        year, month = (int(x) for x in value.split("-"))
        return (year, month) if 1 <= month <= 12 else (int(_last_month()[:4]), int(_last_month()[5:]))


def service_page(request):
    require(request, "kpi.view_kpis")
    form = MonthForm(request.GET or None, user=request.user)
    year, month = form.year_month()
    customer = form.cleaned_data.get("customer") if form.is_valid() else None
    customers = [customer] if customer else None
    trend = selectors.service_kpi_trend(user=request.user, year=year, month=month, customers=customers)
    kpis = list(trend[-1]["kpis"].values())  # the trend ends with the month shown
    cards = []
    for k in kpis:
        note = (_("目标 %(t)s · %(v)s") % {"t": fmt(k.target, k.unit), "v": _("达标") if k.met else _("未达标")}
                if k.met is not None else (k.reason or (_("未设目标") if k.target is None else "")))
        cards.append({"label": k.label, "value": k.display(), "note": note})
    rows = []
    for k in kpis:
        basis = f"{k.numerator} / {k.denominator}" if k.numerator is not None else (
            _("%(n)s条记录") % {"n": k.denominator} if k.denominator is not None else "—")
        met = "—" if k.met is None else format_html('<span class="{}">{}</span>', "text-green-700" if k.met
                                                    else "text-red-700", _("达标") if k.met else _("未达标"))
        rows.append([k.label, k.display(), fmt(k.target, k.unit) if k.target is not None else "—", met, basis,
                     k.reason or FORMULAS.get(k.code, "")])
    sections = [{"kind": "table", "title": _("%(y)d年%(m)d月服务KPI（实际与目标）") % {"y": year, "m": month},
                 "headers": [_("指标"), _("实际"), _("目标"), _("达标"), _("依据"), _("口径 / 说明")], "rows": rows}]
    datasets = []
    for i, code in enumerate(TREND):
        datasets.append({"label": str(ServiceKpi(code).label), "borderColor": COLOURS[i], "backgroundColor": COLOURS[i],
                         "spanGaps": False, "tension": 0.2,
                         "data": [float(m["kpis"][code].value) if m["kpis"][code].value is not None else None
                                  for m in trend]})
    data, options = chart({"labels": [m["month"] for m in trend], "datasets": datasets},
                          scales={"y": {"beginAtZero": True, "max": 100}})
    sections.append({"kind": "chart", "type": "line", "title": _("近六个月趋势（%）"), "data": data, "options": options,
                     "note": _("没有数据的月份不画点（不是0%）"), "height": 300})
    percent = [k for k in kpis if k.unit == "%" and k.value is not None]
    if percent:
        data, options = chart({"labels": [k.label for k in percent], "datasets": [
            {"label": _("实际"), "backgroundColor": COLOURS[0], "maxBarThickness": 28,
             "data": [float(k.value) for k in percent]},
            {"label": _("目标"), "backgroundColor": "#cbd5e1", "maxBarThickness": 28,
             "data": [float(k.target) if k.target is not None else None for k in percent]}]},
            scales={"y": {"beginAtZero": True, "max": 100}})
        sections.append({"kind": "chart", "type": "bar", "title": _("实际与目标"), "data": data, "options": options,
                         "height": 280})
    if request.user.has_perm("kpi.change_kpitarget"):
        sections.append({"kind": "buttons", "buttons": [
            {"label": _("设定KPI目标"), "href": reverse("admin:kpi_kpitarget_changelist"), "icon": "flag"}]})
    title = _("服务KPI") + (f" · {customer}" if customer else "")
    return render(request, title=title, filter_form=form, cards=cards, sections=sections)


class StaffForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("周期"), choices=PeriodKind.choices, required=False)
    month = forms.RegexField(label=gettext_lazy("月份（年度考核取其年份）"), regex=r"^\d{4}-\d{2}$", required=False,
                             widget=forms.TextInput(attrs={"type": "month"}))


def _staff_period(form) -> tuple[str, tuple[datetime.date, datetime.date]]:
    data = form.cleaned_data if form.is_valid() else {}
    kind = data.get("kind") or PeriodKind.MONTH
    year, month = (int(x) for x in (data.get("month") or _last_month()).split("-"))
    month = month if 1 <= month <= 12 else 1
    return kind, policy.year_period(year) if kind == PeriodKind.YEAR else policy.month_period(year, month)


def staff_page(request):
    require(request, "kpi.view_kpis")
    form = StaffForm(request.GET or None)
    kind, period = _staff_period(form)
    rows = selectors.staff_kpis(user=request.user, period=period)

    def person(row):
        return format_html('<a class="text-primary-600" href="{}">{}</a>',
                           reverse("admin:kpi_person", args=[row.staff.pk]), row.name)

    table = [[person(r), fmt(r.order_on_time) + (f"（{r.orders}）" if r.orders else ""), r.complaints_handled,
              fmt(r.complaint_on_time), fmt(r.first_response_hours, "h"), fmt(r.followup_on_time),
              fmt(r.satisfaction) + (f"（{r.survey_responses}）" if r.survey_responses else ""),
              "；".join(str(m) for m in r.missing) or ""] for r in rows]
    sections = [{"kind": "table", "title": _("员工KPI（%(a)s 至 %(b)s）") % {"a": period[0], "b": period[1]},
                 "headers": [_("员工"), _("订单按时处理率（单数）"), _("处理投诉数"), _("投诉按时解决率"),
                             _("平均首次响应"), _("回访按时率"), _("负责客户满意度（答卷）"), _("说明")],
                 "rows": table}]
    with_data = [r for r in rows if r.order_on_time is not None or r.satisfaction is not None]
    if with_data:
        data, options = chart({"labels": [r.name for r in with_data], "datasets": [
            {"label": _("订单按时处理率"), "backgroundColor": COLOURS[0], "maxBarThickness": 24,
             "data": [float(r.order_on_time) if r.order_on_time is not None else None for r in with_data]},
            {"label": _("负责客户满意度"), "backgroundColor": COLOURS[1], "maxBarThickness": 24,
             "data": [float(r.satisfaction) if r.satisfaction is not None else None for r in with_data]}]},
            scales={"y": {"beginAtZero": True, "max": 100}})
        sections.append({"kind": "chart", "type": "bar", "title": _("员工对比（%）"), "data": data, "options": options,
                         "height": 280})
    sections.append({"kind": "text", "title": _("计算口径"), "lines": STAFF_FORMULAS})
    return render(request, title=_("员工KPI"), filter_form=form, sections=sections)


def my_page(request):
    return redirect("admin:kpi_person", request.user.pk)


def person_page(request, pk):
    staff = get_object_or_404(get_user_model(), pk=pk)
    if not (request.user.has_perm("kpi.view_kpis") or request.user.pk == staff.pk):
        raise PermissionDenied
    name = staff.first_name or staff.get_username()
    appraisals = selectors.appraisal_history(user=request.user, staff=staff)
    training = selectors.training_record(user=request.user, staff=staff)
    sections = [{"kind": "table", "title": _("绩效考核记录"), "headers": [
        _("周期"), _("期间"), _("综合得分"), _("等级"), _("态度"), _("能力"), _("评语"), _("考核人")],
        "rows": [[a.get_period_kind_display(), f"{a.period_start} ~ {a.period_end}", a.total, a.get_rating_display(),
                  a.attitude, a.ability, a.comment or "—",
                  (a.assessed_by.first_name or a.assessed_by.get_username()) if a.assessed_by else "—"]
                 for a in appraisals]}]
    if len(appraisals) > 1:
        history = list(appraisals.filter(period_kind=PeriodKind.MONTH).order_by("period_start"))
        data, options = chart({"labels": [a.period_start.strftime("%Y-%m") for a in history], "datasets": [
            {"label": _("综合得分"), "data": [float(a.total) for a in history], "borderColor": COLOURS[0],
             "backgroundColor": COLOURS[0]}]}, scales={"y": {"beginAtZero": True, "max": 100}})
        sections.append({"kind": "chart", "type": "line", "title": _("月度考核得分"), "data": data, "options": options,
                         "height": 220})
    sections.append({"kind": "table", "title": _("培训记录（累计%(h)s学时）") % {"h": training["hours"]},
                     "headers": [_("日期"), _("课程"), _("类别"), _("学时"), _("成绩"), _("结果")],
                     "rows": [[r.session.held_on, r.session.course.name, r.session.course.get_category_display(),
                               r.hours, r.score if r.score is not None else "—", r.get_result_display()]
                              for r in training["records"]]})
    buttons = []
    if request.user.has_perm("kpi.add_appraisal"):
        buttons.append({"label": _("新建考核"), "icon": "add",
                        "href": reverse("admin:kpi_appraisal_add") + "?" + urlencode({"staff": staff.pk})})
    if buttons:
        sections.insert(0, {"kind": "buttons", "buttons": buttons})
    return render(request, title=_("员工档案：%(n)s") % {"n": name}, sections=sections)


class WeightsForm(forms.Form):
    def __init__(self, *args, initial_weights, **kwargs):
        super().__init__(*args, **kwargs)
        for component in Component:
            self.fields[component.value] = forms.IntegerField(label=component.label, min_value=0, max_value=100,
                                                              initial=initial_weights.get(component.value, 0))


def weights_page(request):
    require(request, "kpi.view_appraisalweight")
    form = WeightsForm(request.POST or None, initial_weights=selectors.weights())
    if request.method == "POST":
        require(request, "kpi.change_appraisalweight")
        if form.is_valid():
            try:
                services.appraisal_weights_set(actor=request.user, weights=form.cleaned_data)
            except DomainError as exc:
                for field, msgs in exc.details.items():
                    form.add_error(field if field in form.fields else None, msgs)
            else:
                messages.success(request, _("考核权重已保存"))
                return redirect("admin:kpi_weights")
    sections = [{"kind": "text", "title": _("说明"), "lines": [
        _("综合得分 = Σ(权重 × 该项得分) ÷ Σ权重；各项得分为0–100：比率类取百分数，满意度取CSAT，"
          "首次响应在目标时长内得100分、超出按“目标 ÷ 实际 × 100”计分，态度和能力由主管评分。"),
        _("某项本期无数据时不参与计算，其权重按比例分给其他项。等级：≥90 优秀，≥80 良好，≥60 合格，其余待改进。")]}]
    if request.user.has_perm("kpi.change_appraisalweight"):
        sections.append({"kind": "form", "title": _("考核权重（合计100%）"), "form": form,
                         "submit_label": _("保存"), "name": "save"})
    return render(request, title=_("考核权重"), sections=sections)


def urls(admin_site) -> list:
    def view(fn):
        return admin_site.admin_view(fn)

    return [
        path("service/", view(service_page), name="kpi_service"),
        path("staff/", view(staff_page), name="kpi_staff"),
        path("staff/<int:pk>/", view(person_page), name="kpi_person"),
        path("me/", view(my_page), name="kpi_me"),
        path("weights/", view(weights_page), name="kpi_weights"),
    ]
